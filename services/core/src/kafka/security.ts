/**
 * Kafka client security: TLS to the broker (a CA the deployment trusts) and SCRAM-SHA-512 per
 * principal. Secrets live in files (mode 0600); settings name the files, never the secrets.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a kafkajs client needs to reach a SASL_SSL listener as one principal. */
export interface KafkaClientSecurity {
  /** PEM of the CA that signed the broker's certificate. */
  caPem: string;
  username: string;
  password: string;
}

/**
 * Reads a principal's credentials from the files named in configuration. All three empty means
 * a PLAINTEXT cluster (an operator's own, say); a partial set is a configuration error.
 */
export function clientSecurityFromFiles(f: { username: string; passwordFile: string; caFile: string }): KafkaClientSecurity | undefined {
  const given = [f.username, f.passwordFile, f.caFile].filter((v) => v !== '').length;
  if (given === 0) return undefined;
  if (given !== 3) throw new Error('MX_KAFKA_SASL_USERNAME, MX_KAFKA_SASL_PASSWORD_FILE and MX_KAFKA_CA_FILE go together: set all three or none');
  return { caPem: readFileSync(f.caFile, 'utf8'), username: f.username, password: readFileSync(f.passwordFile, 'utf8').trim() };
}

/** The kafkajs `ssl` and `sasl` options for a principal (none for a PLAINTEXT cluster). */
export function kafkajsSecurity(s: KafkaClientSecurity | undefined) {
  if (s === undefined) return {};
  return {
    ssl: { ca: [s.caPem], rejectUnauthorized: true },
    sasl: { mechanism: 'scram-sha-512' as const, username: s.username, password: s.password },
  };
}

/** Principal names: one per gateway, one for the audit service, one admin (the only super user). */
export const ADMIN_PRINCIPAL = 'admin';
export const AUDIT_PRINCIPAL = 'mx-audit';
export const gatewayPrincipal = (endpoint: string): string => `gw-${endpoint}`;

/** Files of a deployment's Kafka secrets: `<dir>/private/kafka/`. */
export function kafkaSecretsDir(dir: string): string {
  return join(dir, 'private', 'kafka');
}
export function kafkaPasswordFile(dir: string, principal: string): string {
  return join(kafkaSecretsDir(dir), `${principal}.password`);
}
export function kafkaCaFile(dir: string): string {
  return join(kafkaSecretsDir(dir), 'ca.pem');
}

