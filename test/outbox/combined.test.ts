/**
 * The relay publishes a pass in one request, on the shared broker: rows pending for three topics
 * go out in one publish call per pass, each topic's part its oldest rows; when that call fails
 * because one topic cannot take records (it does not exist; auto-creation is off), the pass tries
 * each topic alone, so the other two are published in the same pass and only the missing one backs
 * off and is retried, alone. A relay that reaches no broker at all makes one request per pass.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka, ensureTopics, RecordPublisher } from '../../services/core/src/kafka/transport.ts';
import { Outbox, OutboxRelay, type OutboxRow } from '../../services/core/src/outbox/outbox.ts';
import { openDatabase, type Db } from '../../services/core/src/store/sqlite.ts';
import { eventually, testKafka, uniqueName, closedPort } from '../support/kafka.ts';
import { orderViolations, readBack, rowValue } from './support.ts';

const kafka = testKafka('outbox-combined-test', { retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 } });
const KEYS = ['case-A', 'case-B', 'case-C'];

interface Setup {
  db: Db;
  outbox: Outbox;
  /** Insert counter per row id (rows are added one at a time, so it follows id order). */
  seqOfRow: Map<number, number>;
  add: (topic: string, key: string) => number;
}

function setup(): Setup {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'mx-outbox-combined-')), 'outbox.sqlite'));
  const outbox = new Outbox(db);
  const seqOfRow = new Map<number, number>();
  let seq = 0;
  const add = (topic: string, key: string) => {
    const s = seq++;
    const id = outbox.add({ topic, key, value: rowValue(key, s), kind: 'test' });
    seqOfRow.set(id, s);
    outbox.wake();
    return id;
  };
  return { db, outbox, seqOfRow, add };
}

const row = (db: Db, id: number) => db.prepare('SELECT attempts, published_at AS publishedAt FROM outbox WHERE id = ?').get(id) as { attempts: number; publishedAt: number | null };

/** Reads `topic` back: the first copy of every row, in order per key, and no second copies. */
async function expectInOrder(topic: string, ids: number[], seqOfRow: Map<number, number>): Promise<void> {
  const seqs = ids.map((id) => seqOfRow.get(id)!);
  const { firstCopies, duplicates } = await readBack(kafka, topic, new Set(seqs), 30_000);
  expect(orderViolations(firstCopies)).toEqual([]);
  expect([...firstCopies.values()].flat().sort((a, b) => a - b)).toEqual([...seqs].sort((a, b) => a - b));
  expect(duplicates).toBe(0);
}

test('rows pending for three topics go out in one request per pass, each topic as its oldest rows', async () => {
  const { db, outbox, seqOfRow, add } = setup();
  const topics = [uniqueName('ob-comb-a'), uniqueName('ob-comb-b'), uniqueName('ob-comb-c')];
  await ensureTopics(kafka, topics.map((topic) => ({ topic, numPartitions: 2 })));
  // Ten rows per topic, interleaved, before the relay starts: its first pass finds all three due.
  const ids = new Map<string, number[]>(topics.map((t) => [t, []]));
  for (let i = 0; i < 10; i += 1) for (const t of topics) ids.get(t)!.push(add(t, KEYS[i % KEYS.length]!));

  const requests: string[][] = [];
  const acked: OutboxRow[][] = [];
  const failed: string[] = [];
  const publisher = new RecordPublisher(kafka);
  const relay = new OutboxRelay(db, outbox, publisher, {
    batchSize: 4,
    onPublishRequest: (t) => requests.push(t),
    afterAck: (rows) => acked.push(rows),
    onPublishFailed: (t) => failed.push(t),
  });
  relay.start();
  try {
    await eventually(() => (outbox.pendingCount() === 0 ? true : undefined), 30_000, 'the outbox empty');
    // 10 rows in batches of 4: three passes (4, 4, 2 rows of each topic), each one request for all three topics.
    expect(failed).toEqual([]);
    expect(requests.map((t) => [...t].sort())).toEqual([[...topics].sort(), [...topics].sort(), [...topics].sort()]);
    expect(relay.requests).toBe(3);
    // Each pass carried each topic's oldest pending rows, in id order.
    for (const t of topics) {
      const perPass = acked.map((rows) => rows.filter((r) => r.topic === t).map((r) => r.id));
      expect(perPass).toEqual([ids.get(t)!.slice(0, 4), ids.get(t)!.slice(4, 8), ids.get(t)!.slice(8)]);
    }
    for (const t of topics) await expectInOrder(t, ids.get(t)!, seqOfRow);
  } finally {
    await relay.stop();
    await publisher.close();
    db.close();
  }
}, 120_000);

