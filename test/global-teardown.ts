import { rmSync } from 'node:fs';

/** Stops the broker the run started, so no Java process outlives the tests, and removes its secrets. */
export default async function globalTeardown(): Promise<void> {
  const broker = globalThis.__MX_BROKER__;
  if (globalThis.__MX_KAFKA_SECRETS__) rmSync(globalThis.__MX_KAFKA_SECRETS__, { recursive: true, force: true });
  globalThis.__MX_KAFKA_SECRETS__ = undefined;
  if (!broker) return;
  await broker.stop();
  globalThis.__MX_BROKER__ = undefined;
  console.log(`[mx] stopped the Kafka ${broker.version} broker started by this run (pid ${broker.pid})`);
}
