/** docker-compose.yml is the production shape: its gateway entries use the gateway's real settings. */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { gatewaySettings } from '../../services/gateway/src/config.ts';
import { auditSettings } from '../../services/audit/src/config.ts';

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; environment?: Record<string, string>; healthcheck?: unknown; volumes?: string[] }>;
};
const known = new Set<string>(Object.values(gatewaySettings).map((s) => s.env));
const required = Object.values(gatewaySettings).filter((s) => !('default' in s)).map((s) => s.env);
const gateways = Object.entries(compose.services).filter(([name]) => name.startsWith('gateway-'));

test('there is a gateway entry per endpoint and a pinned Kafka with a health check and a volume', () => {
  expect(gateways.map(([n]) => n).sort()).toEqual(['gateway-cn', 'gateway-interpol', 'gateway-la', 'gateway-th']);
  const kafka = compose.services.kafka!;
  expect(kafka.image).toMatch(/^apache\/kafka:\d+\.\d+\.\d+$/);
  expect(kafka.healthcheck).toBeDefined();
  expect(kafka.volumes?.length).toBeGreaterThan(0);
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

test('Kafka is secured as in production: SASL_SSL client listener only, SCRAM, deny-by-default ACLs, controller on loopback', () => {
  const env = compose.services.kafka!.environment ?? {};
  const listeners = (env.KAFKA_LISTENERS ?? '').split(',');
  expect(listeners.filter((l) => !l.startsWith('CONTROLLER://'))).toEqual(['SASL_SSL://:9092']);
  expect(listeners.find((l) => l.startsWith('CONTROLLER://'))).toMatch(/^CONTROLLER:\/\/127\.0\.0\.1:/);
  expect(env.KAFKA_ADVERTISED_LISTENERS).toMatch(/^SASL_SSL:\/\//);
  expect(env.KAFKA_SASL_ENABLED_MECHANISMS).toBe('SCRAM-SHA-512');
  expect(env.KAFKA_AUTHORIZER_CLASS_NAME).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
  expect(env.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND).toBe('false');
  expect(env.KAFKA_SUPER_USERS).toBe('User:admin;User:ANONYMOUS');
  // No secret in the file: passwords come from the deployment's files through the config provider
  // (`$${dir:...}` is compose's escape of `${dir:...}`).
  const secretSettings = Object.entries(env).filter(([k]) => /PASSWORD|JAAS/.test(k));
  expect(secretSettings.length).toBeGreaterThanOrEqual(3);
  const literal = secretSettings.map(([k, v]) => [k, v.replace(/\$\$\{dir:[^}]+\}/g, '')] as const).filter(([k, v]) => (k.endsWith('_PASSWORD') ? v !== '' : /password="[^"]+"/.test(v)));
  expect(literal).toEqual([]);
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

describe('each service holds only its own secrets', () => {
  const mounts = (svc: { volumes?: string[] }) => (svc.volumes ?? []).map((v) => v.split(':')) as [string, string, string?][];
  /** Where in the container each named volume is mounted, per service. */
  const mountedBy = (volume: string) => Object.entries(compose.services).filter(([, svc]) => mounts(svc).some(([src]) => src === volume)).map(([n]) => n).sort();

  test.each([...gateways.map(([n, s]) => [n, s, n.slice('gateway-'.length).toUpperCase()] as const), ['audit', compose.services.audit!, 'audit'] as const])(
    '%s mounts the code, its own secrets bundle and the public files read-only, and its data; every file it reads is in them',
    (name, svc, owner) => {
      const data = name === 'audit' ? 'audit-data' : `${name}-data`;
      expect(mounts(svc).map((m) => m.join(':')).sort()).toEqual(['./:/app:ro', `${data}:/data`, 'public:/public:ro', `secrets-${name}:/secrets:ro`].sort());
      const files = Object.entries(svc.environment ?? {}).filter(([k]) => /_FILE$|_DIR$/.test(k) && k !== 'MX_DATA_DIR');
      for (const [k, v] of files) expect({ k, inside: /^\/(secrets|public)\//.test(v) }).toEqual({ k, inside: true });
      // Its secrets are its own: every secret file it names carries its own name.
      for (const [, v] of files.filter(([, v]) => v.startsWith('/secrets/'))) expect(v).toContain(owner === 'audit' ? 'audit' : owner);
    },
  );

  test('a bundle is mounted by its service and by the set-up that writes it, by nothing else', () => {
    for (const [name] of [...gateways, ['audit'], ['kafka']]) expect({ name, by: mountedBy(`secrets-${name}`) }).toEqual({ name, by: [name, 'setup'].sort() });
  });

  test('the deployment (every private key, the identity provider\'s included) is mounted only by set-up, the broker\'s formatting and the admin\'s provisioning', () => {
    expect(mountedBy('deployment')).toEqual(['kafka-format', 'kafka-provision', 'setup']);
  });
});
