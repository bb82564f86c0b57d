/**
 * A gateway's audit trail. Events are recorded synchronously inside the transaction of the state
 * change they describe (so none is lost and none describes something that did not commit), then
 * signed in sequence order, each carrying the digest of the one before, and handed to the outbox
 * for `mx.audit`. A dropped or withheld event shows as a gap in `seq` or a broken `prevDigest`.
 */
import type { Logger } from 'pino';
import { signNotice } from '../envelope/sign.ts';
import type { EnvelopeTimer } from '../envelope/timing.ts';
import { digestOf } from '../envelope/digest.ts';
import { uuidv7 } from '../ids/uuidv7.ts';
import { bodySchemaId } from '../schemas/registry.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { Db } from '../store/sqlite.ts';
import type { Signer } from '../trust/signer.ts';

export const AUDIT_ACTIONS = ['submitted', 'rejected', 'published', 'delivered', 'receipt-received', 'read', 'accessed', 'responded', 'dead-lettered', 'key-rotated', 'heartbeat', 'escalated', 'withdrawn', 'corrected'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What a caller records; the emitter adds `seq`, `prevDigest`, `gateway` and `at`. Metadata only. */
export interface AuditFact {
  action: AuditAction;
  messageId?: string;
  messageType?: string;
  messageDigest?: string;
  counterpart?: string;
  officer?: string;
  outcome?: 'accepted' | 'rejected' | 'read';
  reasonCode?: string;
  kid?: string;
  /** The withdrawal (`withdrawn`) or the new version (`corrected`). */
  relatedMessageId?: string;
  withdrawalReason?: 'travel-cancelled' | 'issued-in-error' | 'other';
}

/** Lifetime of an audit event's envelope; verifiers of old events check signatures, not expiry. */
const AUDIT_LIFETIME_MS = 30 * 24 * 3600 * 1000;

/** What is still on its way to `mx.audit` (`GET /v1/status` `auditTrail`). */
export interface AuditTrailBacklog {
  /** Recorded events not signed yet. */
  unsigned: number;
  /** Signed events whose outbox row the broker has not acknowledged yet. */
  unpublished: number;
  /** When the oldest of them was recorded (its `body.at`); absent when nothing is pending. */
  oldestPendingAt?: Date;
}

/** Options of {@link AuditEmitter}. */
export interface AuditEmitterOptions {
  endpoint: string;
  topic: string;
  agency: string;
  officer: string;
  /** The key to sign with at `now` (the ring's current key then); may throw when none is active. */
  signer: (now: Date) => Signer;
  logger?: Logger;
  /** The signing time (an event's `issuedAt`); default the system clock. */
  now?: () => Date;
  /** Retry delays after a failed signing pass: the first, doubled per failure up to the last. */
  retryBackoffMs?: { initial: number; max: number };
  /** Told how long each signing took (metrics). */
  timer?: EnvelopeTimer;
}

const DEFAULT_RETRY_BACKOFF = { initial: 500, max: 15_000 };

export class AuditEmitter {
  private readonly insert;
  private readonly unsigned;
  private readonly digestOfSeq;
  private readonly markSigned;
  private readonly unsignedBacklog;
  private readonly unpublishedBacklog;
  private readonly lastRecorded;
  private flushing: Promise<void> = Promise.resolve();
  private pending = false;
  private announcedKid: string | undefined;
  private readonly now: () => Date;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastProblem: string | undefined;
  private closed = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly opts: AuditEmitterOptions,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS audit_events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      fact TEXT NOT NULL,
      at TEXT NOT NULL,
      digest TEXT,
      record BLOB
    );
    -- The signer looks for unsigned events on every pass: a partial index keeps that a seek, not a table scan.
    CREATE INDEX IF NOT EXISTS audit_events_unsigned ON audit_events (seq) WHERE record IS NULL`);
    this.now = opts.now ?? (() => new Date());
    this.insert = db.prepare('INSERT INTO audit_events (fact, at) VALUES (?, ?)');
    this.unsigned = db.prepare('SELECT seq, fact, at FROM audit_events WHERE record IS NULL ORDER BY seq LIMIT 200');
    this.digestOfSeq = db.prepare('SELECT digest FROM audit_events WHERE seq = ?');
    this.markSigned = db.prepare('UPDATE audit_events SET digest = ?, record = ? WHERE seq = ?');
    this.unsignedBacklog = db.prepare('SELECT count(*) AS n, min(at) AS oldest FROM audit_events WHERE record IS NULL');
    // Outbox rows of audit events carry the event's seq as ref; the event's own `at` dates them.
    this.unpublishedBacklog = db.prepare(
      "SELECT count(*) AS n, min(e.at) AS oldest FROM outbox o JOIN audit_events e ON e.seq = CAST(o.ref AS INTEGER) WHERE o.published_at IS NULL AND o.kind = 'audit'",
    );
    this.lastRecorded = db.prepare('SELECT at FROM audit_events ORDER BY seq DESC LIMIT 1');
  }

  /** Records a fact inside the caller's transaction; call {@link flush} after it commits. */
  record(fact: AuditFact, at = this.now()): void {
    this.insert.run(JSON.stringify(fact), at.toISOString());
  }

  /**
   * Signs every recorded, unsigned event in order and queues it for `mx.audit`. After a failed
   * pass the emitter waits (backing off) and tries again by itself; a flush asked for meanwhile
   * waits for that retry instead of failing again at once.
   */
  flush(): Promise<void> {
    if (this.closed) return this.flushing;
    if (this.retryTimer !== undefined) return this.flushing;
    if (this.pending) return this.flushing;
    this.pending = true;
    this.flushing = this.flushing.then(async () => {
      this.pending = false;
      try {
        await this.signPending();
        if (this.failures > 0 || this.lastProblem !== undefined) this.opts.logger?.info({ afterFailures: this.failures }, 'audit events are signed again');
        this.failures = 0;
        this.lastProblem = undefined;
      } catch (err) {
        this.failed(err);
      }
    });
    return this.flushing;
  }

  private failed(err: unknown): void {
    // A store closed under a pass (the gateway stopping) is not a problem to report or retry.
    if (this.closed || !this.db.open) return;
    this.failures += 1;
    const problem = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    // One line per distinct problem: a key that is not valid yet would otherwise log on every retry.
    if (problem !== this.lastProblem) {
      let backlog: AuditTrailBacklog | undefined;
      try {
        backlog = this.backlog();
      } catch {
        // The backlog is a detail of the line; the store failing here must not hide the line itself.
      }
      this.opts.logger?.error({ err: problem, backlog }, 'signing audit events failed; they stay queued and are retried');
      this.lastProblem = problem;
    }
    const { initial, max } = this.opts.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF;
    const delay = Math.min(max, initial * 2 ** Math.min(this.failures - 1, 30));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush();
    }, delay);
    this.retryTimer.unref();
  }

  /**
   * Records a `heartbeat` whenever nothing was recorded for `intervalMs`, so the audit service
   * can tell an idle gateway (heartbeats arrive) from a stalled or dead one (nothing arrives).
   */
  startHeartbeat(intervalMs: number): void {
    if (this.heartbeatTimer !== undefined || this.closed) return;
    let since = this.now().getTime();
    // Checked a few times per interval, so a heartbeat is at most a quarter interval late.
    const every = Math.max(100, Math.min(5000, Math.floor(intervalMs / 4)));
    this.heartbeatTimer = setInterval(() => {
      if (this.closed || !this.db.open) return;
      try {
        const last = Math.max(since, this.lastRecordedAt()?.getTime() ?? 0);
        const now = this.now();
        if (now.getTime() - last < intervalMs) return;
        this.db.transaction(() => this.record({ action: 'heartbeat' }, now))();
        since = now.getTime();
      } catch (err) {
        // A busy store: the next check tries again.
        this.opts.logger?.warn({ err: (err as Error).message }, 'recording an audit heartbeat failed; retrying at the next check');
        return;
      }
      void this.flush();
    }, every);
    this.heartbeatTimer.unref();
  }

  /** Stops retrying and heartbeats (the gateway is stopping); what is queued stays in the store for the next start. */
  close(): void {
    this.closed = true;
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** What is recorded but not yet signed, or signed but not yet acknowledged by the broker. */
  backlog(): AuditTrailBacklog {
    const u = this.unsignedBacklog.get() as { n: number; oldest: string | null };
    const p = this.unpublishedBacklog.get() as { n: number; oldest: string | null };
    const oldest = [u.oldest, p.oldest].filter((x): x is string => x !== null).sort()[0];
    return { unsigned: u.n, unpublished: p.n, ...(oldest !== undefined ? { oldestPendingAt: new Date(oldest) } : {}) };
  }

  /** When the last event was recorded (undefined before the first). */
  lastRecordedAt(): Date | undefined {
    const r = this.lastRecorded.get() as { at: string } | undefined;
    return r ? new Date(r.at) : undefined;
  }

  private async signPending(): Promise<void> {
    const kid = this.opts.signer(this.now()).kid;
    if (kid !== this.announcedKid) {
      this.noteSigningKey(kid);
      this.announcedKid = kid;
    }
    for (;;) {
      const rows = this.unsigned.all() as { seq: number; fact: string; at: string }[];
      if (rows.length === 0) return;
      const first = rows[0]!.seq;
      let prev = first === 1 ? null : ((this.digestOfSeq.get(first - 1) as { digest: string | null } | undefined)?.digest ?? null);
      if (first > 1 && prev === null) throw new Error(`audit event ${first - 1} is not signed; the chain cannot continue`);
      const signed: { seq: number; record: Uint8Array; digest: string }[] = [];
      for (const row of rows) {
        // issuedAt is the signing time and the key is the one current then, so an event recorded
        // before a key switch and signed after it is still signable (and verifies at issuedAt);
        // `body.at` keeps when the fact was recorded.
        const issuedAt = this.now();
        const signer = this.opts.signer(issuedAt);
        const document = {
          id: uuidv7(issuedAt.getTime()),
          type: 'audit-event',
          schema: bodySchemaId('audit-event'),
          from: this.opts.endpoint,
          // An audit event is addressed to its own gateway's trail; only the audit service reads mx.audit.
          to: [this.opts.endpoint],
          issuedAt: issuedAt.toISOString(),
          expiresAt: new Date(issuedAt.getTime() + AUDIT_LIFETIME_MS).toISOString(),
          sender: { officer: this.opts.officer, agency: this.opts.agency },
          body: { seq: row.seq, prevDigest: prev, gateway: this.opts.endpoint, ...(JSON.parse(row.fact) as AuditFact), at: row.at },
        };
        const record = await signNotice(document, signer, this.opts.timer ? { timer: this.opts.timer } : {});
        const digest = digestOf(record);
        signed.push({ seq: row.seq, record, digest });
        prev = digest;
      }
      this.db.transaction(() => {
        for (const s of signed) {
          this.markSigned.run(s.digest, Buffer.from(s.record), s.seq);
          this.outbox.add({ topic: this.opts.topic, key: this.opts.endpoint, value: s.record, kind: 'audit', ref: String(s.seq), headers: { 'mx-type': 'audit-event', 'mx-from': this.opts.endpoint } });
        }
      })();
      this.outbox.wake();
    }
  }

  /**
   * Records `key-rotated` when the gateway signs with another key than the one it last announced
   * (also at its first start), so the audit trail shows which key signed from when. Checked at the
   * start of every signing pass; the announcement follows the events already recorded for that pass.
   */
  private noteSigningKey(kid: string): void {
    const last = this.db.prepare("SELECT json_extract(fact, '$.kid') AS kid FROM audit_events WHERE json_extract(fact, '$.action') = 'key-rotated' ORDER BY seq DESC LIMIT 1").get() as
      | { kid: string | null }
      | undefined;
    if (last?.kid === kid) return;
    this.db.transaction(() => this.record({ action: 'key-rotated', kid }))();
  }

  /** The last signed sequence number (0 when none). */
  lastSignedSeq(): number {
    return (this.db.prepare('SELECT coalesce(max(seq), 0) AS n FROM audit_events WHERE record IS NOT NULL').get() as { n: number }).n;
  }
}
