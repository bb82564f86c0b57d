/** The audit service's settings: one table, validated once at start-up (README "Configuration" prints it). */
import { fileURLToPath } from 'node:url';
import { loadSettings, parse, type SettingsOf } from '../../core/src/config/settings.ts';
import { DEV_IDP_ISSUER } from '../../core/src/idp/dev-idp.ts';
import { assertOneIdpKeySource, idpKeySettings } from '../../core/src/idp/key-settings.ts';
import { kafkaSecuritySettings } from '../../core/src/kafka/security.ts';
import { metricsSettings } from '../../core/src/metrics/endpoint.ts';
import { trustReloadSettings } from '../../core/src/trust/reloadable.ts';

/** The audience auditor tokens must carry unless `MX_IDP_AUDIENCE` says otherwise. */
export const AUDIT_AUDIENCE = 'mx-audit';

/** The auditors' console as `npm run build:console` builds it. */
export const DEFAULT_AUDIT_CONSOLE_DIR = fileURLToPath(new URL('../../console/dist/auditor', import.meta.url));

/** The log's default identity (the `origin` every checkpoint names). */
export const DEFAULT_ORIGIN = 'mx-audit.example/log';

const topicPrefix = (raw: string): string => {
  if (!/^[A-Za-z0-9._-]{0,100}$/.test(raw)) throw new Error('may hold only letters, digits, dot, dash and underscore');
  return raw;
};

const origin = (raw: string): string => {
  if (!/^[\x21-\x7e]{1,128}$/.test(raw)) throw new Error('must be 1 to 128 printable ASCII characters without spaces');
  return raw;
};

const endpointList = (raw: string): string[] => {
  const list = parse.list(raw);
  for (const e of list) parse.endpoint(e);
  return list;
};

export const auditSettings = {
  origin: { env: 'MX_AUDIT_ORIGIN', doc: 'The log\'s identity, signed into every checkpoint', default: DEFAULT_ORIGIN, parse: origin },
  host: { env: 'MX_HTTP_HOST', doc: 'Address the HTTP API listens on', default: '127.0.0.1', parse: parse.string },
  port: { env: 'MX_HTTP_PORT', doc: 'Port of the HTTP API (0: any free port)', default: 8090, parse: parse.int(0, 65535) },
  brokers: { env: 'KAFKA_BROKERS', doc: 'Kafka bootstrap servers, comma-separated host:port', parse: parse.list },
  ...kafkaSecuritySettings,
  topicPrefix: { env: 'MX_TOPIC_PREFIX', doc: 'Prefix of every topic name and consumer group (several deployments on one cluster)', default: '', parse: topicPrefix },
  consumerGroup: { env: 'MX_AUDIT_CONSUMER_GROUP', doc: 'Consumer group on `mx.audit` (after the prefix); give each read replica its own', default: 'mx-audit', parse: parse.string },
  partitions: { env: 'MX_TOPIC_PARTITIONS', doc: 'Partitions of `mx.audit` when the service has to create it', default: 3, parse: parse.int(1, 64) },
  replicationFactor: { env: 'MX_TOPIC_REPLICATION_FACTOR', doc: 'Replication factor of `mx.audit` when the service has to create it (`min.insync.replicas` 2 from 3 up, else 1)', default: 1, parse: parse.int(1, 16) },
  consumerCommitIntervalMs: { env: 'MX_CONSUMER_COMMIT_INTERVAL_MS', doc: 'How often a Kafka consumer commits the offsets of handled records, at most (0: after every fetched batch). A record handled but not committed when the process dies is read again and recognised as a duplicate; each commit is a replicated write on the broker', default: 1000, parse: parse.int(0, 60_000) },
  stallAfterMs: { env: 'MX_STALL_AFTER_MS', doc: 'A record retried this long because the store or Kafka is out marks its partition stalled: `/v1/ready` answers 503 naming it, and one error line gives topic, partition and offset (retries go on)', default: 30000, parse: parse.int(100, 3_600_000) },
  dataDir: { env: 'MX_DATA_DIR', doc: 'Directory of the audit store (audit.sqlite: leaves, nodes, index, checkpoints, quarantine)', parse: parse.string },
  trustDir: { env: 'MX_TRUST_DIR', doc: 'Trust registry: every gateway\'s public `<ENDPOINT>.jwks.json` and `revocations.json` (re-read while running, see `MX_TRUST_RELOAD_SECONDS`)', parse: parse.string },
  ...trustReloadSettings,
  signingKey: { env: 'MX_AUDIT_SIGNING_KEY_FILE', doc: 'The audit service\'s private Ed25519 JWKS for checkpoints (mode 0600; `mx` deployment set-up creates it)', parse: parse.string, secret: true },
  pseudonymKeyFile: { env: 'MX_PSEUDONYM_KEY_FILE', doc: 'Secret key of auditor pseudonyms in the access log (HMAC of the token subject)', parse: parse.string, secret: true },
  ...idpKeySettings,
  idpIssuer: { env: 'MX_IDP_ISSUER', doc: 'Required `iss` of auditor tokens', default: DEV_IDP_ISSUER, parse: parse.string },
  idpAudience: { env: 'MX_IDP_AUDIENCE', doc: 'Required `aud` of auditor tokens', default: AUDIT_AUDIENCE, parse: parse.string },
  consoleDir: { env: 'MX_CONSOLE_DIR', doc: 'Built auditors\' console served at `/console/` (`npm run build:console`)', default: DEFAULT_AUDIT_CONSOLE_DIR, parse: parse.string },
  consoleClientId: { env: 'MX_CONSOLE_CLIENT_ID', doc: 'OpenID Connect client id of the auditors\' console at the identity provider', default: 'mx-audit-console', parse: parse.string },
  idpEndpoints: { env: 'MX_IDP_ENDPOINTS', doc: 'Endpoint claims (`mx_endpoint`) accepted on auditor tokens, comma-separated; empty: every endpoint in the trust registry as it is now (an endpoint added to the trust directory is accepted after the next reload)', default: [] as string[], parse: endpointList },
  checkpointEveryLeaves: { env: 'MX_CHECKPOINT_EVERY_LEAVES', doc: 'Sign a checkpoint once this many leaves were appended since the last one', default: 100, parse: parse.int(1, 1_000_000) },
  checkpointEverySeconds: { env: 'MX_CHECKPOINT_EVERY_SECONDS', doc: 'Sign a checkpoint this often when leaves were appended since the last one', default: 10, parse: parse.int(1, 86_400) },
  verifyOnStart: { env: 'MX_AUDIT_VERIFY_ON_START', doc: 'Check the whole store (every leaf and node, every checkpoint root) at start-up; refuse to sign on a problem', default: true, parse: parse.bool },
  silentAfterSeconds: { env: 'MX_AUDIT_SILENT_AFTER_SECONDS', doc: 'A gateway of which nothing was appended for longer than this (its last event\'s broker append time) is reported `silent` in `/v1/status` `gateways`; gateways send a heartbeat event when idle, so a silent one is stalled or dead', default: 180, parse: parse.int(1, 86_400) },
  clockSkewSeconds: { env: 'MX_CLOCK_SKEW_SECONDS', doc: 'Allowed clock difference for an event\'s `issuedAt` in the future', default: 300, parse: parse.int(0, 3600) },
  ...metricsSettings,
} as const;

export type AuditConfig = SettingsOf<typeof auditSettings>;

export function loadAuditConfig(env: Record<string, string | undefined> = process.env): AuditConfig {
  const cfg = loadSettings(auditSettings, env);
  assertOneIdpKeySource(cfg);
  return cfg;
}
