/**
 * Per-key order in the outbox relay, on the shared broker: a topic that cannot take records yet
 * (it does not exist; auto-creation is off) makes every publish to it fail, so its rows back off
 * with growing delays while newer rows of the same keys keep arriving. Once the topic exists, each
 * key's rows must reach it in outbox id order, and another topic must not have waited meanwhile.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../services/core/src/store/sqlite.ts';
import { Outbox, OutboxRelay } from '../../services/core/src/outbox/outbox.ts';
import { ensureTopics, RecordPublisher } from '../../services/core/src/kafka/transport.ts';
import { eventually, testKafka, uniqueName } from '../support/kafka.ts';
import { orderViolations, readBack, rowValue } from './support.ts';

const kafka = testKafka('outbox-order-test', { retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 } });
let db: Db;
let outbox: Outbox;
let publisher: RecordPublisher;
let relay: OutboxRelay;

beforeAll(() => {
  db = openDatabase(join(mkdtempSync(join(tmpdir(), 'mx-outbox-order-')), 'outbox.sqlite'));
  outbox = new Outbox(db);
  publisher = new RecordPublisher(kafka);
  relay = new OutboxRelay(db, outbox, publisher, { initialBackoffMs: 100, maxBackoffMs: 1500 });
  relay.start();
});

afterAll(async () => {
  await relay.stop();
  await publisher.close();
  db.close();
});

let seq = 0;
function add(topic: string, key: string): { id: number; seq: number } {
  const s = seq++;
  const id = outbox.add({ topic, key, value: rowValue(key, s), kind: 'test' });
  outbox.wake();
  return { id, seq: s };
}

const row = (id: number) => db.prepare('SELECT attempts, published_at AS publishedAt FROM outbox WHERE id = ?').get(id) as { attempts: number; publishedAt: number | null };

test('rows of a key queued behind older rows that are backing off wait for them, and the key reaches the topic in commit order', async () => {
  const late = uniqueName('ob-late');
  const other = uniqueName('ob-other');
  await ensureTopics(kafka, [{ topic: other, numPartitions: 1 }]);

  const older = ['case-A', 'case-B', 'case-C'].map((k) => add(late, k));
  // Several failures: per-row backoff had these wait far longer than rows added later.
  await eventually(() => (row(older[0]!.id).attempts >= 4 ? true : undefined), 30_000, 'the first rows to fail four times');
  const newer = [...['case-A', 'case-B', 'case-C', 'case-D'].map((k) => add(late, k)), add(late, 'case-A')];
  await eventually(() => (newer.every((r) => row(r.id).attempts >= 1) ? true : undefined), 30_000, 'the newer rows tried');

  // The failing topic does not hold up another one.
  const elsewhere = add(other, 'case-A');
  await eventually(() => (row(elsewhere.id).publishedAt !== null ? true : undefined), 15_000, 'the row on the other topic published');
  expect([...older, ...newer].filter((r) => row(r.id).publishedAt !== null)).toEqual([]);

  await ensureTopics(kafka, [{ topic: late, numPartitions: 3 }]);
  await eventually(() => (outbox.pendingCount() === 0 ? true : undefined), 30_000, 'the outbox empty');

  const all = [...older, ...newer];
  const { firstCopies, duplicates } = await readBack(kafka, late, new Set(all.map((r) => r.seq)), 30_000);
  expect(orderViolations(firstCopies)).toEqual([]);
  // The topic did not exist, so no failed send was written: exactly one copy each, in order.
  expect(duplicates).toBe(0);
  expect(Object.fromEntries(firstCopies)).toEqual({
    'case-A': [older[0]!.seq, newer[0]!.seq, newer[4]!.seq],
    'case-B': [older[1]!.seq, newer[1]!.seq],
    'case-C': [older[2]!.seq, newer[2]!.seq],
    'case-D': [newer[3]!.seq],
  });
}, 120_000);
