/**
 * The transactional outbox: records to publish are written in the same SQLite transaction as the
 * state change that produced them, and a relay publishes them afterwards. A crash at any point
 * loses nothing; a record published twice (ack received, crash before marking) collapses on the
 * receiver's `(from, id)` dedup.
 *
 * Requests: a pass publishes the batches of every due topic in one publish call (kafkajs sends one
 * Produce request per broker), since the broker's cost is per request. If that call fails, the pass
 * tries each topic again on its own, so a topic that cannot take its batch (missing, refused by an
 * ACL, a record too large) backs off alone while the others are published.
 *
 * Order: for each topic and record key, the first copy of every row reaches the topic in outbox id
 * order (commit order), across failed sends, broker outages and restarts of the relay. A gateway
 * keys a case's notices by `caseRef`, so a `handover-completed` never arrives before its
 * `handover-scheduled`. Why it holds:
 * - a topic is sent only as the oldest pending rows of that topic, in id order, in one request
 *   (alone or beside other topics' batches);
 *   kafkajs keeps that order within each partition, and one key always maps to one partition;
 * - a failed send backs off the whole topic (never a single row), and no row of a topic is sent
 *   while it backs off; so no row can overtake an older row that is still waiting;
 * - a failed send may still have been written (see `RecordPublisher.publish`), even after a later
 *   send. Its rows stay pending and the retry sends them again from the oldest pending row, so what
 *   it adds are second copies only: the topic may hold `1 2 1 2 3`, never `2 1`. Receivers dedup
 *   on `(from, id)`.
 * A row only counts as published once acknowledged, so a row older than everything in a send was
 * acknowledged before that send started.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Db } from '../store/sqlite.ts';
import { PublisherUnreachableError, type OutgoingRecord, type RecordPublisher } from '../kafka/transport.ts';

export interface OutboxRow {
  id: number;
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  /** What the row is, so the publisher can update lifecycle state (e.g. 'notice', 'receipt', 'audit', 'dlq'). */
  kind: string;
  /** The message id (or other reference) the row belongs to. */
  ref: string | null;
  /** The recipient endpoint, for rows addressed to an inbox. */
  recipient: string | null;
  attempts: number;
}

export interface NewOutboxRow {
  topic: string;
  key: string;
  value: Buffer | Uint8Array;
  headers?: Record<string, string>;
  kind: string;
  ref?: string | null;
  recipient?: string | null;
}

