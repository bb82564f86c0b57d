/**
 * Starts one real Kafka broker for the whole test run (unless KAFKA_BROKERS names a cluster) and
 * hands its address to the test workers through the environment.
 */
import { startLocalBroker, type LocalBroker } from '../services/core/src/kafka/local-broker.ts';

declare global {
  // eslint-disable-next-line no-var
  var __MX_BROKER__: LocalBroker | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.KAFKA_BROKERS) {
    console.log(`\n[mx] using the Kafka cluster in KAFKA_BROKERS=${process.env.KAFKA_BROKERS}; starting none`);
    return;
  }
  const broker = await startLocalBroker({ log: (line) => console.log(`\n[mx] ${line}`) });
  globalThis.__MX_BROKER__ = broker;
  process.env.KAFKA_BROKERS = broker.brokers.join(',');
  process.env.MX_TEST_BROKER_STARTED = '1';
  // An interrupted run (Ctrl-C) must not leave the JVM behind; the watchdog covers SIGKILL.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      void broker.stop().finally(() => process.exit(130));
    });
  }
}