function writeSecret(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Creates (or reuses) a random SCRAM password file per principal; returns name → password. */
export function ensureKafkaPasswords(dir: string, principals: readonly string[]): Record<string, string> {
  mkdirSync(kafkaSecretsDir(dir), { recursive: true, mode: 0o700 });
  const out: Record<string, string> = {};
  for (const p of principals) {
    const file = kafkaPasswordFile(dir, p);
    // base64url has no character that needs quoting in a JAAS line or a --add-scram argument.
    if (!existsSync(file)) {
      // Exclusive: two provisioning runs at once must not each hand out a password of their own.
      try {
        writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    out[p] = readFileSync(file, 'utf8').trim();
  }
  return out;
}

/** The broker's TLS material: a PKCS12 keystore (key + chain), a truststore, the CA as PEM. */
export interface BrokerTls {
  keystore: string;
  truststore: string;
  /** Store password of both: the files sit in an owner-only directory, the password beside them. */
  storePassword: string;
  caPem: string;
}

function keytool(args: string[], input?: string): string {
  const r = spawnSync('keytool', args, { encoding: 'utf8', env: process.env, ...(input !== undefined ? { input } : {}) });
  if (r.error || r.status !== 0) throw new Error(`keytool ${args[0]} failed (${r.error?.message ?? `exit ${r.status}`}): ${`${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n')}`);
  return r.stdout;
}

/** The brokers' host names in docker-compose.yml (a three-node cluster); the broker certificate names each. */
export const COMPOSE_BROKER_HOSTS = ['kafka-1', 'kafka-2', 'kafka-3'] as const;

/**
 * The broker certificate's subject. Every broker of a deployment holds that one certificate; where
 * the controller listener asks for client certificates (docker-compose.yml's cluster: mutual TLS
 * between the nodes), it is the brokers' principal, `User:CN=mx-kafka-broker`, a super user.
 */
export const BROKER_CERT_DN = 'CN=mx-kafka-broker';

/**
 * Creates (or reuses) a CA and a broker certificate for 127.0.0.1, localhost and the compose brokers ({@link COMPOSE_BROKER_HOSTS}) under `<dir>/private/kafka/tls`
 * with the JDK's keytool (the broker needs Java anyway, so no new tool), and writes the CA's
 * PEM where clients read it ({@link kafkaCaFile}).
 */
export function ensureBrokerTls(dir: string): BrokerTls {
  const tls = join(kafkaSecretsDir(dir), 'tls');
  const keystore = join(tls, 'broker.p12');
  const truststore = join(tls, 'truststore.p12');
  const passFile = join(tls, 'store.password');
  const caPemFile = kafkaCaFile(dir);
  if (![keystore, truststore, passFile, caPemFile].every((f) => existsSync(f))) {
    rmSync(tls, { recursive: true, force: true });
    mkdirSync(tls, { recursive: true, mode: 0o700 });
    const pw = randomBytes(18).toString('base64url');
    writeSecret(passFile, pw);
    const ca = join(tls, 'ca.p12');
    const store = (file: string) => ['-keystore', file, '-storetype', 'PKCS12', '-storepass', pw];
    const san = `SAN=dns:localhost,ip:127.0.0.1,${COMPOSE_BROKER_HOSTS.map((h) => `dns:${h}`).join(',')}`;
    keytool(['-genkeypair', '-alias', 'ca', '-keyalg', 'EC', '-groupname', 'secp256r1', '-dname', 'CN=Mekong Exchange local Kafka CA', '-ext', 'bc:c', '-validity', '3650', ...store(ca)]);
    const caPem = keytool(['-exportcert', '-rfc', '-alias', 'ca', ...store(ca)]);
    writeSecret(caPemFile, caPem);
    keytool(['-genkeypair', '-alias', 'broker', '-keyalg', 'EC', '-groupname', 'secp256r1', '-dname', BROKER_CERT_DN, '-ext', san, '-validity', '825', ...store(keystore)]);
    const csr = keytool(['-certreq', '-alias', 'broker', ...store(keystore)]);
    const cert = keytool(['-gencert', '-alias', 'ca', '-rfc', '-ext', san, '-validity', '825', ...store(ca)], csr);
    keytool(['-importcert', '-noprompt', '-alias', 'ca', '-file', caPemFile, ...store(keystore)]);
    keytool(['-importcert', '-alias', 'broker', ...store(keystore)], cert);
    keytool(['-importcert', '-noprompt', '-alias', 'ca', '-file', caPemFile, ...store(truststore)]);
    // The CA's private key is of no further use here: the broker certificate is made once.
    rmSync(ca, { force: true });
    for (const f of [keystore, truststore]) chmodSync(f, 0o600);
  }
  return { keystore, truststore, storePassword: readFileSync(passFile, 'utf8').trim(), caPem: readFileSync(caPemFile, 'utf8') };
}

const optionalString = (raw: string): string => raw;

/**
 * The Kafka client security settings every service shares (spread into its settings table). The
 * values are a name and file paths: the password and CA are read from the files at start-up.
 */
export const kafkaSecuritySettings = {
  kafkaSaslUsername: { env: 'MX_KAFKA_SASL_USERNAME', doc: 'Kafka SCRAM-SHA-512 principal of this service (`gw-<ENDPOINT>`, `mx-audit`); empty with the two below: a PLAINTEXT cluster (development only)', default: '', parse: optionalString },
  kafkaSaslPasswordFile: { env: 'MX_KAFKA_SASL_PASSWORD_FILE', doc: 'File holding that principal\'s SCRAM password (mode 0600)', default: '', parse: optionalString },
  kafkaCaFile: { env: 'MX_KAFKA_CA_FILE', doc: 'PEM of the CA that signed the brokers\' TLS certificates (the client listener is SASL_SSL)', default: '', parse: optionalString },
} as const;

/** The client security a service's loaded settings describe. */
export function clientSecurityOf(cfg: { kafkaSaslUsername: string; kafkaSaslPasswordFile: string; kafkaCaFile: string }): KafkaClientSecurity | undefined {
  return clientSecurityFromFiles({ username: cfg.kafkaSaslUsername, passwordFile: cfg.kafkaSaslPasswordFile, caFile: cfg.kafkaCaFile });
}
