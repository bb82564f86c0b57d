/**
 * Per-key order through broker outages, on a broker of this test's own (the shared one is never
 * touched): rows for 30 keys are added at 25 a second while the broker's JVM is SIGKILLed and the
 * same broker (port, cluster, data) restarted, twice. Afterwards every row is on the topic and,
 * per key, the first copies are in outbox id order; second copies of a send that failed but was
 * written anyway are allowed (receivers dedup them).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalBroker, type LocalBroker } from '../../services/core/src/kafka/local-broker.ts';
import { openDatabase, type Db } from '../../services/core/src/store/sqlite.ts';
import { Outbox, OutboxRelay } from '../../services/core/src/outbox/outbox.ts';
import { createKafka, ensureTopics, RecordPublisher } from '../../services/core/src/kafka/transport.ts';
import { eventually, uniqueName } from '../support/kafka.ts';
import { orderViolations, readBack, rowValue } from './support.ts';
import { portClosed } from '../support/kafka.ts';

const KEYS = 30;
const ROWS_PER_SECOND = 25;

let brokerDir: string;
/** Every start of the one broker, oldest first. */
const starts: LocalBroker[] = [];
let db: Db | undefined;
let publisher: RecordPublisher | undefined;
let relay: OutboxRelay | undefined;
let loader: NodeJS.Timeout | undefined;
const stats: Record<string, number> = {};

beforeAll(async () => {
  brokerDir = mkdtempSync(join(tmpdir(), 'mx-outbox-outage-broker-'));
  starts.push(
    await startLocalBroker({
      dir: brokerDir,
      // The restarted broker waits for its own previous registration to expire before it serves.
      extraProperties: { 'broker.session.timeout.ms': '4000', 'broker.heartbeat.interval.ms': '500' },
    }),
  );
}, 120_000);

afterAll(async () => {
  if (loader) clearInterval(loader);
  await relay?.stop();
  await publisher?.close();
  db?.close();
  // The latest start first: the first one's stop() removes the directory they share.
  for (const b of [...starts].reverse()) await b.stop();
  if (Object.keys(stats).length > 0) console.log(`[outbox-outage] ${JSON.stringify(stats)}`);
}, 90_000);

test('with the broker killed and restarted twice under load, every row arrives and each key keeps commit order', async () => {
  const brokers = starts[0]!.brokers;
  const kafka = createKafka({ brokers, clientId: 'outbox-outage-test', retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 }, connectionTimeoutMs: 1000 });
  const topic = uniqueName('ob-outage');
  await ensureTopics(kafka, [{ topic, numPartitions: 4 }]);
  db = openDatabase(join(mkdtempSync(join(tmpdir(), 'mx-outbox-outage-')), 'outbox.sqlite'));
  const outbox = new Outbox(db);
  publisher = new RecordPublisher(kafka);
  relay = new OutboxRelay(db, outbox, publisher, { initialBackoffMs: 100, maxBackoffMs: 1000 });
  relay.start();

  let seq = 0;
  let lastId = 0;
  loader = setInterval(() => {
    const key = `case-${Math.floor(Math.random() * KEYS)}`;
    lastId = outbox.add({ topic, key, value: rowValue(key, seq++), kind: 'test' });
    outbox.wake();
  }, 1000 / ROWS_PER_SECOND);

  const conn = db;
  const publishedThrough = (id: number) => (conn.prepare('SELECT count(*) AS n FROM outbox WHERE id <= ? AND published_at IS NULL').get(id) as { n: number }).n === 0;
  const failedSince = (id: number) => (conn.prepare('SELECT count(*) AS n FROM outbox WHERE id > ? AND published_at IS NULL AND attempts > 0').get(id) as { n: number }).n > 0;

  await eventually(() => (lastId >= 50 && publishedThrough(50) ? true : undefined), 30_000, 'the first 50 rows published');
  for (let outage = 1; outage <= 2; outage++) {
    const current = starts[starts.length - 1]!;
    current.kill();
    await portClosed(current.brokers[0]!);
    const downFrom = lastId;
    // Down long enough that rows fail, back off, and more of every kind pile up behind them.
    await eventually(() => (failedSince(downFrom) && lastId >= downFrom + 3 * ROWS_PER_SECOND ? true : undefined), 30_000, `rows failing during outage ${outage}`);
    stats[`pendingAtRestart${outage}`] = outbox.pendingCount();
    const restarted = await startLocalBroker({ dir: brokerDir });
    starts.push(restarted);
    expect(restarted.brokers).toEqual(brokers);
    const upAt = lastId;
    await eventually(() => (publishedThrough(upAt) ? true : undefined), 60_000, `the backlog of outage ${outage} published`);
  }
  clearInterval(loader);
  loader = undefined;
  await eventually(() => (outbox.pendingCount() === 0 ? true : undefined), 30_000, 'the outbox empty');

  const { firstCopies, duplicates } = await readBack(kafka, topic, new Set(Array.from({ length: seq }, (_, i) => i)), 60_000);
  stats.rows = seq;
  stats.duplicates = duplicates;
  expect(orderViolations(firstCopies)).toEqual([]);
  expect([...firstCopies.values()].reduce((n, ids) => n + ids.length, 0)).toBe(seq);
}, 300_000);
