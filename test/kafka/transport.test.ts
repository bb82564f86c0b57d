import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTopics, isSettlingNoise, RecordConsumer, RecordPublisher, type IncomingRecord } from '../../services/core/src/kafka/transport.ts';
import { eventually, testKafka, uniqueName } from '../support/kafka.ts';

const fast = { retries: 3, initialRetryTime: 50, maxRetryTime: 500 };

describe('kafka transport on the real broker', () => {
  const kafka = testKafka('transport-test', { retry: fast });
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

  test('offsets are committed at most once per interval while records keep coming, and by a timer once they stop', async () => {
    const topic = uniqueName('t-commit-interval');
    const group = uniqueName('g-commit-interval');
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    const got: IncomingRecord[] = [];
    const c = new RecordConsumer(kafka, { groupId: group, topics: [topic], sessionTimeoutMs: 6000, commitIntervalMs: 600_000, handle: async (r) => void got.push(r) });
    consumers.push(c);
    await c.start();
    await c.joined;
    // One record per request, each answered before the next: every one is a fetched batch of its own.
    for (let i = 0; i < 20; i++) {
      await publisher.publish([{ topic, records: [{ key: 'k', value: `r-${i}` }] }]);
      await eventually(() => (got.length === i + 1 ? true : undefined), 20_000, `record ${i}`);
    }
    // Twenty batches within the ten minutes: none of them was followed by a commit of its own.
    expect(c.state().offsetCommits).toBe(0);
    await c.stop(); // a clean stop commits what was handled
    expect(c.state().offsetCommits).toBe(1);

    const admin = kafka.admin();
    await admin.connect();
    try {
      const committed = async () => (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]!.partitions[0]!.offset;
      expect(await committed()).toBe('20');
      // A short interval: the last records are committed by the timer, with no batch and no stop after them.
      const more: IncomingRecord[] = [];
      const c2 = new RecordConsumer(kafka, { groupId: group, topics: [topic], sessionTimeoutMs: 6000, commitIntervalMs: 300, handle: async (r) => void more.push(r) });
      consumers.push(c2);
      await c2.start();
      await publisher.publish([{ topic, records: [{ key: 'k', value: 'r-20' }, { key: 'k', value: 'r-21' }] }]);
      await eventually(async () => ((await committed()) === '22' ? true : undefined), 20_000, 'the trailing commit');
      expect(more.map((r) => r.value.toString())).toEqual(['r-20', 'r-21']);
      expect(c2.state().member).toBe(true);
    } finally {
      await admin.disconnect();
    }
  });

  test('ensureTopics is idempotent', async () => {
    const topic = uniqueName('t-idem');
    await ensureTopics(kafka, [{ topic }]);
    await expect(ensureTopics(kafka, [{ topic }])).resolves.toBeUndefined();
  });

  test('a record whose handler throws an unexpected error is quarantined, its offset committed, and the next record handled; no restart', async () => {
    const topic = uniqueName('t-poison');
    const group = uniqueName('g-poison');
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    await publisher.publish([{ topic, records: ['good-0', 'poison-1', 'poison-2', 'good-3'].map((value) => ({ key: 'k', value })) }]);
    const handled: string[] = [];
    const quarantined: { offset: string; error: string }[] = [];
    const c = new RecordConsumer(kafka, {
      groupId: group,
      topics: [topic],
      sessionTimeoutMs: 6000,
      handle: async (r) => {
        // What an unforeseen input does to code that never expected it.
        if (r.value.toString().startsWith('poison')) throw new RangeError('Maximum call stack size exceeded');
        handled.push(r.value.toString());
      },
      quarantine: async (r, err) => void quarantined.push({ offset: r.offset, error: (err as Error).name }),
    });
    consumers.push(c);
    await c.start();
    await eventually(() => (handled.length === 2 ? true : undefined), 20_000, 'both good records');
    expect(handled).toEqual(['good-0', 'good-3']);
    expect(quarantined).toEqual([
      { offset: '1', error: 'RangeError' },
      { offset: '2', error: 'RangeError' },
    ]);
    expect(c.state()).toMatchObject({ member: true, stalled: [], restarts: 0, quarantined: 2 });
    await c.stop();
    // The quarantined offsets were committed: a new member of the group sees nothing again.
    await publisher.publish([{ topic, records: [{ key: 'k', value: 'good-4' }] }]);
    const again: IncomingRecord[] = [];
    await consume(topic, group, again).start();
    await eventually(() => (again.length > 0 ? true : undefined), 20_000, 'the next record');
    expect(again.map((r) => r.value.toString())).toEqual(['good-4']);
  });

  test('batch: good records share a commit, a poison record between them goes the one-by-one way, a group that fails to commit is handled one by one; offsets committed after', async () => {
    const topic = uniqueName('t-batch');
    const group = uniqueName('g-batch');
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    const db = new Database(join(mkdtempSync(join(tmpdir(), 'mx-batch-')), 'store.sqlite'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE seen (value TEXT)');
    const insert = db.prepare('INSERT INTO seen (value) VALUES (?)');
    const quarantined: string[] = [];
    let failNextCommit = true;
    const c = new RecordConsumer(kafka, {
      groupId: group,
      topics: [topic],
      sessionTimeoutMs: 6000,
      handle: async (r) => {
        if (r.value.toString().startsWith('poison')) throw new RangeError('Maximum call stack size exceeded');
        insert.run(r.value.toString());
      },
      quarantine: async (r) => void quarantined.push(r.value.toString()),
      batch: {
        prepare: async (r) => (r.value.toString().startsWith('poison') ? undefined : { apply: () => void insert.run(r.value.toString()) }),
        commit: (applies) =>
          db.transaction(() => {
            for (const apply of applies) apply();
            // The first group's transaction fails after its rows were written: all of it rolls back.
            if (failNextCommit) {
              failNextCommit = false;
              throw new Error('the group could not commit');
            }
          })(),
      },
    });
    consumers.push(c);
    // One produce request: appended as one record batch, so fetched together.
    await publisher.publish([{ topic, records: ['good-0', 'good-1', 'poison-2', 'good-3', 'good-4', 'good-5'].map((value) => ({ key: 'k', value })) }]);
    await c.start();
    const seen = () => (db.prepare('SELECT value FROM seen ORDER BY rowid').all() as { value: string }[]).map((r) => r.value);
    await eventually(() => (seen().includes('good-5') ? true : undefined), 20_000, 'the last good record');
    expect(seen()).toEqual(['good-0', 'good-1', 'good-3', 'good-4', 'good-5']);
    expect(quarantined).toEqual(['poison-2']);
    // good-0 and good-1 went one by one after their group failed; good-3..5 shared one commit.
    expect(c.state()).toMatchObject({ member: true, stalled: [], restarts: 0, quarantined: 1, groups: { commits: 1, records: 3 } });
    await c.stop();
    await publisher.publish([{ topic, records: [{ key: 'k', value: 'good-6' }] }]);
    const again: IncomingRecord[] = [];
    await consume(topic, group, again).start();
    await eventually(() => (again.length > 0 ? true : undefined), 20_000, 'the next record');
    expect(again.map((r) => r.value.toString())).toEqual(['good-6']);
    db.close();
  });

  test('a store outage retries the record in place, reports the partition stalled past the limit, and clears on recovery', async () => {
    const topic = uniqueName('t-stall');
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    const file = join(mkdtempSync(join(tmpdir(), 'mx-stall-')), 'store.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 20');
    db.exec('CREATE TABLE seen (value TEXT)');
    const insert = db.prepare('INSERT INTO seen (value) VALUES (?)');
    // A second connection holds the write lock: every write of the handler is SQLITE_BUSY.
    const locker = new Database(file);
    locker.exec('BEGIN EXCLUSIVE');
    const quarantined: string[] = [];
    const c = new RecordConsumer(kafka, {
      groupId: uniqueName('g-stall'),
      topics: [topic],
      sessionTimeoutMs: 6000,
      stallAfterMs: 300,
      retryBackoffMs: { initial: 20, max: 200 },
      handle: async (r) => void insert.run(r.value.toString()),
      quarantine: async (r) => void quarantined.push(r.offset),
    });
    consumers.push(c);
    try {
      await c.start();
      await publisher.publish([{ topic, records: [{ key: 'k', value: 'first' }, { key: 'k', value: 'second' }] }]);
      const stall = await eventually(() => c.state().stalled[0], 20_000, 'the partition stalled');
      expect(stall).toMatchObject({ topic, partition: 0, offset: '0', reason: 'store unavailable (SQLITE_BUSY)' });
      expect(c.state().member).toBe(true);
      locker.exec('COMMIT');
      await eventually(() => ((db.prepare('SELECT count(*) AS n FROM seen').get() as { n: number }).n === 2 ? true : undefined), 20_000, 'both records stored');
      expect((db.prepare('SELECT value FROM seen ORDER BY rowid').all() as { value: string }[]).map((r) => r.value)).toEqual(['first', 'second']);
      expect(c.state()).toMatchObject({ stalled: [], restarts: 0, quarantined: 0 });
      expect(quarantined).toEqual([]);
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK');
      await c.stop();
      locker.close();
      db.close();
    }
  });

  test('only known benign retriable kafkajs lines are quietened; real faults stay loud', () => {
    expect(isSettlingNoise('Limiting retries for the idempotent producer may invalidate EoS guarantees', undefined)).toBe(true);
    expect(isSettlingNoise('Response Produce(key: 0, version: 7)', 'This server is not the leader for that topic-partition')).toBe(true);
    expect(isSettlingNoise('Failed to send messages: This server is not the leader for that topic-partition', undefined)).toBe(true);
    expect(isSettlingNoise('Response InitProducerId(key: 22, version: 1)', "The coordinator is loading and hence can't process requests for this group")).toBe(true);
    expect(isSettlingNoise('Response CreateTopics(key: 19, version: 3)', 'Topic creation errors')).toBe(true);
    // Authorization, connection loss, corrupt records, a send that failed for good: never hidden.
    expect(isSettlingNoise('Response Produce(key: 0, version: 7)', 'Not authorized to access topics: [Topic authorization failed]')).toBe(false);
    expect(isSettlingNoise('Connection error: connect ECONNREFUSED 127.0.0.1:9092', undefined)).toBe(false);
    expect(isSettlingNoise('Response Fetch(key: 1, version: 11)', 'This message has failed its CRC checksum, exceeds the valid size, or is otherwise corrupt')).toBe(false);
    expect(isSettlingNoise('Failed to send messages: Broker: Topic authorization failed', undefined)).toBe(false);
    expect(isSettlingNoise('Response Metadata(key: 3, version: 6)', 'This server is not the leader for that topic-partition (and more)')).toBe(false);
  });
});