export function createOutboxTables(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    headers TEXT NOT NULL,
    kind TEXT NOT NULL,
    ref TEXT,
    recipient TEXT,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    published_at INTEGER
  );
  DROP INDEX IF EXISTS outbox_pending;
  CREATE INDEX IF NOT EXISTS outbox_pending_topic ON outbox (published_at, topic, id);`);
}

/** Outbox writes; call inside the caller's transaction, then `wake()` the relay after commit. */
export class Outbox {
  private readonly insert;
  readonly events = new EventEmitter();

  constructor(private readonly db: Db) {
    createOutboxTables(db);
    this.insert = db.prepare(
      'INSERT INTO outbox (topic, key, value, headers, kind, ref, recipient, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
  }

  add(row: NewOutboxRow, now = Date.now()): number {
    const r = this.insert.run(row.topic, row.key, Buffer.from(row.value), JSON.stringify(row.headers ?? {}), row.kind, row.ref ?? null, row.recipient ?? null, now);
    return Number(r.lastInsertRowid);
  }

  /** Tells the relay there is work; it is woken by new rows instead of polling on a timer. */
  wake(): void {
    this.events.emit('wake');
  }

  pendingCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL').get() as { n: number }).n;
  }
}

export interface OutboxRelayOptions {
  batchSize?: number;
  /** First retry delay of a topic after a failed publish; doubles per failed attempt up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  logger?: Logger;
  /**
   * Runs inside the transaction that marks rows published (lifecycle updates, follow-up audit
   * events). Must be synchronous.
   */
  onPublished?: (rows: OutboxRow[], now: number) => void;
  /** Test hook: called after the broker acknowledged, before the rows are marked. */
  afterAck?: (rows: OutboxRow[]) => void;
  /** Told of each topic whose batch failed to publish and now backs off (metrics). */
  onPublishFailed?: (topic: string, rows: number) => void;
  /** Told of each publish call, before it is made, with the topics it carries (metrics). */
  onPublishRequest?: (topics: string[]) => void;
}

interface TopicBatch {
  topic: string;
  rows: OutboxRow[];
}

interface RawRow {
  id: number;
  topic: string;
  key: string;
  value: Buffer;
  headers: string;
  kind: string;
  ref: string | null;
  recipient: string | null;
  attempts: number;
}

/**
 * Publishes pending outbox rows: one batch per topic, all due topics in one publish call, each topic
 * on its own when that call fails so one failing topic does not stall the rest; a topic whose publish
 * failed backs off exponentially as a whole, so per-key order holds (see the module comment); rows
 * are marked only after the broker acknowledged them.
 */
export class OutboxRelay {
  private sent = 0;
  private running = false;
  private stopped = false;
  private pass: Promise<void> = Promise.resolve();
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onWake = () => this.kick();
  /**
   * Topics backing off after a failed publish. In memory: a restarted relay should try at once,
   * and a topic's rows are never sent while it is here, so nothing else needs to know.
   */
  private readonly backoff = new Map<string, { failures: number; until: number }>();
  private readonly nextPendingTopic;
  private readonly oldestOfTopic;
  private readonly markRowPublished;
  private readonly markRowFailed;

  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly publisher: RecordPublisher,
    private readonly opts: OutboxRelayOptions = {},
  ) {
    // Both walk the (published_at, topic, id) index: a skip-scan over the topics with pending rows,
    // then a topic's oldest rows; neither reads the backlog of a topic that is backing off.
    this.nextPendingTopic = db.prepare('SELECT topic FROM outbox WHERE published_at IS NULL AND topic > ? ORDER BY topic LIMIT 1').pluck();
    this.oldestOfTopic = db.prepare(
      'SELECT id, topic, key, value, headers, kind, ref, recipient, attempts FROM outbox WHERE published_at IS NULL AND topic = ? ORDER BY id LIMIT ?',
    );
    this.markRowPublished = db.prepare('UPDATE outbox SET published_at = ?, attempts = attempts + 1 WHERE id = ?');
    // Per row for operators looking at the store: how often it was tried, why it failed, when next.
    this.markRowFailed = db.prepare('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?');
  }

  /** Publish calls made since construction (one per pass, plus one per topic when a pass falls back). */
  get requests(): number {
    return this.sent;
  }

  start(): void {
    this.stopped = false;
    this.outbox.events.on('wake', this.onWake);
    this.kick();
  }

  /** Stops after the pass in progress; with `drain`, first tries to publish what is pending. */
  async stop(opts: { drain?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (opts.drain) {
      const end = Date.now() + (opts.timeoutMs ?? 5000);
      while (this.outbox.pendingCount() > 0 && Date.now() < end) {
        this.kick();
        await this.pass;
        if (this.outbox.pendingCount() > 0) await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.stopped = true;
    this.outbox.events.off('wake', this.onWake);
    if (this.timer) clearTimeout(this.timer);
    await this.pass;
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.pass = this.runPasses().finally(() => {
      this.running = false;
    });
  }

  private async runPasses(): Promise<void> {
    do {
      this.again = false;
      const more = await this.publishOnce();
      if (more) this.again = true;
    } while (this.again && !this.stopped);
    this.scheduleRetry();
  }

  /** Wakes the relay when the earliest backing-off topic is due. */
  private scheduleRetry(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    if (this.backoff.size === 0) return;
    const next = Math.min(...[...this.backoff.values()].map((b) => b.until));
    this.timer = setTimeout(() => this.kick(), Math.max(0, next - Date.now()));
    this.timer.unref();
  }

  /** The topics with pending rows that are not backing off. */
  private dueTopics(now: number): string[] {
    const pending: string[] = [];
    let topic = this.nextPendingTopic.get('') as string | undefined;
    while (topic !== undefined) {
      pending.push(topic);
      topic = this.nextPendingTopic.get(topic) as string | undefined;
    }
    // A backoff without pending rows (the store was changed behind the relay) would keep the retry timer firing.
    for (const t of this.backoff.keys()) if (!pending.includes(t)) this.backoff.delete(t);
    return pending.filter((t) => (this.backoff.get(t)?.until ?? 0) <= now);
  }

  /** One pass; returns true when a full batch was published and more may be waiting. */
  private async publishOnce(): Promise<boolean> {
    const batchSize = this.opts.batchSize ?? 500;
    // A topic's batch is always its oldest pending rows: never rows behind an older one left out.
    const batches: TopicBatch[] = this.dueTopics(Date.now())
      .map((topic) => ({
        topic,
        rows: (this.oldestOfTopic.all(topic, batchSize) as RawRow[]).map((r): OutboxRow => ({ ...r, headers: JSON.parse(r.headers) as Record<string, string> })),
      }))
      .filter((b) => b.rows.length > 0);
    let more = false;
    const acknowledged = (done: TopicBatch[]) => {
      this.opts.afterAck?.(done.flatMap((b) => b.rows));
      this.markPublished(done);
      for (const b of done) {
        this.backoff.delete(b.topic);
        if (b.rows.length === batchSize) more = true;
      }
    };
    // A topic retried after a failure goes alone, after the others: one that keeps failing (it
    // waits for metadata that never comes) must not hold up or fail the others' request.
    const together = batches.filter((b) => !this.backoff.has(b.topic));
    const retried = batches.filter((b) => this.backoff.has(b.topic));
    let alone = retried;
    if (together.length > 0) {
      const failure = await this.send(together).then(
        () => undefined,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      );
      if (failure === undefined) acknowledged(together);
      else if (failure instanceof PublisherUnreachableError) {
        // No broker reached: nothing to single out, and nothing else would get through now.
        for (const b of batches) this.markFailed(b.topic, b.rows, failure);
        return false;
      } else if (together.length === 1) this.markFailed(together[0]!.topic, together[0]!.rows, failure);
      else alone = [...together, ...retried];
    }
    await this.publishEach(alone, acknowledged);
    return more;
  }

  /**
   * Each topic on its own, one after another: after a failed combined send, and for topics retried
   * after a failure. Not in parallel: a failed send retires the publisher's producer
   * (`RecordPublisher.publish`), which would fail a good topic's send in flight beside it. A failed
   * combined send may have been written in part (or whole); what the topics send again now are
   * second copies, as after any failed send. A topic that finds no broker at all ends the round: the
   * ones after it back off too, untried.
   */
  private async publishEach(batches: TopicBatch[], acknowledged: (done: TopicBatch[]) => void): Promise<void> {
    for (const [i, b] of batches.entries()) {
      try {
        await this.send([b]);
      } catch (err) {
        const rest = err instanceof PublisherUnreachableError ? batches.slice(i) : [b];
        for (const r of rest) this.markFailed(r.topic, r.rows, err as Error);
        if (rest.length > 1) return;
        continue;
      }
      acknowledged([b]);
    }
  }

  private async send(batches: TopicBatch[]): Promise<void> {
    this.sent += 1;
    this.opts.onPublishRequest?.(batches.map((b) => b.topic));
    await this.publisher.publish(
      batches.map(({ topic, rows }) => ({ topic, records: rows.map((r): OutgoingRecord => ({ key: r.key, value: r.value, headers: r.headers })) })),
    );
  }

  /** Marks the acknowledged batches' rows in one transaction (one fsync), with the `onPublished` work. */
  private markPublished(batches: TopicBatch[]): void {
    const now = Date.now();
    const rows = batches.flatMap((b) => b.rows);
    this.db.transaction(() => {
      for (const r of rows) this.markRowPublished.run(now, r.id);
      this.opts.onPublished?.(rows, now);
    })();
    if (this.opts.onPublished) this.outbox.wake();
  }

  /**
   * Backs off the whole topic, not the rows sent: rows backing off on their own timers would let a
   * newer row of a key (a shorter timer) go out before an older one still waiting.
   */
  private markFailed(topic: string, rows: OutboxRow[], err: Error): void {
    const initial = this.opts.initialBackoffMs ?? 200;
    const max = this.opts.maxBackoffMs ?? 10_000;
    const now = Date.now();
    const failures = this.backoff.get(topic)?.failures ?? 0;
    const until = now + Math.min(max, initial * 2 ** Math.min(failures, 16));
    this.backoff.set(topic, { failures: failures + 1, until });
    this.db.transaction(() => {
      for (const r of rows) this.markRowFailed.run(until, err.message.slice(0, 200), r.id);
    })();
    this.opts.logger?.warn({ topic, rows: rows.length, retryInMs: until - now, err: err.message }, 'outbox publish failed; backing off the topic');
    this.opts.onPublishFailed?.(topic, rows.length);
  }
}
