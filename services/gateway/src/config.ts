/** The gateway's settings: one table, validated once at start-up (README "Configuration" prints it). */
import { fileURLToPath } from 'node:url';
import { loadSettings, parse, type SettingsOf } from '../../core/src/config/settings.ts';
import { DEV_IDP_ISSUER } from '../../core/src/idp/dev-idp.ts';
import { assertOneIdpKeySource, idpKeySettings } from '../../core/src/idp/key-settings.ts';
import { kafkaSecuritySettings } from '../../core/src/kafka/security.ts';
import { metricsSettings } from '../../core/src/metrics/endpoint.ts';
import { trustReloadSettings } from '../../core/src/trust/reloadable.ts';

/** The officers' console as `npm run build:console` builds it. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../console/dist/officer', import.meta.url));

export const DEFAULT_ROUTING_POLICY = fileURLToPath(new URL('../routing-policy.json', import.meta.url));

export const gatewaySettings = {
  endpoint: { env: 'MX_ENDPOINT', doc: 'This gateway\'s endpoint: an ISO 3166-1 alpha-2 code or INTERPOL', parse: parse.endpoint },
  agency: { env: 'MX_AGENCY', doc: 'Agency name put on what the gateway signs by itself (receipts, audit events)', default: 'Mekong Exchange gateway', parse: parse.string },
  host: { env: 'MX_HTTP_HOST', doc: 'Address the HTTP API listens on', default: '127.0.0.1', parse: parse.string },
  port: { env: 'MX_HTTP_PORT', doc: 'Port of the HTTP API (0: any free port)', default: 8080, parse: parse.int(0, 65535) },
  brokers: { env: 'KAFKA_BROKERS', doc: 'Kafka bootstrap servers, comma-separated host:port', parse: parse.list },
  ...kafkaSecuritySettings,
  dataDir: { env: 'MX_DATA_DIR', doc: 'Directory of the gateway\'s SQLite store (gateway.sqlite)', parse: parse.string },
  trustDir: { env: 'MX_TRUST_DIR', doc: 'Trust registry: every endpoint\'s public `<ENDPOINT>.jwks.json` and `revocations.json`', parse: parse.string },
  privateKeys: { env: 'MX_PRIVATE_KEYS_FILE', doc: 'This endpoint\'s private signing JWKS (mode 0600, outside the repository)', parse: parse.string, secret: true },
  pseudonymKeyFile: { env: 'MX_PSEUDONYM_KEY_FILE', doc: 'File holding the secret key of officer pseudonyms (HMAC of the token subject); the key of travel-document match hashes is derived from it', parse: parse.string, secret: true },
  ...trustReloadSettings,
  routingPolicy: { env: 'MX_ROUTING_POLICY', doc: 'Routing policy file (which type may go from whom to whom)', default: DEFAULT_ROUTING_POLICY, parse: parse.string },
  ...idpKeySettings,
  idpIssuer: { env: 'MX_IDP_ISSUER', doc: 'Required `iss` of officer tokens', default: DEV_IDP_ISSUER, parse: parse.string },
  idpAudience: { env: 'MX_IDP_AUDIENCE', doc: 'Required `aud` of officer tokens (default `mx-gateway-<ENDPOINT>`)', default: '', parse: parse.string },
  consoleDir: { env: 'MX_CONSOLE_DIR', doc: 'Built officers\' console served at `/console/` (`npm run build:console`)', default: DEFAULT_CONSOLE_DIR, parse: parse.string },
  consoleClientId: { env: 'MX_CONSOLE_CLIENT_ID', doc: 'OpenID Connect client id of the console at the identity provider (default `mx-console-<endpoint in lower case>`)', default: '', parse: parse.string },
  noticeLifetimeDays: { env: 'MX_NOTICE_LIFETIME_DAYS', doc: 'Lifetime of a notice submitted without `expiresAt`', default: 30, parse: parse.int(1, 90) },
  overdueAfterSeconds: { env: 'MX_OVERDUE_AFTER_SECONDS', doc: 'A recipient with no receipt this long after publication is shown `overdue`', default: 300, parse: parse.int(1, 30 * 86400) },
  alertLeadHours: { env: 'MX_ALERT_LEAD_HOURS', doc: 'An offender alert delivered at least this long before the start (00:00 UTC) of its arrival date is `timely`, with less `short-notice`', default: 48, parse: parse.int(1, 24 * 90) },
  alertEscalateHours: { env: 'MX_ALERT_ESCALATE_HOURS', doc: 'An offender alert still without an `offender-alert-response` this long before its arrival is escalated (audit event `escalated`, flag in lifecycle and inbox)', default: 24, parse: parse.int(0, 24 * 90) },
  clockSkewSeconds: { env: 'MX_CLOCK_SKEW_SECONDS', doc: 'Allowed clock difference for `issuedAt` in the future', default: 300, parse: parse.int(0, 3600) },
  maxAgeDays: { env: 'MX_MAX_AGE_DAYS', doc: 'Oldest `issuedAt` accepted on receipt', default: 7, parse: parse.int(1, 365) },
  maxLifetimeDays: { env: 'MX_MAX_LIFETIME_DAYS', doc: 'Longest `expiresAt - issuedAt` accepted', default: 90, parse: parse.int(1, 365) },
  idempotencyRetentionHours: { env: 'MX_IDEMPOTENCY_RETENTION_HOURS', doc: 'How long the answer to a request with an `Idempotency-Key` is kept and replayed', default: 24, parse: parse.int(1, 24 * 90) },
  bodyLimitBytes: { env: 'MX_BODY_LIMIT_BYTES', doc: 'Largest HTTP request body accepted', default: 262144, parse: parse.int(1024, 1048576) },
  rateLimitPerOfficer: { env: 'MX_RATE_LIMIT_PER_OFFICER', doc: 'Requests per minute one officer (token subject) may make; more get 429 `RATE_LIMITED` with `Retry-After` (0: no limit)', default: 600, parse: parse.int(0, 1_000_000) },
  rateLimitPerEndpoint: { env: 'MX_RATE_LIMIT_PER_ENDPOINT', doc: 'Requests per minute all officers of this endpoint together may make (0: no limit)', default: 6000, parse: parse.int(0, 10_000_000) },
  topicPrefix: { env: 'MX_TOPIC_PREFIX', doc: 'Prefix of every topic name and consumer group (several deployments on one cluster)', default: '', parse: (raw: string) => {
    if (!/^[A-Za-z0-9._-]{0,100}$/.test(raw)) throw new Error('may hold only letters, digits, dot, dash and underscore');
    return raw;
  } },
  consumerCommitIntervalMs: { env: 'MX_CONSUMER_COMMIT_INTERVAL_MS', doc: 'How often a Kafka consumer commits the offsets of handled records, at most (0: after every fetched batch). A record handled but not committed when the process dies is read again and recognised as a duplicate; each commit is a replicated write on the broker', default: 1000, parse: parse.int(0, 60_000) },
  consumerSessionTimeoutMs: { env: 'MX_CONSUMER_SESSION_TIMEOUT_MS', doc: 'Kafka consumer session timeout: a gateway killed without leaving its group is replaced after this long (the broker bounds it by `group.min/max.session.timeout.ms`)', default: 10000, parse: parse.int(1000, 300000) },
  stallAfterMs: { env: 'MX_STALL_AFTER_MS', doc: 'A record retried this long because the store or Kafka is out marks its partition stalled: `/v1/ready` answers 503 naming it, and one error line gives topic, partition and offset (retries go on)', default: 30000, parse: parse.int(100, 3_600_000) },
  auditStallAfterSeconds: { env: 'MX_AUDIT_STALL_AFTER_SECONDS', doc: 'An audit event recorded this long ago and still unsigned or unpublished makes `/v1/ready` answer 503 `audit trail stalled` (`/v1/status` `auditTrail` shows the backlog)', default: 60, parse: parse.int(1, 86400) },
  auditHeartbeatSeconds: { env: 'MX_AUDIT_HEARTBEAT_SECONDS', doc: 'After this long without any audit event the gateway records a `heartbeat` event, so the audit service can tell an idle gateway from a silent one', default: 60, parse: parse.int(1, 86400) },
  sseHeartbeatSeconds: { env: 'MX_SSE_HEARTBEAT_SECONDS', doc: 'An open `GET /v1/inbox/events` stream gets a heartbeat comment line this often', default: 15, parse: parse.int(1, 3600) },
  sseMaxStreamsPerOfficer: { env: 'MX_SSE_MAX_STREAMS_PER_OFFICER', doc: 'Open `GET /v1/inbox/events` streams one officer may hold; one more is answered 429 `RATE_LIMITED`', default: 5, parse: parse.int(1, 100) },
  partitions: { env: 'MX_TOPIC_PARTITIONS', doc: 'Partitions of the topics the gateway creates', default: 3, parse: parse.int(1, 64) },
  ...metricsSettings,
  replicationFactor: { env: 'MX_TOPIC_REPLICATION_FACTOR', doc: 'Replication factor of the topics the gateway creates (`min.insync.replicas` 2 from 3 up, else 1)', default: 1, parse: parse.int(1, 16) },
  logLevel: { env: 'MX_LOG_LEVEL', doc: 'pino log level', default: 'info', parse: parse.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) },
  crashAt: { env: 'MX_CRASH_AT', doc: 'Test hook only: SIGKILL the process at `after-store-commit` or `after-publish-ack`', default: 'none', parse: parse.oneOf(['none', 'after-store-commit', 'after-publish-ack'] as const) },
} as const;

export type GatewayConfig = SettingsOf<typeof gatewaySettings>;

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const cfg = loadSettings(gatewaySettings, env);
  assertOneIdpKeySource(cfg);
  return cfg;
}
