/**
 * Read-only views of the gateways' and the audit service's SQLite stores while they run (WAL: a
 * reader never blocks their writer). The lifecycle times come from here, written by the services
 * themselves: the recipient's `inbox.received_at` (the transaction that stored the notice and
 * queued its receipt) and the sender's `sent_recipients.delivered_at` (the transaction that
 * stored the verified receipt). The cheap counters (max rowid) serve the progress polls.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';

type Db = Database.Database;

function open(file: string): Db {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

/** The smallest UUIDv7 text of millisecond `ms`: ids of messages created from then on sort at or after it. */
export function uuidv7LowerBound(ms: number): string {
  const h = Math.floor(ms).toString(16).padStart(12, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-0000-0000-000000000000`;
}

export class GatewayStoreReader {
  private db: Db | undefined;

  constructor(readonly file: string) {}

  private get d(): Db {
    this.db ??= open(this.file);
    return this.db;
  }

  /** Receipts the sender verified and stored so far (rows are never deleted during a run). */
  receiptsSeen(): number {
    return (this.d.prepare('SELECT coalesce(max(rowid), 0) AS n FROM receipts_seen').get() as { n: number }).n;
  }

  /** Messages this gateway sent (rows are never deleted during a run). */
  sentCount(): number {
    return (this.d.prepare('SELECT coalesce(max(rowid), 0) AS n FROM sent').get() as { n: number }).n;
  }

  /** Notices stored in the inbox so far. */
  inboxCount(): number {
    return (this.d.prepare('SELECT coalesce(max(rowid), 0) AS n FROM inbox').get() as { n: number }).n;
  }

  /** Sent messages created at or after `sinceMs`: when each was published and its receipt stored. */
  sentSince(sinceMs: number): Map<string, { publishedAt: number | null; deliveredAt: number | null }> {
    const rows = this.d
      .prepare('SELECT message_id AS id, published_at, delivered_at FROM sent_recipients WHERE message_id >= ?')
      .all(uuidv7LowerBound(sinceMs)) as { id: string; published_at: number | null; delivered_at: number | null }[];
    return new Map(rows.map((r) => [r.id, { publishedAt: r.published_at, deliveredAt: r.delivered_at }]));
  }

  /** Inbox entries stored at or after `sinceMs`, by message id. */
  inboxSince(sinceMs: number): Map<string, number> {
    const rows = this.d.prepare('SELECT id, received_at FROM inbox WHERE received_at >= ?').all(Math.floor(sinceMs)) as { id: string; received_at: number }[];
    return new Map(rows.map((r) => [r.id, r.received_at]));
  }

  /** Audit events recorded so far, by action (one pass over the table: not for polling). */
  auditActions(): Record<string, number> {
    const rows = this.d.prepare("SELECT json_extract(fact, '$.action') AS action, count(*) AS n FROM audit_events GROUP BY 1").all() as { action: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.action, r.n]));
  }

  /** Outbox rows not yet acknowledged by the broker. */
  outboxPending(): number {
    return (this.d.prepare('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL').get() as { n: number }).n;
  }

  /** Audit events recorded and events signed (queued for mx.audit) so far. */
  auditEvents(): { recorded: number; signed: number } {
    const recorded = (this.d.prepare('SELECT coalesce(max(seq), 0) AS n FROM audit_events').get() as { n: number }).n;
    const last = this.d.prepare("SELECT ref FROM outbox WHERE kind = 'audit' ORDER BY id DESC LIMIT 1").get() as { ref: string } | undefined;
    return { recorded, signed: last ? Number(last.ref) : 0 };
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}

export class AuditStoreReader {
  private db: Db | undefined;

  constructor(readonly file: string) {}

  private get d(): Db | undefined {
    if (!this.db && existsSync(this.file)) this.db = open(this.file);
    return this.db;
  }

  /** Leaves in the Merkle log. */
  treeSize(): number {
    const d = this.d;
    if (!d) return 0;
    return (d.prepare('SELECT tree_size AS n FROM merkle_state WHERE id = 1').get() as { n: number } | undefined)?.n ?? 0;
  }

  /** Events of `gateway` logged so far: how many, and the first and last `logged_at` (epoch ms). */
  loggedBy(gateway: string): { count: number; first: number | null; last: number | null } {
    const d = this.d;
    if (!d) return { count: 0, first: null, last: null };
    const r = d.prepare('SELECT count(*) AS count, min(logged_at) AS first, max(logged_at) AS last FROM events WHERE gateway = ?').get(gateway) as {
      count: number;
      first: number | null;
      last: number | null;
    };
    return r;
  }

  /** Leaves that are events of these gateways with one of these actions. */
  gatewayLeaves(gateways: string[], actions: readonly string[]): number {
    const d = this.d;
    if (!d) return 0;
    const list = (n: number) => Array.from({ length: n }, () => '?').join(', ');
    return (d.prepare(`SELECT count(*) AS n FROM events WHERE gateway IN (${list(gateways.length)}) AND action IN (${list(actions.length)})`).get(...gateways, ...actions) as { n: number }).n;
  }

  /** Checkpoints signed so far: how many, and the largest tree they cover. */
  checkpoints(): { count: number; maxTreeSize: number } {
    const d = this.d;
    if (!d) return { count: 0, maxTreeSize: 0 };
    const r = d.prepare('SELECT count(*) AS count, coalesce(max(tree_size), 0) AS maxTreeSize FROM checkpoints').get() as { count: number; maxTreeSize: number };
    return r;
  }

  /** Records the service quarantined (should stay 0). */
  quarantined(): number {
    const d = this.d;
    if (!d) return 0;
    return (d.prepare('SELECT count(*) AS n FROM quarantine').get() as { n: number }).n;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}
