/**
 * A gateway's audit trail. Events are recorded synchronously inside the transaction of the state
 * change they describe (so none is lost and none describes something that did not commit), then
 * signed in sequence order, each carrying the digest of the one before, and handed to the outbox
 * for `mx.audit`. A dropped or withheld event shows as a gap in `seq` or a broken `prevDigest`.
 */
import type { Logger } from 'pino';
import { signNotice } from '../envelope/sign.ts';
import { digestOf } from '../envelope/digest.ts';
import { uuidv7 } from '../ids/uuidv7.ts';
import { bodySchemaId } from '../schemas/registry.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { Db } from '../store/sqlite.ts';
import type { Signer } from '../trust/signer.ts';

export const AUDIT_ACTIONS = ['submitted', 'rejected', 'published', 'delivered', 'receipt-received', 'read', 'accessed', 'responded', 'dead-lettered', 'key-rotated'] as const;
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
}

/** Lifetime of an audit event's envelope; verifiers of old events check signatures, not expiry. */
const AUDIT_LIFETIME_MS = 30 * 24 * 3600 * 1000;

export class AuditEmitter {
  private readonly insert;
  private readonly unsigned;
  private readonly digestOfSeq;
  private readonly markSigned;
  private flushing: Promise<void> = Promise.resolve();
  private pending = false;
  private announcedKid: string | undefined;

  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly opts: { endpoint: string; topic: string; agency: string; officer: string; signer: () => Signer; logger?: Logger },
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
    this.insert = db.prepare('INSERT INTO audit_events (fact, at) VALUES (?, ?)');
    this.unsigned = db.prepare('SELECT seq, fact, at FROM audit_events WHERE record IS NULL ORDER BY seq LIMIT 200');
    this.digestOfSeq = db.prepare('SELECT digest FROM audit_events WHERE seq = ?');
    this.markSigned = db.prepare('UPDATE audit_events SET digest = ?, record = ? WHERE seq = ?');
  }

  /** Records a fact inside the caller's transaction; call {@link flush} after it commits. */
  record(fact: AuditFact, at = new Date()): void {
    this.insert.run(JSON.stringify(fact), at.toISOString());
  }

  /** Signs every recorded, unsigned event in order and queues it for `mx.audit`. */
  flush(): Promise<void> {
    if (this.pending) return this.flushing;
    this.pending = true;
    this.flushing = this.flushing.then(async () => {
      this.pending = false;
      try {
        await this.signPending();
      } catch (err) {
        this.opts.logger?.error({ err }, 'signing audit events failed; they stay queued');
      }
    });
    return this.flushing;
  }

  private async signPending(): Promise<void> {
    const kid = this.opts.signer().kid;
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
        const at = row.at;
        const document = {
          id: uuidv7(Date.parse(at)),
          type: 'audit-event',
          schema: bodySchemaId('audit-event'),
          from: this.opts.endpoint,
          // An audit event is addressed to its own gateway's trail; only the audit service reads mx.audit.
          to: [this.opts.endpoint],
          issuedAt: at,
          expiresAt: new Date(Date.parse(at) + AUDIT_LIFETIME_MS).toISOString(),
          sender: { officer: this.opts.officer, agency: this.opts.agency },
          body: { seq: row.seq, prevDigest: prev, gateway: this.opts.endpoint, ...(JSON.parse(row.fact) as AuditFact), at },
        };
        const record = await signNotice(document, this.opts.signer());
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
