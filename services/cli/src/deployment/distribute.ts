/**
 * Each service holds only its own secrets. `mx setup --distribute OUT` copies, out of the
 * deployment that set-up made (every key, the identity provider's private key, every Kafka
 * password), one bundle per service: `OUT/<service>/` holds exactly the secret files that service's
 * configuration names (its signing keys, pseudonym key, Kafka password, metrics token) and `OUT/public/` what
 * every service may read (the trust directory, the identity provider's public JWKS, the Kafka CA).
 * A service's bundle includes its `/metrics` bearer token; `OUT/prometheus/` holds every service's
 * metrics token and nothing else, for the scraper (a Prometheus `bearer_token_file` per job).
 * docker-compose.yml mounts each bundle into its service alone; the deployment itself stays with
 * set-up (where officers' tokens are minted).
 */
import { copyFileSync, cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import { ownerOnlyDir } from '../../../core/src/fs/owner-only.ts';
import { devIdpPaths } from '../../../core/src/idp/dev-idp.ts';
import { COMPOSE_BROKER_HOSTS, kafkaCaFile, kafkaSecretsDir } from '../../../core/src/kafka/security.ts';
import { auditEnv, gatewayEnv, type Deployment } from './setup.ts';

/** The bundle of the metrics scraper: every service's `/metrics` token, under the service's own file name. */
export const SCRAPER_BUNDLE = 'prometheus';

/** The compose service name of an endpoint's gateway. */
export function gatewayServiceName(endpoint: string): string {
  return `gateway-${endpoint.toLowerCase()}`;
}

/** The secret files (inside the deployment's `private/`) a service's environment names. */
function secretFilesOf(dep: Deployment, env: Record<string, string>): string[] {
  const privateDir = join(dep.dir, 'private') + sep;
  return Object.values(env).filter((v) => v.startsWith(privateDir) && existsSync(v) && statSync(v).isFile() && v !== kafkaCaFile(dep.kafkaSecretsDir));
}

/** What each bundle holds: service name -> file names. */
export type Distribution = Record<string, string[]>;

/**
 * Writes the bundles under `out` (directories 0700, files 0600) and returns what each holds. The
 * broker's bundle (`kafka/`) holds its keystore, truststore, their password and the admin password
 * its own inter-broker login uses.
 */
export function distributeSecrets(dep: Deployment, out: string): Distribution {
  const brokers = COMPOSE_BROKER_HOSTS.map((h) => `${h}:9092`);
  const services: Record<string, Record<string, string>> = {};
  for (const e of dep.endpoints) services[gatewayServiceName(e)] = gatewayEnv(dep, e, brokers);
  services.audit = auditEnv(dep, brokers);
  const result: Distribution = {};
  const scraper = join(out, SCRAPER_BUNDLE);
  ownerOnlyDir(scraper);
  result[SCRAPER_BUNDLE] = [];
  for (const [name, env] of Object.entries(services)) {
    const dir = join(out, name);
    ownerOnlyDir(dir);
    result[name] = secretFilesOf(dep, env).map((file) => {
      copyFileSync(file, join(dir, basename(file)));
      return basename(file);
    });
    const token = env.MX_METRICS_TOKEN_FILE;
    if (token !== undefined) {
      copyFileSync(token, join(scraper, basename(token)));
      result[SCRAPER_BUNDLE].push(basename(token));
    }
  }
  const kafkaDir = kafkaSecretsDir(dep.kafkaSecretsDir);
  const tls = join(kafkaDir, 'tls');
  if (existsSync(tls)) {
    const dir = join(out, 'kafka');
    ownerOnlyDir(join(dir, 'tls'));
    for (const f of readdirSync(tls)) copyFileSync(join(tls, f), join(dir, 'tls', f));
    copyFileSync(join(kafkaDir, 'admin.password'), join(dir, 'admin.password'));
    result.kafka = ['admin.password', ...readdirSync(tls).map((f) => `tls/${f}`)];
  }
  const pub = join(out, 'public');
  ownerOnlyDir(pub);
  cpSync(dep.trustDir, join(pub, 'trust'), { recursive: true });
  copyFileSync(devIdpPaths(dep.dir).publicJwks, join(pub, 'idp.jwks.json'));
  result.public = ['trust/', 'idp.jwks.json'];
  if (existsSync(kafkaCaFile(dep.kafkaSecretsDir))) {
    copyFileSync(kafkaCaFile(dep.kafkaSecretsDir), join(pub, 'kafka-ca.pem'));
    result.public.push('kafka-ca.pem');
  }
  return result;
}
