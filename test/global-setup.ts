/**
 * Starts one real Kafka broker for the whole test run (unless KAFKA_BROKERS names a cluster) and
 * hands its address to the test workers through the environment. The broker is secured as in
 * production: SASL_SSL client listener, SCRAM principals (admin, mx-audit, gw-<ENDPOINT>) and
 * ACLs; the workers find the principals' passwords and the CA under MX_KAFKA_SECRETS_DIR.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalBroker, type LocalBroker } from '../services/core/src/kafka/local-broker.ts';
import { ensureDeploymentKafkaPasswords } from '../services/cli/src/deployment/kafka.ts';
import { ensureConsoleBuilt } from '../services/console/build.ts';

/** Every endpoint a test may run a gateway for: SCRAM users exist only if made at format time. */
export const TEST_ENDPOINTS = ['LA', 'TH', 'CN', 'INTERPOL'];

declare global {
  // eslint-disable-next-line no-var
  var __MX_BROKER__: LocalBroker | undefined;
  // eslint-disable-next-line no-var
  var __MX_KAFKA_SECRETS__: string | undefined;
}

export default async function globalSetup(): Promise<void> {
  // The gateways and the audit service serve the built console; the browser tests need it current.
  await ensureConsoleBuilt((line) => console.log(`\n[mx] ${line}`));
  if (process.env.KAFKA_BROKERS) {
    console.log(`\n[mx] using the Kafka cluster in KAFKA_BROKERS=${process.env.KAFKA_BROKERS}; starting none (credentials: ${process.env.MX_KAFKA_SECRETS_DIR ?? 'none, PLAINTEXT'})`);
    return;
  }
  const secrets = mkdtempSync(join(tmpdir(), 'mx-test-kafka-'));
  globalThis.__MX_KAFKA_SECRETS__ = secrets;
  const users = ensureDeploymentKafkaPasswords(secrets, TEST_ENDPOINTS);
  const broker = await startLocalBroker({ log: (line) => console.log(`\n[mx] ${line}`), security: { secretsDir: secrets, users } });
  globalThis.__MX_BROKER__ = broker;
  process.env.KAFKA_BROKERS = broker.brokers.join(',');
  process.env.MX_KAFKA_SECRETS_DIR = secrets;
  process.env.MX_TEST_BROKER_STARTED = '1';
  // An interrupted run (Ctrl-C) must not leave the JVM behind; the watchdog covers SIGKILL.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      void broker.stop().finally(() => {
        rmSync(secrets, { recursive: true, force: true });
        process.exit(130);
      });
    });
  }
}
