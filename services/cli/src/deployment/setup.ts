/**
 * A local deployment for the demo and the tests: for each endpoint a signing key, its public JWKS
 * in a shared trust directory, a pseudonym key, a data directory; one development identity
 * provider. Everything secret is generated here, under `dir`, never committed.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { devIdpPaths, gatewayAudience, initDevIdp, DEV_IDP_ISSUER, type Role } from '../../../core/src/idp/dev-idp.ts';
import { hashPassword } from '../../../idp/src/users.ts';
import { generateEndpointKeys, privateJwksPathOf } from '../../../core/src/trust/keygen.ts';
import { auditKeyPaths, generateAuditKey } from '../../../audit/src/checkpoint-key.ts';
import { AUDIT_AUDIENCE } from '../../../audit/src/config.ts';
import { AUDIT_PRINCIPAL, gatewayPrincipal, kafkaCaFile, kafkaPasswordFile } from '../../../core/src/kafka/security.ts';
import { ensureDeploymentKafkaPasswords } from './kafka.ts';

export const DEMO_ENDPOINTS = ['LA', 'TH', 'CN', 'INTERPOL'] as const;

export interface Deployment {
  dir: string;
  trustDir: string;
  idpPrivateJwks: string;
  idpPublicJwks: string;
  endpoints: string[];
  /**
   * Where the Kafka principals' passwords and the CA live (`private/kafka/` under it): the
   * deployment's own directory, or that of a cluster shared with others (`MX_KAFKA_SECRETS_DIR`).
   * Without a CA there, the cluster is taken as PLAINTEXT (development only).
   */
  kafkaSecretsDir: string;
}

/**
 * The Kafka secrets of a cluster named in `KAFKA_BROKERS`: `MX_KAFKA_SECRETS_DIR` names a directory
 * whose `private/kafka/` holds the cluster's CA (`ca.pem`) and the principals' password files.
 */
export function externalKafkaSecretsDir(env: Record<string, string | undefined> = process.env): string | undefined {
  return env.MX_KAFKA_SECRETS_DIR || undefined;
}

/**
 * Creates (or reuses) keys and directories for `endpoints` under `dir`, and the Kafka principals'
 * SCRAM passwords under `opts.kafkaSecretsDir` (default `dir`). The broker's CA and certificate
 * are made where a broker is set up (`mx setup`, the local broker), not here.
 */
export async function setupDeployment(dir: string, endpoints: readonly string[] = DEMO_ENDPOINTS, opts: { kafkaSecretsDir?: string } = {}): Promise<Deployment> {
  mkdirSync(dir, { recursive: true });
  const kafkaSecretsDir = opts.kafkaSecretsDir ?? dir;
  // A shared cluster's principals are its operator's: never add passwords there.
  if (opts.kafkaSecretsDir === undefined) ensureDeploymentKafkaPasswords(dir, endpoints);
  for (const e of endpoints) {
    if (!existsSync(privateJwksPathOf(dir, e))) await generateEndpointKeys(e, dir);
    ensurePseudonymKey(dir, e);
    ensureMetricsToken(dir, e);
    mkdirSync(join(dir, 'data', e), { recursive: true });
  }
  const idp = await initDevIdp(dir);
  return { dir, trustDir: join(dir, 'trust'), idpPrivateJwks: idp.privateJwks, idpPublicJwks: idp.publicJwks, endpoints: [...endpoints], kafkaSecretsDir };
}

/**
 * The Kafka client settings of one principal: empty when the deployment has no Kafka CA (a
 * PLAINTEXT cluster), else its name, password file and the CA file.
 */
export function kafkaClientEnv(dep: Deployment, principal: string): Record<string, string> {
  if (!existsSync(kafkaCaFile(dep.kafkaSecretsDir))) return {};
  return {
    MX_KAFKA_SASL_USERNAME: principal,
    MX_KAFKA_SASL_PASSWORD_FILE: kafkaPasswordFile(dep.kafkaSecretsDir, principal),
    MX_KAFKA_CA_FILE: kafkaCaFile(dep.kafkaSecretsDir),
  };
}

export function pseudonymKeyFile(dir: string, endpoint: string): string {
  return join(dir, 'private', `${endpoint}.pseudonym.key`);
}

/**
 * Creates `<dir>/private/<name>.pseudonym.key` (32 random bytes, mode 0600, directory 0700) unless
 * it exists: an existing key is never replaced, since every pseudonym made with it would change.
 */
