/** Stops the broker the run started, so no Java process outlives the tests. */
export default async function globalTeardown(): Promise<void> {
  const broker = globalThis.__MX_BROKER__;
  if (!broker) return;
  await broker.stop();
  globalThis.__MX_BROKER__ = undefined;
  console.log(`[mx] stopped the Kafka ${broker.version} broker started by this run (pid ${broker.pid})`);
}
