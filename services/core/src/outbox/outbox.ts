/**
 * The transactional outbox: records to publish are written in the same SQLite transaction as the
 * state change that produced them, and a relay publishes them afterwards. A crash at any point
 * loses nothing; a record published twice (ack received, crash before marking) collapses on the
 * receiver's `(from, id)` dedup.
 *
 * Order: for each topic and record key, the first copy of every row reaches the topic in outbox id
 * order (commit order), across failed sends, broker outages and restarts of the relay. A gateway
 * keys a case's notices by `caseRef`, so a `handover-completed` never arrives before its
 * `handover-scheduled`. Why it holds:
 * - a topic is sent only as the oldest pending rows of that topic, in id order, in one request;
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
import type { OutgoingRecord, RecordPublisher } from '../kafka/transport.ts';

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
  /** Told of each failed publish request (metrics). */
  onPublishFailed?: (topic: string, rows: number) => void;
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
 * Publishes pending outbox rows, one batch per topic so one failing topic does not stall the rest;
 * a topic whose publish failed backs off exponentially as a whole, so per-key order holds (see the
 * module comment); rows are marked only after the broker acknowledged them.
 */
export class OutboxRelay {
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
    const batches = this.dueTopics(Date.now()).map((topic) => ({
      topic,
      rows: (this.oldestOfTopic.all(topic, batchSize) as RawRow[]).map((r): OutboxRow => ({ ...r, headers: JSON.parse(r.headers) as Record<string, string> })),
    }));
    let more = false;
    await Promise.all(
      batches.map(async ({ topic, rows }) => {
        if (rows.length === 0) return;
        try {
          const records: OutgoingRecord[] = rows.map((r) => ({ key: r.key, value: r.value, headers: r.headers }));
          await this.publisher.publish([{ topic, records }]);
          this.opts.afterAck?.(rows);
          this.markPublished(rows);
          this.backoff.delete(topic);
          if (rows.length === batchSize) more = true;
        } catch (err) {
          this.markFailed(topic, rows, err as Error);
        }
      }),
    );
    return more;
  }

  private markPublished(rows: OutboxRow[]): void {
    const now = Date.now();
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
