/**
 * The bare Kafka pipe, through the same broker and with the same record as the end-to-end runs:
 * kafkajs directly, configured like the gateway's publisher (idempotent, one request in flight,
 * `acks: -1`, `sendBatch` of outbox-sized batches awaited one after the other) and consumed like
 * plain kafkajs consumer (a consumer group, `eachMessage`, auto-commit): the raw pipe, not the
 * gateway's inbox consumer, which takes fetched batches (`eachBatch`) and commits a group of records
 * in one store transaction.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createKafka, ensureTopics } from '../../services/core/src/kafka/transport.ts';
import type { KafkaClientSecurity } from '../../services/core/src/kafka/security.ts';

export interface KafkaBaseline {
  records: number;
  recordBytes: number;
  batchSize: number;
  partitions: number;
  produceMsgsPerSec: number;
  produceMBPerSec: number;
  consumeMsgsPerSec: number;
  /** Time from the consumer's start to its first record (group join), not in the rate. */
  consumerJoinMs: number;
}

export async function measureKafka(
  brokers: string[],
  topicPrefix: string,
  record: Uint8Array,
  opts: { records: number; batchSize: number; partitions: number; timeoutMs: number },
  log: (line: string) => void,
  security?: KafkaClientSecurity,
): Promise<KafkaBaseline> {
  const kafka = createKafka({ brokers, clientId: 'mx-bench-raw', ...(security ? { security } : {}) });
  const topic = `${topicPrefix}bench.raw`;
  await ensureTopics(kafka, [{ topic, numPartitions: opts.partitions }]);
  const value = Buffer.from(record);

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  // One batch first: connection, metadata and producer id are not part of the rate.
  await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: [{ key: 'warm-up', value }] }] });
  const t0 = performance.now();
  let sent = 0;
  while (sent < opts.records) {
    const n = Math.min(opts.batchSize, opts.records - sent);
    const messages = Array.from({ length: n }, (_, i) => ({ key: `case-${sent + i}`, value, headers: { 'mx-type': 'victim-repatriation-notice' } }));
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
    sent += n;
  }
  const produceMs = performance.now() - t0;
  await producer.disconnect();
  const produceMsgsPerSec = (opts.records / produceMs) * 1000;
  log(`  kafkajs produce ${opts.records} x ${value.byteLength} B (batches of ${opts.batchSize}, acks -1, idempotent): ${Math.round(produceMsgsPerSec)} msgs/s`);

  const total = opts.records + 1;
  const consumer = kafka.consumer({ groupId: `${topicPrefix}bench-raw-${randomBytes(3).toString('hex')}`, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const started = performance.now();
  let first = 0;
  let received = 0;
  let bytes = 0;
  const done = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`raw consumer got ${received} of ${total} records in ${opts.timeoutMs} ms`)), opts.timeoutMs);
    void consumer.run({
      autoCommit: true,
      eachMessage: async ({ message }) => {
        if (received === 0) first = performance.now();
        received += 1;
        bytes += message.value?.length ?? 0;
        if (received === total) {
          clearTimeout(timer);
          resolve(performance.now());
        }
      },
    });
  });
  const last = await done;
  await consumer.disconnect();
  // The first record only marks the start; the rate counts the ones after it.
  const consumeMsgsPerSec = ((total - 1) / (last - first)) * 1000;
  log(`  kafkajs consume (group, eachMessage): ${Math.round(consumeMsgsPerSec)} msgs/s (${(bytes / 2 ** 20).toFixed(1)} MiB)`);
  return {
    records: opts.records,
    recordBytes: value.byteLength,
    batchSize: opts.batchSize,
    partitions: opts.partitions,
    produceMsgsPerSec,
    produceMBPerSec: (produceMsgsPerSec * value.byteLength) / 2 ** 20,
    consumeMsgsPerSec,
    consumerJoinMs: first - started,
  };
}
