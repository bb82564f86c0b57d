/**
 * docker-compose.yml is the production shape: every Node service runs the image the Dockerfile
 * builds (nothing of the source mounted), Kafka is a secured three-node cluster with replication
 * factor 3 and min ISR 2, and each service holds only its own secrets.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { gatewaySettings, DEFAULT_ROUTING_POLICY } from '../../services/gateway/src/config.ts';
import { auditSettings } from '../../services/audit/src/config.ts';
import { RoutingPolicy } from '../../services/gateway/src/policy.ts';
import { sendsTo } from '../../services/cli/src/deployment/kafka.ts';
import { provisionPlan } from '../../services/core/src/kafka/provision.ts';
import { topicNames } from '../../services/core/src/kafka/transport.ts';
import { BROKER_CERT_DN, COMPOSE_BROKER_HOSTS, ensureBrokerTls } from '../../services/core/src/kafka/security.ts';
import { readDockerfile } from '../support/dockerfile.ts';
import { metricsTokenFile } from '../../services/cli/src/deployment/setup.ts';
import { SCRAPER_BUNDLE } from '../../services/cli/src/deployment/distribute.ts';

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string; target?: string };
  command?: string[];
  entrypoint?: string[];
  user?: string;
  environment?: Record<string, string>;
  healthcheck?: { disable?: boolean; test?: unknown };
  volumes?: string[];
  hostname?: string;
}
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = Object.entries(compose.services);
const known = new Set<string>(Object.values(gatewaySettings).map((s) => s.env));
const required = Object.values(gatewaySettings).filter((s) => !('default' in s)).map((s) => s.env);
const gateways = services.filter(([name]) => name.startsWith('gateway-'));
const brokers = services.filter(([name]) => /^kafka-\d+$/.test(name));
/** Everything that runs our code: the gateways, the audit service and the one-shots that run `mx`. */
const nodeServices = services.filter(([, s]) => !(s.image ?? '').startsWith('apache/kafka'));
const provision = compose.services['kafka-provision']!;
const optionOf = (args: string[], name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

test('there is a gateway entry per endpoint and three pinned Kafka nodes, each with a health check and a data volume of its own', () => {
  expect(gateways.map(([n]) => n).sort()).toEqual(['gateway-cn', 'gateway-interpol', 'gateway-la', 'gateway-th']);
  expect(brokers.map(([n]) => n)).toEqual(['kafka-1', 'kafka-2', 'kafka-3']);
  expect(brokers.map(([, s]) => s.hostname)).toEqual([...COMPOSE_BROKER_HOSTS]);
  for (const [name, kafka] of brokers) {
    expect(kafka.image).toMatch(/^apache\/kafka:\d+\.\d+\.\d+$/);
    expect(kafka.healthcheck?.test).toBeDefined();
    expect((kafka.volumes ?? []).filter((v) => v.endsWith(':/var/lib/kafka/data'))).toEqual([`${name}-data:/var/lib/kafka/data`]);
  }
  expect(new Set(brokers.map(([, s]) => s.environment?.KAFKA_NODE_ID)).size).toBe(3);
});

describe('every Node service runs the image the Dockerfile builds', () => {
  const dockerfile = readDockerfile();
  const stageNames = dockerfile.stages.map((s) => s.name);

  test('the gateways, the audit service and the one-shots are built from the repository\'s Dockerfile, at one of its stages', () => {
    expect(nodeServices.map(([n]) => n).sort()).toEqual(['audit', 'gateway-cn', 'gateway-interpol', 'gateway-la', 'gateway-th', 'kafka-provision', 'setup']);
    for (const [name, svc] of nodeServices) {
      expect({ name, context: svc.build?.context, dockerfile: svc.build?.dockerfile }).toEqual({ name, context: '.', dockerfile: 'Dockerfile' });
      expect(stageNames).toContain(svc.build?.target);
      expect(svc.image).toMatch(/^mekong-exchange(-ceremony)?:/);
    }
    // The services themselves run the default runtime stage (non-root; the last stage); only the key
    // ceremony, which needs the JDK's keytool for the broker certificate, runs its own stage.
    for (const [name, svc] of nodeServices.filter(([n]) => n !== 'setup')) expect({ name, target: svc.build?.target }).toEqual({ name, target: 'runtime' });
    expect(stageNames.at(-1)).toBe('runtime');
    expect(compose.services.setup!.build?.target).toBe('ceremony');
  });

  test('no source is bind-mounted and nothing runs TypeScript or a loader', () => {
    for (const [name, svc] of services) {
      // Named volumes only: a bind mount's source is a path (./, /, ~).
      expect({ name, binds: (svc.volumes ?? []).filter((v) => /^[./~]/.test(v)) }).toEqual({ name, binds: [] });
    }
    for (const [name, svc] of nodeServices) {
      const run = [...(svc.entrypoint ?? []), ...(svc.command ?? [])].join(' ');
      expect({ name, tsx: /tsx|\.ts\b|--import|--loader/.test(run) }).toEqual({ name, tsx: false });
    }
    expect(gateways.map(([, s]) => s.command)).toEqual(gateways.map(() => ['gateway']));
    expect(compose.services.audit!.command).toEqual(['audit']);
    expect(provision.command?.slice(0, 3)).toEqual(['mx', 'kafka', 'provision']);
  });
});

test.each(gateways)('%s sets every required gateway variable and no unknown one', (_name, svc) => {
  const env = Object.keys(svc.environment ?? {});
  expect(env.filter((k) => !known.has(k))).toEqual([]);
  expect(required.filter((k) => !env.includes(k))).toEqual([]);
});

test('the audit service entry sets every required audit variable and no unknown one', () => {
  const env = Object.keys(compose.services.audit?.environment ?? {});
  const knownAudit = new Set<string>(Object.values(auditSettings).map((s) => s.env));
  expect(env.filter((k) => !knownAudit.has(k))).toEqual([]);
  expect(Object.values(auditSettings).filter((s) => !('default' in s)).map((s) => s.env).filter((k) => !env.includes(k))).toEqual([]);
});

const dc = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
(dc.status === 0 ? test : test.skip)('docker-compose config accepts the file', () => {
  const r = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});

describe('Kafka is secured as in production', () => {
  test.each(brokers)('%s: SASL_SSL client and inter-broker listener only, SCRAM, deny-by-default ACLs, a mutual-TLS controller listener', (name, kafka) => {
    const env = kafka.environment ?? {};
    const listeners = (env.KAFKA_LISTENERS ?? '').split(',');
    expect(listeners.filter((l) => !l.startsWith('CONTROLLER://'))).toEqual(['SASL_SSL://:9092']);
    expect(env.KAFKA_ADVERTISED_LISTENERS).toBe(`SASL_SSL://${name}:9092`);
    expect(env.KAFKA_INTER_BROKER_LISTENER_NAME).toBe('SASL_SSL');
    // No PLAINTEXT anywhere: the controller listener is SSL and asks the other nodes for the broker certificate.
    expect(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe('CONTROLLER:SSL,SASL_SSL:SASL_SSL');
    expect(Object.values(env).filter((v) => /PLAINTEXT/.test(String(v)))).toEqual([]);
    expect(env.KAFKA_LISTENER_NAME_CONTROLLER_SSL_CLIENT_AUTH).toBe('required');
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(COMPOSE_BROKER_HOSTS.map((h, i) => `${i + 1}@${h}:9093`).join(','));
    expect(env.KAFKA_SASL_ENABLED_MECHANISMS).toBe('SCRAM-SHA-512');
    expect(env.KAFKA_AUTHORIZER_CLASS_NAME).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(env.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND).toBe('false');
    expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    // The admin, and the nodes themselves by their certificate; no ANONYMOUS (there is no unauthenticated listener).
    expect(env.KAFKA_SUPER_USERS).toBe(`User:admin;User:${BROKER_CERT_DN}`);
    // No secret in the file: passwords come from the deployment's files through the config provider
    // (`$${dir:...}` is compose's escape of `${dir:...}`).
    const secretSettings = Object.entries(env).filter(([k]) => /PASSWORD|JAAS/.test(k));
    expect(secretSettings.length).toBeGreaterThanOrEqual(3);
    const literal = secretSettings.map(([k, v]) => [k, v.replace(/\$\$\{dir:[^}]+\}/g, '')] as const).filter(([k, v]) => (k.endsWith('_PASSWORD') ? v !== '' : /password="[^"]+"/.test(v)));
    expect(literal).toEqual([]);
  });

  test('the storage of all three nodes is formatted with the same listeners (no PLAINTEXT) and every SCRAM user', () => {
    const script = (compose.services['kafka-format']!.command ?? []).join('\n');
    expect(script).not.toMatch(/PLAINTEXT/);
    expect(script).toMatch(/listener\.security\.protocol\.map=CONTROLLER:SSL,SASL_SSL:SASL_SSL/);
    expect(script).toMatch(/for n in 1 2 3; do/);
    expect(script).toMatch(/--cluster-id "\$\$id"/);
    for (const p of ['admin', 'mx-audit', 'gw-LA', 'gw-TH', 'gw-CN', 'gw-INTERPOL']) expect(script).toContain(` ${p}`);
    expect(compose.services['kafka-format']!.volumes?.filter((v) => /^kafka-\d-data:/.test(v))).toEqual(['kafka-1-data:/data/1', 'kafka-2-data:/data/2', 'kafka-3-data:/data/3']);
  });

  test('the broker certificate `mx setup` makes names every compose broker and carries the super user\'s subject', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mx-compose-tls-'));
    try {
      const tls = ensureBrokerTls(dir);
      const r = spawnSync('keytool', ['-exportcert', '-rfc', '-alias', 'broker', '-keystore', tls.keystore, '-storetype', 'PKCS12', '-storepass', tls.storePassword], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const cert = new X509Certificate(r.stdout);
      expect(cert.subject).toBe(BROKER_CERT_DN);
      for (const host of [...COMPOSE_BROKER_HOSTS, 'localhost']) expect({ host, ok: cert.checkHost(host) }).toEqual({ host, ok: host });
      expect(cert.checkHost('kafka')).toBeUndefined();
      expect(cert.verify(new X509Certificate(tls.caPem).publicKey)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('replication factor 3, min.insync.replicas 2, retention per topic', () => {
  test.each(brokers)('%s defaults: replication factor 3 and min ISR 2 for every topic, the internal ones included', (_name, kafka) => {
    const env = kafka.environment ?? {};
    expect(env.KAFKA_DEFAULT_REPLICATION_FACTOR).toBe('3');
    expect(env.KAFKA_MIN_INSYNC_REPLICAS).toBe('2');
    expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('3');
    expect(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe('3');
    expect(env.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR).toBe('2');
    expect(env.KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE).toBe('false');
  });

  test('the provisioning creates the topics with replication factor 3 on all three brokers; every service is told the same', () => {
    const args = provision.command ?? [];
    expect(optionOf(args, '--replication-factor')).toBe('3');
    for (const [name, svc] of [...gateways, ['audit', compose.services.audit!] as const]) {
      expect({ name, rf: svc.environment?.MX_TOPIC_REPLICATION_FACTOR }).toEqual({ name, rf: '3' });
    }
    for (const [name, svc] of [...gateways, ['audit', compose.services.audit!] as const, ['kafka-provision', provision] as const]) {
      expect({ name, brokers: svc.environment?.KAFKA_BROKERS }).toEqual({ name, brokers: COMPOSE_BROKER_HOSTS.map((h) => `${h}:9092`).join(',') });
    }
  });

  test('mx.audit, as the compose provisioning creates it, is kept indefinitely; every topic has an explicit retention', () => {
    const args = provision.command ?? [];
    const endpoints = (optionOf(args, '--endpoints') ?? '').split(',');
    expect(endpoints.sort()).toEqual(['CN', 'INTERPOL', 'LA', 'TH']);
    const plan = provisionPlan({ sendsTo: sendsTo(RoutingPolicy.fromFile(DEFAULT_ROUTING_POLICY), endpoints) });
    const retention = Object.fromEntries(plan.topics.map((t) => [t.topic, t.configEntries?.find((c) => c.name === 'retention.ms')?.value]));
    expect(retention[topicNames().audit]).toBe('-1');
    expect(Object.entries(retention).filter(([, v]) => v === undefined)).toEqual([]);
  });
});

test.each([...gateways.map(([n, s]) => [n, s, `gw-${n.slice('gateway-'.length).toUpperCase()}`] as const), ['audit', compose.services.audit!, 'mx-audit'] as const])(
  '%s connects to Kafka as its own principal with its own password file',
  (_name, svc, principal) => {
    const env = svc.environment ?? {};
    expect(env.MX_KAFKA_SASL_USERNAME).toBe(principal);
    expect(env.MX_KAFKA_SASL_PASSWORD_FILE).toBe(`/secrets/${principal}.password`);
    expect(env.MX_KAFKA_CA_FILE).toBe('/public/kafka-ca.pem');
  },
);

test.each([...gateways.map(([n, s]) => [n, s, n.slice('gateway-'.length).toUpperCase()] as const), ['audit', compose.services.audit!, 'audit'] as const])(
  '%s serves /metrics to the bearer of its own metrics token, the file `mx setup` writes into its bundle',
  (_name, svc, owner) => {
    expect(svc.environment?.MX_METRICS_TOKEN_FILE).toBe(`/secrets/${basename(metricsTokenFile('/deployment', owner))}`);
  },
);

describe('each service holds only its own secrets', () => {
  const mounts = (svc: { volumes?: string[] }) => (svc.volumes ?? []).map((v) => v.split(':')) as [string, string, string?][];
  /** Where in the container each named volume is mounted, per service. */
  const mountedBy = (volume: string) => services.filter(([, svc]) => mounts(svc).some(([src]) => src === volume)).map(([n]) => n).sort();

  test.each([...gateways.map(([n, s]) => [n, s, n.slice('gateway-'.length).toUpperCase()] as const), ['audit', compose.services.audit!, 'audit'] as const])(
    '%s mounts its own secrets bundle and the public files read-only, and its data, nothing else; every file it reads is in them',
    (name, svc, owner) => {
      const data = name === 'audit' ? 'audit-data' : `${name}-data`;
      expect(mounts(svc).map((m) => m.join(':')).sort()).toEqual([`${data}:/data`, 'public:/public:ro', `secrets-${name}:/secrets:ro`].sort());
      const files = Object.entries(svc.environment ?? {}).filter(([k]) => /_FILE$|_DIR$/.test(k) && k !== 'MX_DATA_DIR');
      for (const [k, v] of files) expect({ k, inside: /^\/(secrets|public)\//.test(v) }).toEqual({ k, inside: true });
      // Its secrets are its own: every secret file it names carries its own name.
      for (const [, v] of files.filter(([, v]) => v.startsWith('/secrets/'))) expect(v).toContain(owner === 'audit' ? 'audit' : owner);
    },
  );

  test('a bundle is mounted by its service(s) and by the set-up that writes it, by nothing else', () => {
    for (const [name] of [...gateways, ['audit']]) expect({ name, by: mountedBy(`secrets-${name}`) }).toEqual({ name, by: [name, 'setup'].sort() });
    expect(mountedBy('secrets-kafka')).toEqual(['kafka-1', 'kafka-2', 'kafka-3', 'setup']);
    // Every service's metrics token: for the operator's Prometheus, never for a service here.
    expect(mounts(compose.services.setup!).filter(([src]) => src === `secrets-${SCRAPER_BUNDLE}`).map((m) => m[1])).toEqual([`/out/${SCRAPER_BUNDLE}`]);
    expect(mountedBy(`secrets-${SCRAPER_BUNDLE}`)).toEqual(['setup']);
  });

  test('the deployment (every private key, the identity provider\'s included) is mounted only by set-up, the brokers\' formatting and the admin\'s provisioning', () => {
    expect(mountedBy('deployment')).toEqual(['kafka-format', 'kafka-provision', 'setup']);
  });

  test('the services run as the image\'s non-root user; only the one-shots that hand files to uid 1000 run as root', () => {
    expect(services.filter(([, s]) => s.user !== undefined).map(([n, s]) => [n, s.user])).toEqual([
      ['kafka-format', '0:0'],
      ['setup', '0:0'],
    ]);
  });
});
