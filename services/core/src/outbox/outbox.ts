/**
 * The transactional outbox: records to publish are written in the same SQLite transaction as the
 * state change that produced them, and a relay publishes them afterwards. A crash at any point
 * loses nothing; a record published twice (ack received, crash before marking) collapses on the
 * receiver's `(from, id)` dedup.
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
  CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (published_at, next_attempt_at, id);`);
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
  /** First retry delay after a failed publish; doubles per attempt up to `maxBackoffMs`. */
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
 * failed rows back off exponentially; rows are marked only after the broker acknowledged them.
 */
export class OutboxRelay {
  private running = false;
  private stopped = false;
  private pass: Promise<void> = Promise.resolve();
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onWake = () => this.kick();

  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly publisher: RecordPublisher,
    private readonly opts: OutboxRelayOptions = {},
  ) {}

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

  /** Wakes the relay when the earliest backed-off row is due. */
  private scheduleRetry(): void {
    if (this.stopped) return;
    const next = this.db.prepare('SELECT min(next_attempt_at) AS t FROM outbox WHERE published_at IS NULL').get() as { t: number | null };
    if (this.timer) clearTimeout(this.timer);
    if (next.t === null) return;
    this.timer = setTimeout(() => this.kick(), Math.max(0, next.t - Date.now()));
    this.timer.unref();
  }

  /** One pass; returns true when a full batch was published and more may be waiting. */
  private async publishOnce(): Promise<boolean> {
    const now = Date.now();
    const batchSize = this.opts.batchSize ?? 500;
    const raw = this.db
      .prepare(
        'SELECT id, topic, key, value, headers, kind, ref, recipient, attempts FROM outbox WHERE published_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?',
      )
      .all(now, batchSize) as RawRow[];
    if (raw.length === 0) return false;
    const rows: OutboxRow[] = raw.map((r) => ({ ...r, headers: JSON.parse(r.headers) as Record<string, string> }));
    const byTopic = new Map<string, OutboxRow[]>();
    for (const r of rows) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);

    let anyFailed = false;
    let released = false;
    await Promise.all(
      [...byTopic.entries()].map(async ([topic, topicRows]) => {
        try {
          const records: OutgoingRecord[] = topicRows.map((r) => ({ key: r.key, value: r.value, headers: r.headers }));
          await this.publisher.publish([{ topic, records }]);
          this.opts.afterAck?.(topicRows);
          this.markPublished(topicRows);
          if (this.releaseBackoff(topic)) released = true;
        } catch (err) {
          anyFailed = true;
          this.markFailed(topicRows, err as Error);
        }
      }),
    );
    return released || (!anyFailed && raw.length === batchSize);
  }

  /**
   * The topic takes records again: its rows still backing off from the outage go in the next
   * pass, not when their (up to `maxBackoffMs`) timers end. Returns whether any row was released.
   */
  private releaseBackoff(topic: string): boolean {
    return this.db.prepare('UPDATE outbox SET next_attempt_at = 0 WHERE published_at IS NULL AND topic = ? AND next_attempt_at > ?').run(topic, Date.now()).changes > 0;
  }

  private markPublished(rows: OutboxRow[]): void {
    const now = Date.now();
    const mark = this.db.prepare('UPDATE outbox SET published_at = ?, attempts = attempts + 1 WHERE id = ?');
    this.db.transaction(() => {
      for (const r of rows) mark.run(now, r.id);
      this.opts.onPublished?.(rows, now);
    })();
    if (this.opts.onPublished) this.outbox.wake();
  }

  private markFailed(rows: OutboxRow[], err: Error): void {
    const initial = this.opts.initialBackoffMs ?? 200;
    const max = this.opts.maxBackoffMs ?? 10_000;
    const now = Date.now();
    const mark = this.db.prepare('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const r of rows) mark.run(now + Math.min(max, initial * 2 ** Math.min(r.attempts, 16)), err.message.slice(0, 200), r.id);
    })();
    this.opts.logger?.warn({ topic: rows[0]?.topic, rows: rows.length, err: err.message }, 'outbox publish failed; backing off');
  }
}