test('with one topic missing, the other two are published in the same pass; only the missing one backs off and is retried alone', async () => {
  const { db, outbox, seqOfRow, add } = setup();
  const good = [uniqueName('ob-comb-good1'), uniqueName('ob-comb-good2')];
  const missing = uniqueName('ob-comb-missing');
  await ensureTopics(kafka, good.map((topic) => ({ topic, numPartitions: 1 })));
  const ids = new Map<string, number[]>([...good, missing].map((t) => [t, []]));
  for (const k of KEYS) for (const t of [...good, missing]) ids.get(t)!.push(add(t, k));

  const requests: string[][] = [];
  const failed: string[] = [];
  const publisher = new RecordPublisher(kafka);
  const relay = new OutboxRelay(db, outbox, publisher, { initialBackoffMs: 100, maxBackoffMs: 1000, onPublishRequest: (t) => requests.push(t), onPublishFailed: (t) => failed.push(t) });
  relay.start();
  try {
    await eventually(() => (ids.get(missing)!.every((id) => row(db, id).attempts >= 3) ? true : undefined), 30_000, 'the missing topic tried three times');
    // The first pass: one request for all three, which failed; then each topic alone.
    expect([...requests[0]!].sort()).toEqual([...good, missing].sort());
    expect(requests.slice(1, 4).map((t) => t.length)).toEqual([1, 1, 1]);
    expect(requests.slice(1, 4).flat().sort()).toEqual([...good, missing].sort());
    // The good topics' rows were published at their first attempt: in the first pass, never backed off.
    for (const t of good) for (const id of ids.get(t)!) expect(row(db, id)).toEqual({ attempts: 1, publishedAt: expect.any(Number) });
    // Only the missing topic failed, and its retries went alone.
    expect(new Set(failed)).toEqual(new Set([missing]));
    expect(requests.slice(4).every((t) => t.length === 1 && t[0] === missing)).toBe(true);

    // Newer rows while the missing topic backs off: the good topics' go out (together), the missing one's wait.
    const before = requests.length;
    for (const k of [...KEYS, 'case-D']) for (const t of [...good, missing]) ids.get(t)!.push(add(t, k));
    const newerGood = good.flatMap((t) => ids.get(t)!.slice(KEYS.length));
    await eventually(() => (newerGood.every((id) => row(db, id).publishedAt !== null) ? true : undefined), 15_000, 'the newer rows of the good topics published');
    expect(requests.slice(before).some((t) => [...t].sort().join() === [...good].sort().join())).toBe(true);
    expect(ids.get(missing)!.filter((id) => row(db, id).publishedAt !== null)).toEqual([]);

    await ensureTopics(kafka, [{ topic: missing, numPartitions: 3 }]);
    await eventually(() => (outbox.pendingCount() === 0 ? true : undefined), 30_000, 'the outbox empty');
    // The missing topic's rows, old and new, reach it in commit order per key. No copy twice: the
    // failed requests stopped at the missing topic's metadata, before anything was produced.
    for (const t of [...good, missing]) await expectInOrder(t, ids.get(t)!, seqOfRow);
  } finally {
    await relay.stop();
    await publisher.close();
    db.close();
  }
}, 120_000);


test('with no broker reachable, the pass does not try the topics one by one: all back off after the one request', async () => {
  const { db, outbox, add } = setup();
  const topics = ['ob-nowhere-a', 'ob-nowhere-b', 'ob-nowhere-c'];
  for (const t of topics) add(t, 'case-A');
  const nowhere = new RecordPublisher(createKafka({ brokers: [`127.0.0.1:${await closedPort()}`], clientId: uniqueName('nowhere'), retry: { retries: 0 }, connectionTimeoutMs: 300 }));
  const events: string[] = [];
  const relay = new OutboxRelay(db, outbox, nowhere, {
    initialBackoffMs: 20,
    maxBackoffMs: 50,
    onPublishRequest: (t) => events.push(`request ${[...t].sort().join(' ')}`),
    onPublishFailed: (t) => events.push(`failed ${t}`),
  });
  relay.start();
  try {
    await eventually(() => (events.filter((e) => e.startsWith('request')).length >= 3 ? true : undefined), 20_000, 'three requests');
    await relay.stop();
    expect(events.slice(0, 5)).toEqual([`request ${topics.join(' ')}`, ...topics.map((t) => `failed ${t}`), expect.stringMatching(/^request ob-nowhere-[abc]$/)]);
    // Retried topics go alone.
    expect(events.filter((e) => e.startsWith('request')).slice(1).every((e) => e.split(' ').length === 2)).toBe(true);
    expect(outbox.pendingCount()).toBe(3);
  } finally {
    await relay.stop();
    await nowhere.close();
    db.close();
  }
}, 60_000);