export function ensurePseudonymKey(dir: string, name: string): { path: string; created: boolean } {
  const path = pseudonymKeyFile(dir, name);
  if (existsSync(path)) return { path, created: false };
  mkdirSync(join(dir, 'private'), { recursive: true, mode: 0o700 });
  writeFileSync(path, randomBytes(32), { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { path, created: true };
}

/** Where a service's `/metrics` bearer token lives: `<dir>/private/<name>.metrics.token` (`name`: an endpoint, or `audit`). */
export function metricsTokenFile(dir: string, name: string): string {
  return join(dir, 'private', `${name}.metrics.token`);
}

/**
 * Creates `<dir>/private/<name>.metrics.token` (43 characters, base64url of 32 random bytes; mode
 * 0600) unless it exists: the service's `MX_METRICS_TOKEN_FILE`, and what its scraper presents. An
 * existing token is kept, so a scraper configured once keeps working across set-ups.
 */
export function ensureMetricsToken(dir: string, name: string): { path: string; created: boolean } {
  const path = metricsTokenFile(dir, name);
  if (existsSync(path)) return { path, created: false };
  writeSecret(path, `${randomBytes(32).toString('base64url')}\n`);
  return { path, created: true };
}

/** `MX_METRICS_TOKEN_FILE` when set-up made the service a metrics token (it always does: {@link setupDeployment}, {@link setupAudit}). */
function metricsEnv(dep: Deployment, name: string): Record<string, string> {
  const file = metricsTokenFile(dep.dir, name);
  return existsSync(file) ? { MX_METRICS_TOKEN_FILE: file } : {};
}

/**
 * How a service trusts its identity provider: by default the deployment's dev identity provider
 * key file and issuer; with `idpIssuer`, the OpenID provider at that issuer, its keys fetched
 * from its JWKS URL.
 */
function idpTrustEnv(dep: Deployment, idpIssuer: string | undefined): Record<string, string> {
  if (idpIssuer === undefined) return { MX_IDP_JWKS_FILE: devIdpPaths(dep.dir).publicJwks, MX_IDP_ISSUER: DEV_IDP_ISSUER };
  return { MX_IDP_JWKS_URL: `${idpIssuer}/jwks`, MX_IDP_JWKS_FILE: '', MX_IDP_ISSUER: idpIssuer };
}

/** The environment a gateway of this deployment runs with (the variables of services/gateway/src/config.ts). */
export function gatewayEnv(dep: Deployment, endpoint: string, brokers: string[], opts: { port?: number; topicPrefix?: string; idpIssuer?: string } = {}): Record<string, string> {
  return {
    MX_TOPIC_PREFIX: opts.topicPrefix ?? '',
    MX_ENDPOINT: endpoint,
    MX_AGENCY: `${endpoint} liaison desk (demo)`,
    MX_HTTP_PORT: String(opts.port ?? 0),
    KAFKA_BROKERS: brokers.join(','),
    ...kafkaClientEnv(dep, gatewayPrincipal(endpoint)),
    MX_DATA_DIR: join(dep.dir, 'data', endpoint),
    MX_TRUST_DIR: dep.trustDir,
    MX_PRIVATE_KEYS_FILE: privateJwksPathOf(dep.dir, endpoint),
    MX_PSEUDONYM_KEY_FILE: pseudonymKeyFile(dep.dir, endpoint),
    ...idpTrustEnv(dep, opts.idpIssuer),
    MX_IDP_AUDIENCE: gatewayAudience(endpoint),
    ...metricsEnv(dep, endpoint),
  };
}

/** The audit service's files in a deployment (see services/audit/src/checkpoint-key.ts). */
export interface AuditDeployment {
  /** The audit service's private checkpoint key (mode 0600). */
  signingKeyFile: string;
  /** Its public key: what auditors pass to `mx audit verify --audit-key`. */
  publicKeyFile: string;
  pseudonymKeyFile: string;
  /** The bearer token of its `GET /metrics` (mode 0600). */
  metricsTokenFile: string;
  dataDir: string;
}

/** Creates (or reuses) the audit service's checkpoint key, pseudonym key, metrics token and data directory under the deployment. */
export async function setupAudit(dep: Deployment): Promise<AuditDeployment> {
  const paths = auditKeyPaths(dep.dir);
  if (!existsSync(paths.privateJwks)) await generateAuditKey(dep.dir);
  const pk = ensurePseudonymKey(dep.dir, 'audit').path;
  const metricsToken = ensureMetricsToken(dep.dir, 'audit').path;
  const dataDir = join(dep.dir, 'data', 'audit');
  mkdirSync(dataDir, { recursive: true });
  return { signingKeyFile: paths.privateJwks, publicKeyFile: paths.publicJwks, pseudonymKeyFile: pk, metricsTokenFile: metricsToken, dataDir };
}

/**
 * The environment the audit service of this deployment runs with (the variables of
 * services/audit/src/config.ts). Call {@link setupAudit} first.
 */
export function auditEnv(
  dep: Deployment,
  brokers: string[],
  opts: { port?: number; topicPrefix?: string; dataDir?: string; checkpointEveryLeaves?: number; checkpointEverySeconds?: number; idpIssuer?: string } = {},
): Record<string, string> {
  return {
    MX_TOPIC_PREFIX: opts.topicPrefix ?? '',
    MX_HTTP_PORT: String(opts.port ?? 0),
    KAFKA_BROKERS: brokers.join(','),
    ...kafkaClientEnv(dep, AUDIT_PRINCIPAL),
    MX_DATA_DIR: opts.dataDir ?? join(dep.dir, 'data', 'audit'),
    MX_TRUST_DIR: dep.trustDir,
    MX_AUDIT_SIGNING_KEY_FILE: auditKeyPaths(dep.dir).privateJwks,
    MX_PSEUDONYM_KEY_FILE: pseudonymKeyFile(dep.dir, 'audit'),
    ...idpTrustEnv(dep, opts.idpIssuer),
    MX_IDP_AUDIENCE: AUDIT_AUDIENCE,
    ...metricsEnv(dep, 'audit'),
    ...(opts.checkpointEveryLeaves !== undefined ? { MX_CHECKPOINT_EVERY_LEAVES: String(opts.checkpointEveryLeaves) } : {}),
    ...(opts.checkpointEverySeconds !== undefined ? { MX_CHECKPOINT_EVERY_SECONDS: String(opts.checkpointEverySeconds) } : {}),
  };
}

/** A user of the deployment's OpenID provider, and the console it signs in at (an endpoint's, or `audit`). */
export interface IdpUser {
  username: string;
  endpoint: string;
  agency: string;
  roles: Role[];
  console: string;
}

/** The demo's users: a liaison officer at each country endpoint, the INTERPOL desk, an analyst at each gateway, an auditor. */
export const DEMO_USERS: readonly IdpUser[] = [
  { username: 'la.officer', endpoint: 'LA', agency: 'LA liaison desk (demo)', roles: ['liaison-officer'], console: 'LA' },
  { username: 'th.officer', endpoint: 'TH', agency: 'TH liaison desk (demo)', roles: ['liaison-officer'], console: 'TH' },
  { username: 'cn.officer', endpoint: 'CN', agency: 'CN liaison desk (demo)', roles: ['liaison-officer'], console: 'CN' },
  { username: 'interpol.desk', endpoint: 'INTERPOL', agency: 'INTERPOL desk (demo)', roles: ['interpol-desk'], console: 'INTERPOL' },
  ...DEMO_ENDPOINTS.map((e): IdpUser => ({ username: `${e.toLowerCase()}.analyst`, endpoint: e, agency: `${e} statistics office (demo)`, roles: ['analyst'], console: e })),
  { username: 'la.auditor', endpoint: 'LA', agency: 'LA audit office (demo)', roles: ['auditor'], console: 'audit' },
];

export interface IdpSetup {
  /** The provider's users file (scrypt hashes; mode 0600). */
  usersFile: string;
  /** The secret signing the provider's cookies (mode 0600). */
  cookieKeyFile: string;
  /** Each user with the password generated for it (kept in `private/idp-passwords.json`, mode 0600, to be shown to the person running the demo). */
  users: (IdpUser & { password: string })[];
}

function writeSecret(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * Creates (or reuses) the provider's users with generated passwords, and its cookie key. The
 * passwords are made here, on the machine running the deployment, never committed; they are
 * kept (owner-only) so the same users sign in across runs, and made anew when the user list changes.
 */
export async function setupIdp(dep: Deployment, users: readonly IdpUser[] = DEMO_USERS): Promise<IdpSetup> {
  const usersFile = join(dep.dir, 'private', 'idp-users.json');
  const passwordsFile = join(dep.dir, 'private', 'idp-passwords.json');
  const cookieKeyFile = join(dep.dir, 'private', 'idp-cookie.key');
  if (!existsSync(cookieKeyFile)) writeSecret(cookieKeyFile, randomBytes(32).toString('base64url'));
  if (existsSync(usersFile) && existsSync(passwordsFile)) {
    const kept = JSON.parse(readFileSync(passwordsFile, 'utf8')) as { users: (IdpUser & { password: string })[] };
    const same = kept.users.length === users.length && users.every((u) => kept.users.some((k) => JSON.stringify({ ...k, password: undefined }) === JSON.stringify({ ...u, password: undefined })));
    if (same) return { usersFile, cookieKeyFile, users: kept.users };
  }
  const withPasswords = users.map((u) => ({ ...u, password: randomBytes(12).toString('base64url') }));
  const entries = await Promise.all(withPasswords.map(async (u) => ({ username: u.username, passwordHash: await hashPassword(u.password), endpoint: u.endpoint, agency: u.agency, roles: u.roles })));
  writeSecret(usersFile, JSON.stringify({ users: entries }, null, 2));
  writeSecret(passwordsFile, JSON.stringify({ users: withPasswords }, null, 2));
  return { usersFile, cookieKeyFile, users: withPasswords };
}

/**
 * The environment the OpenID provider of this deployment runs with (the variables of
 * services/idp/src/config.ts): the deployment's identity provider key, so `mx` tokens and the
 * provider's carry the same issuer and signature. Call {@link setupIdp} first.
 */
export function idpEnv(dep: Deployment, idp: IdpSetup, o: { issuer: string; port: number; consoles: Record<string, string> }): Record<string, string> {
  return {
    MX_HTTP_PORT: String(o.port),
    MX_OIDC_ISSUER: o.issuer,
    MX_OIDC_SIGNING_KEYS_FILE: devIdpPaths(dep.dir).privateJwks,
    MX_OIDC_USERS_FILE: idp.usersFile,
    MX_OIDC_COOKIE_KEY_FILE: idp.cookieKeyFile,
    MX_OIDC_CONSOLES: Object.entries(o.consoles).map(([name, origin]) => `${name}=${origin}`).join(','),
  };
}
