/**
 * The outbox's metrics, with a real store and real Kafka clients: while the relay can reach no
 * broker (a port nothing listens on) the backlog and the oldest row's age show what waits and the
 * failed publish requests are counted; a relay on the shared broker then drains it to zero.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka, ensureTopics, RecordPublisher } from '../../services/core/src/kafka/transport.ts';
import { outboxMetrics } from '../../services/core/src/metrics/outbox.ts';
import { createMetricsRegistry } from '../../services/core/src/metrics/registry.ts';
import { Outbox, OutboxRelay } from '../../services/core/src/outbox/outbox.ts';
import { openDatabase } from '../../services/core/src/store/sqlite.ts';
import { eventually, testKafka, uniqueName, closedPort } from '../support/kafka.ts';


test('backlog, oldest age and publish failures, then drained', async () => {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'mx-outbox-metrics-')), 'outbox.sqlite'));
  const outbox = new Outbox(db);
  const registry = createMetricsRegistry({ processMetrics: false });
  let now = Date.now();
  const metrics = outboxMetrics(registry, db, () => now);
  const value = async (name: string): Promise<number> => (await registry.getSingleMetric(name)!.get()).values[0]!.value;

  const topic = uniqueName('t-outbox-metrics');
  const created = Date.now();
  for (let i = 0; i < 3; i += 1) outbox.add({ topic, key: 'k', value: Buffer.from(`row ${i}`), kind: 'test' }, created);
  now = created + 42_000;
  expect(await value('mx_outbox_backlog_records')).toBe(3);
  expect(await value('mx_outbox_oldest_age_seconds')).toBe(42);
  expect(await value('mx_outbox_publish_failures_total')).toBe(0);

  const nowhere = new RecordPublisher(createKafka({ brokers: [`127.0.0.1:${await closedPort()}`], clientId: uniqueName('nowhere'), retry: { retries: 0 }, connectionTimeoutMs: 300 }));
  const failing = new OutboxRelay(db, outbox, nowhere, { initialBackoffMs: 50, maxBackoffMs: 100, onPublishFailed: () => metrics.publishFailed() });
  failing.start();
  await eventually(async () => ((await value('mx_outbox_publish_failures_total')) >= 2 ? true : undefined), 20_000, 'failed publish requests counted');
  await failing.stop();
  await nowhere.close();
  expect(await value('mx_outbox_backlog_records')).toBe(3);

  const kafka = testKafka(uniqueName('outbox-metrics'));
  await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
  const publisher = new RecordPublisher(kafka);
  const relay = new OutboxRelay(db, outbox, publisher, { onPublishFailed: () => metrics.publishFailed() });
  relay.start();
  try {
    await eventually(async () => ((await value('mx_outbox_backlog_records')) === 0 ? true : undefined), 20_000, 'the backlog drained');
    expect(await value('mx_outbox_oldest_age_seconds')).toBe(0);
  } finally {
    await relay.stop();
    await publisher.close();
    db.close();
  }
});
