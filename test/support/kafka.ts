/** Test helpers for the shared broker: its address, credentials, provisioning and a unique name per test. */
import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import type { Kafka } from 'kafkajs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupDeployment, type Deployment } from '../../services/cli/src/deployment/setup.ts';
import { ADMIN_PRINCIPAL, type KafkaClientSecurity } from '../../services/core/src/kafka/security.ts';
import { createKafka, type TransportOptions } from '../../services/core/src/kafka/transport.ts';
import { deploymentKafkaSecurity, provisionDeploymentKafka, type ProvisionOptions } from '../../services/cli/src/deployment/kafka.ts';

export function testBrokers(): string[] {
  const list = process.env.KAFKA_BROKERS;
  if (!list) throw new Error('KAFKA_BROKERS is not set: the jest global set-up starts a broker and sets it');
  return list.split(',');
}

/** Where the test broker's CA and passwords are (`MX_KAFKA_SECRETS_DIR`); undefined: a PLAINTEXT cluster. */
export function testKafkaSecretsDir(): string | undefined {
  return process.env.MX_KAFKA_SECRETS_DIR || undefined;
}

/** A principal's credentials on the test broker (the admin by default); undefined on a PLAINTEXT cluster. */
export function testSecurity(principal = ADMIN_PRINCIPAL): KafkaClientSecurity | undefined {
  const dir = testKafkaSecretsDir();
  return dir === undefined ? undefined : deploymentKafkaSecurity(dir, principal);
}

/**
 * Transport options for a test's own client, as the admin principal unless told otherwise: the one
 * place tests get their connection to the shared broker from.
 */
export function testKafkaOptions(clientId: string, extra: Omit<TransportOptions, 'brokers' | 'clientId' | 'security'> & { principal?: string } = {}): TransportOptions {
  const { principal, ...rest } = extra;
  const security = testSecurity(principal);
  return { brokers: testBrokers(), clientId, ...rest, ...(security ? { security } : {}) };
}

/** A kafkajs client of the shared broker (admin principal unless told otherwise). */
export function testKafka(clientId: string, extra: Parameters<typeof testKafkaOptions>[1] = {}): Kafka {
  return createKafka(testKafkaOptions(clientId, extra));
}

/** Creates a test deployment's topics and ACLs under its prefix, as services expect them provisioned. */
export async function provisionTestKafka(o: Omit<ProvisionOptions, 'brokers' | 'secretsDir'>): Promise<void> {
  await provisionDeploymentKafka({ brokers: testBrokers(), secretsDir: testKafkaSecretsDir(), ...o });
}

/** A deployment (keys, trust, dev IdP) in a fresh directory whose gateways use the test broker's principals. */
export async function testDeployment(dirPrefix: string, endpoints: string[]): Promise<Deployment> {
  const secrets = testKafkaSecretsDir();
  return setupDeployment(mkdtempSync(join(tmpdir(), dirPrefix)), endpoints, secrets ? { kafkaSecretsDir: secrets } : { kafkaSecretsDir: join(tmpdir(), 'mx-no-kafka-credentials') });
}

/** A fresh topic or group name, so tests never see each other's records. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves once nothing accepts connections on `address` (host:port) any more. */
export async function portClosed(address: string): Promise<void> {
  const [host, port] = address.split(':');
  await eventually(
    () =>
      new Promise<true | undefined>((resolve) => {
        const s = connect(Number(port), host!);
        s.once('connect', () => (s.destroy(), resolve(undefined)));
        s.once('error', () => resolve(true));
      }),
    20_000,
    'the broker port to close',
  );
}

/** A port on this host that nothing listens on (taken, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
