import { createKafka, ensureTopics, RecordConsumer, RecordPublisher, type IncomingRecord } from '../../services/core/src/kafka/transport.ts';
import { eventually, testBrokers, uniqueName } from '../support/kafka.ts';

const fast = { retries: 3, initialRetryTime: 50, maxRetryTime: 500 };

describe('kafka transport on the real broker', () => {
  const kafka = createKafka({ brokers: testBrokers(), clientId: 'transport-test', retry: fast });
  const publisher = new RecordPublisher(kafka);
  const consumers: RecordConsumer[] = [];

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await publisher.close();
  });

  function consume(topic: string, groupId: string, into: IncomingRecord[]): RecordConsumer {
    const c = new RecordConsumer(kafka, { groupId, topics: [topic], sessionTimeoutMs: 6000, handle: async (r) => void into.push(r) });
    consumers.push(c);
    return c;
  }

  test('produce and consume round-trip with key, value and headers intact', async () => {
    const topic = uniqueName('t-roundtrip');
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    await publisher.publish([{ topic, records: [{ key: 'case-1', value: '{"hello":"ສະບາຍດີ"}', headers: { 'mx-type': 'probe' } }] }]);
    const got: IncomingRecord[] = [];
    await consume(topic, uniqueName('g'), got).start();
    const rec = await eventually(() => got[0], 20_000, 'the record');
    expect(rec.key).toBe('case-1');
    expect(rec.value.toString('utf8')).toBe('{"hello":"ສະບາຍດີ"}');
    expect(rec.headers['mx-type']).toBe('probe');
    expect(rec.offset).toBe('0');
  });

  test('records with the same key stay in order within their partition', async () => {
    const topic = uniqueName('t-order');
    await ensureTopics(kafka, [{ topic, numPartitions: 3 }]);
    const keys = ['TH-2026-000001', 'TH-2026-000002', 'LA-2026-000003'];
    const records = Array.from({ length: 90 }, (_, i) => ({ key: keys[i % 3]!, value: String(i) }));
    // Several batches, so ordering holds across requests, not just inside one.
    for (let i = 0; i < records.length; i += 20) await publisher.publish([{ topic, records: records.slice(i, i + 20) }]);
    const got: IncomingRecord[] = [];
    await consume(topic, uniqueName('g'), got).start();
    await eventually(() => (got.length === 90 ? true : undefined), 20_000, '90 records');
    for (const key of keys) {
      const mine = got.filter((r) => r.key === key);
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
      const values = mine.map((r) => Number(r.value.toString()));
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(values).toHaveLength(30);
    }
  });

  test('a consumer group resumes from its committed offset after a restart', async () => {
    const topic = uniqueName('t-resume');
    const group = uniqueName('g-resume');
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    await publisher.publish([{ topic, records: Array.from({ length: 5 }, (_, i) => ({ key: 'k', value: `first-${i}` })) }]);
    const first: IncomingRecord[] = [];
    const c1 = consume(topic, group, first);
    await c1.start();
    await eventually(() => (first.length === 5 ? true : undefined), 20_000, 'first five');
    await c1.stop(); // a clean stop commits the resolved offsets

    await publisher.publish([{ topic, records: Array.from({ length: 3 }, (_, i) => ({ key: 'k', value: `second-${i}` })) }]);
    const second: IncomingRecord[] = [];
    await consume(topic, group, second).start();
    // A marker behind them: once it arrived, every record the consumer would ever deliver before it
    // (a re-read from offset 0, a duplicate) has arrived too, since one partition is read in order.
    await publisher.publish([{ topic, records: [{ key: 'k', value: 'marker' }] }]);
    await eventually(() => (second.some((r) => r.value.toString() === 'marker') ? true : undefined), 20_000, 'the marker after the three new records');
    expect(second.map((r) => r.value.toString())).toEqual(['second-0', 'second-1', 'second-2', 'marker']);
    expect(second[0]!.offset).toBe('5');
  });

  test('ensureTopics is idempotent', async () => {
    const topic = uniqueName('t-idem');
    await ensureTopics(kafka, [{ topic }]);
    await expect(ensureTopics(kafka, [{ topic }])).resolves.toBeUndefined();
  });
});
