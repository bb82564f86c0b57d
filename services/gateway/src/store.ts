/**
 * The gateway's own SQLite store: what it sent and each recipient's lifecycle, what it received
 * (the inbox, which is also the `(from, id)` dedup table), the parties of each case, and what it
 * quarantined. The outbox and the audit trail live in the same file, so one transaction covers a
 * state change, the records it sends and the audit events it causes.
 */
import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';
import { MxError } from '../../core/src/errors/mx-error.ts';
import { formatCaseRef } from '../../core/src/ids/patterns.ts';
import type { Db } from '../../core/src/store/sqlite.ts';

export interface SentRow {
  id: string;
  type: string;
  to_json: string;
  case_ref: string | null;
  in_reply_to: string | null;
  issued_at: string;
  expires_at: string;
  digest: string;
  officer: string;
  created_at: number;
  /** An offender alert's travel (lifecycle.ts travelWindow); null for other types. */
  arrival_at: number | null;
  departure_at: number | null;
  /** The earlier version this one corrects, or the alert this withdrawal withdraws (envelope `supersedes`). */
  supersedes: string | null;
  /** The correction that replaced this version. */
  superseded_by: string | null;
  /** The withdrawal of this alert, when, and why. */
  withdrawn_by: string | null;
  withdrawn_at: number | null;
  /** An alert's withdrawal reason (on the alert and on the withdrawal itself). */
  withdrawal_reason: string | null;
}

export interface RecipientRow {
  message_id: string;
  endpoint: string;
  published_at: number | null;
  delivered_at: number | null;
  receipt_digest: string | null;
  rejected_reason: string | null;
  read_at: number | null;
  response_ids: string;
  escalated_at: number | null;
}

export interface InboxRow {
  from_ep: string;
  id: string;
  type: string;
  to_json: string;
  case_ref: string | null;
  in_reply_to: string | null;
  issued_at: string;
  expires_at: string;
  digest: string;
  record: Buffer;
  receipt: Buffer;
  received_at: number;
  read_at: number | null;
  response_ids: string;
  topic: string;
  partition: number;
  offset: string;
  arrival_at: number | null;
  departure_at: number | null;
  escalated_at: number | null;
  /** The earlier version this one corrects, or the alert this withdrawal withdraws (envelope `supersedes`). */
  supersedes: string | null;
  /** The correction that replaced this version. */
  superseded_by: string | null;
  /** The withdrawal of this alert, when, and why. */
  withdrawn_by: string | null;
  withdrawn_at: number | null;
  /** An alert's withdrawal reason (on the alert and on the withdrawal itself). */
  withdrawal_reason: string | null;
}

export interface DeadLetterRow {
  id: number;
  topic: string;
  partition: number;
  offset: string;
  digest: string;
  reason_code: string;
  from_ep: string | null;
  message_id: string | null;
  at: number;
  /** The code the record was parked under (UNKNOWN_KEY, DECRYPT_FAILED), when it ever was. */
  parked_as: string | null;
  /** When a re-examination admitted it (the row stays: the history shows it was parked). */
  readmitted_at: number | null;
  /** 1 while its bytes are kept for re-examination. */
  parked: number;
}

/** One pushed event (events.ts): metadata of a change, never a body. */
export interface InboxEventRow {
  id: number;
  kind: string;
  message_id: string;
  type: string;
  counterpart: string;
  case_ref: string | null;
  status: string;
  at: number;
}

/** A message's statistical facts (statistics.ts statisticalFacts): classes only, never an identifying value. */
export interface NoticeFactsRow {
  from_ep: string;
  message_id: string;
  direction: 'sent' | 'received';
  type: string;
  /** `YYYY-MM` of issuedAt (UTC). */
  month: string;
  issued_at: number;
  in_reply_to: string | null;
  age_band: string | null;
  sex: string | null;
  forms_json: string | null;
  crossing: string | null;
  step: string | null;
  effective_at: number | null;
}

/** A parked record: a dead letter whose exact bytes are kept to be re-examined after a trust reload. */
export interface ParkedRow {
  dead_letter_id: number;
  topic: string;
  partition: number;
  offset: string;
  digest: string;
  reason_code: string;
  record: Buffer;
  /** When the gateway first received it: revocation is judged as of this instant. */
  first_received_at: number;
}

export function createGatewayTables(db: Db): void {
  db.exec(`
  CREATE TABLE IF NOT EXISTS sent (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    to_json TEXT NOT NULL,
    case_ref TEXT,
    in_reply_to TEXT,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    digest TEXT NOT NULL,
    record BLOB NOT NULL,
    officer TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS sent_case ON sent (case_ref, issued_at);
  CREATE TABLE IF NOT EXISTS sent_recipients (
    message_id TEXT NOT NULL REFERENCES sent(id),
    endpoint TEXT NOT NULL,
    published_at INTEGER,
    delivered_at INTEGER,
    receipt_digest TEXT,
    rejected_reason TEXT,
    read_at INTEGER,
    response_ids TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (message_id, endpoint)
  );
  CREATE TABLE IF NOT EXISTS inbox (
    from_ep TEXT NOT NULL,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    to_json TEXT NOT NULL,
    case_ref TEXT,
    in_reply_to TEXT,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    digest TEXT NOT NULL,
    record BLOB NOT NULL,
    receipt BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    read_at INTEGER,
    response_ids TEXT NOT NULL DEFAULT '[]',
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    offset TEXT NOT NULL,
    PRIMARY KEY (from_ep, id)
  );
  CREATE INDEX IF NOT EXISTS inbox_id ON inbox (id);
  CREATE INDEX IF NOT EXISTS inbox_digest ON inbox (digest);
  CREATE INDEX IF NOT EXISTS inbox_case ON inbox (case_ref, issued_at);
  CREATE INDEX IF NOT EXISTS inbox_received ON inbox (received_at, from_ep, id);
  CREATE TABLE IF NOT EXISTS receipts_seen (
    from_ep TEXT NOT NULL,
    id TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (from_ep, id)
  );
  CREATE INDEX IF NOT EXISTS receipts_seen_digest ON receipts_seen (digest);
  CREATE TABLE IF NOT EXISTS cases (
    case_ref TEXT PRIMARY KEY,
    parties_json TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    first_message_id TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    offset TEXT NOT NULL,
    digest TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    from_ep TEXT,
    message_id TEXT,
    at INTEGER NOT NULL,
    UNIQUE (topic, partition, offset)
  );
  -- Records quarantined only because a key was missing here, kept byte for byte until a trust
  -- reload may let them verify (receiving.ts); bounded in number and by the maximum age.
  CREATE TABLE IF NOT EXISTS parked_records (
    dead_letter_id INTEGER PRIMARY KEY REFERENCES dead_letters(id),
    record BLOB NOT NULL,
    bytes INTEGER NOT NULL,
    first_received_at INTEGER NOT NULL
  );
  -- The last case number handed out per prefix ('LA-2026'), so opened cases never share a reference.
  CREATE TABLE IF NOT EXISTS case_numbers (
    prefix TEXT PRIMARY KEY,
    last INTEGER NOT NULL
  );
  -- Answers to requests that carried an Idempotency-Key, per officer, for the retention period.
  CREATE TABLE IF NOT EXISTS idempotency_keys (
    officer TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    message_id TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (officer, key)
  );
  CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_at);
  -- Append-only: what the desks' event streams carry (events.ts); the id is the SSE id, so it
  -- never goes back (AUTOINCREMENT: not even after the newest rows are pruned).
  CREATE TABLE IF NOT EXISTS inbox_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    message_id TEXT NOT NULL,
    type TEXT NOT NULL,
    counterpart TEXT NOT NULL,
    case_ref TEXT,
    status TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS inbox_events_at ON inbox_events (at);
  -- The statistical facts of each victim notice and status update sent or received
  -- (statistics.ts): coarse classes in clear (age band, not the date of birth; crossing code, never
  -- its name), taken from the plaintext at the one moment it is in hand. A sender cannot decrypt what
  -- it sent, and the store keeps bodies only as ciphertext, so statistics could not be made later.
  CREATE TABLE IF NOT EXISTS notice_facts (
    from_ep TEXT NOT NULL,
    message_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    type TEXT NOT NULL,
    month TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    in_reply_to TEXT,
    age_band TEXT,
    sex TEXT,
    forms_json TEXT,
    crossing TEXT,
    step TEXT,
    effective_at INTEGER,
    PRIMARY KEY (from_ep, message_id)
  );
  CREATE INDEX IF NOT EXISTS notice_facts_month ON notice_facts (type, month);
  CREATE INDEX IF NOT EXISTS notice_facts_reply ON notice_facts (in_reply_to) WHERE in_reply_to IS NOT NULL;
  `);
  // Stores made before parking existed get its two dead-letter columns.
  const columns = new Set((db.prepare('PRAGMA table_info(dead_letters)').all() as { name: string }[]).map((c) => c.name));
  if (!columns.has('parked_as')) db.exec('ALTER TABLE dead_letters ADD COLUMN parked_as TEXT');
  if (!columns.has('readmitted_at')) db.exec('ALTER TABLE dead_letters ADD COLUMN readmitted_at INTEGER');
  // An offender alert's travel dates (epoch ms, lifecycle.ts travelWindow) and when it was
  // escalated: metadata kept in clear beside the ciphertext, so timeliness needs no decryption.
  const addColumns = (table: string, wanted: Record<string, string>): void => {
    const have = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
    for (const [name, type] of Object.entries(wanted)) if (!have.has(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
  };
  addColumns('sent', { arrival_at: 'INTEGER', departure_at: 'INTEGER' });
  addColumns('sent_recipients', { escalated_at: 'INTEGER' });
  addColumns('inbox', { arrival_at: 'INTEGER', departure_at: 'INTEGER', escalated_at: 'INTEGER' });
  // Withdrawals and corrections (ids and a reason code, in clear like inReplyTo): a version chain
  // by supersedes / superseded_by, and an alert's withdrawal.
  const revision = { supersedes: 'TEXT', superseded_by: 'TEXT', withdrawn_by: 'TEXT', withdrawn_at: 'INTEGER', withdrawal_reason: 'TEXT' };
  addColumns('sent', revision);
  addColumns('inbox', revision);
  // Escalation is looked for before every lifecycle and inbox read: only alerts are scanned.
  db.exec('CREATE INDEX IF NOT EXISTS sent_alert_arrival ON sent (arrival_at) WHERE arrival_at IS NOT NULL');
  db.exec('CREATE INDEX IF NOT EXISTS inbox_alert_arrival ON inbox (arrival_at) WHERE arrival_at IS NOT NULL AND escalated_at IS NULL');
  db.exec(`
  -- Keyed hashes of the travel documents of received alerts (duplicates.ts): never a number in
  -- clear, so this table is no index of passports to whoever copies the file without the key.
  CREATE TABLE IF NOT EXISTS alert_documents (
    doc_hash TEXT NOT NULL,
    from_ep TEXT NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (doc_hash, from_ep, id)
  );
  -- Received alerts linked as possible duplicates, one row per direction, so each side finds the
  -- other with one lookup; both rows are written in the commit that stores the later alert.
  CREATE TABLE IF NOT EXISTS possible_duplicates (
    from_ep TEXT NOT NULL,
    id TEXT NOT NULL,
    other_from TEXT NOT NULL,
    other_id TEXT NOT NULL,
    linked_at INTEGER NOT NULL,
    PRIMARY KEY (from_ep, id, other_from, other_id)
  );
  `);
}

/** The API's bound on the links shown per alert (the document's `maxItems`). */
export const MAX_POSSIBLE_DUPLICATES_SHOWN = 100;

/** A received alert another one is linked to, as the API shows it. */
export interface PossibleDuplicateRow {
  from_ep: string;
  id: string;
  type: string;
  received_at: number;
  linked_at: number;
}

/** Prepared queries over the gateway tables. */
export class GatewayStore {
  private readonly statements = new Map<string, Database.Statement<unknown[]>>();

  private readonly eventsAppended = new EventEmitter().setMaxListeners(0);

  constructor(readonly db: Db) {
    createGatewayTables(db);
  }

  /**
   * Appends an event and prunes those older than `pruneBefore`. Listeners are told in a
   * microtask: a better-sqlite3 transaction is synchronous, so by then it has committed (and
   * readers see the row) or rolled back (and they find nothing new).
   */
  appendEvent(e: { kind: string; messageId: string; type: string; counterpart: string; caseRef: string | null; status: string; at: number }, pruneBefore: number): void {
    this.prepare('INSERT INTO inbox_events (kind, message_id, type, counterpart, case_ref, status, at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(e.kind, e.messageId, e.type, e.counterpart, e.caseRef, e.status, e.at);
    this.prepare('DELETE FROM inbox_events WHERE at < ?').run(pruneBefore);
    queueMicrotask(() => this.eventsAppended.emit('appended'));
  }

  /** Events after `afterId` of `types`, oldest first. */
  eventsAfter(afterId: number, types: readonly string[], limit: number): InboxEventRow[] {
    if (types.length === 0) return [];
    return this.prepare(`SELECT * FROM inbox_events WHERE id > ? AND type IN (${types.map(() => '?').join(',')}) ORDER BY id LIMIT ?`).all(afterId, ...types, limit) as InboxEventRow[];
  }

  /** The newest event id ever handed out (0 before the first). */
  lastEventId(): number {
    const row = this.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'inbox_events'").get() as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  onEventAppended(listener: () => void): void {
    this.eventsAppended.on('appended', listener);
  }

  offEventAppended(listener: () => void): void {
    this.eventsAppended.off('appended', listener);
  }

  /** Each SQL text is prepared once: preparing on every call cost about 5% of a loaded gateway's CPU. */
  private prepare(sql: string): Database.Statement<unknown[]> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** The inbox entry with exactly these record bytes, if any (the redelivery check). */
  inboxByDigest(digest: string): Pick<InboxRow, 'from_ep' | 'id' | 'receipt' | 'case_ref' | 'in_reply_to'> | undefined {
    return this.prepare('SELECT from_ep, id, receipt, case_ref, in_reply_to FROM inbox WHERE digest = ?').get(digest) as
      | Pick<InboxRow, 'from_ep' | 'id' | 'receipt' | 'case_ref' | 'in_reply_to'>
      | undefined;
  }

  /** Whether a receipt with exactly these bytes was already taken. */
  hasReceiptDigest(digest: string): boolean {
    return this.prepare('SELECT 1 FROM receipts_seen WHERE digest = ?').get(digest) !== undefined;
  }

  insertSent(row: Omit<SentRow, 'supersedes' | 'superseded_by' | 'withdrawn_by' | 'withdrawn_at' | 'withdrawal_reason'> & Partial<Pick<SentRow, 'supersedes' | 'withdrawal_reason'>> & { record: Buffer }, recipients: readonly string[]): void {
    this
      .prepare(
        'INSERT INTO sent (id, type, to_json, case_ref, in_reply_to, issued_at, expires_at, digest, record, officer, created_at, arrival_at, departure_at, supersedes, withdrawal_reason) VALUES (@id, @type, @to_json, @case_ref, @in_reply_to, @issued_at, @expires_at, @digest, @record, @officer, @created_at, @arrival_at, @departure_at, @supersedes, @withdrawal_reason)',
      )
      .run({ supersedes: null, withdrawal_reason: null, ...row });
    const rec = this.prepare('INSERT INTO sent_recipients (message_id, endpoint) VALUES (?, ?)');
    for (const r of recipients) rec.run(row.id, r);
  }

  sent(id: string): SentRow | undefined {
    return this.prepare(
      'SELECT id, type, to_json, case_ref, in_reply_to, issued_at, expires_at, digest, officer, created_at, arrival_at, departure_at, supersedes, superseded_by, withdrawn_by, withdrawn_at, withdrawal_reason FROM sent WHERE id = ?',
    ).get(id) as SentRow | undefined;
  }

  /**
   * Marks a sent version as corrected by `by`, or an alert as withdrawn by `by`; false (nothing
   * changed) when it was already corrected or withdrawn, so two racing requests cannot both win.
   */
  markSentRevised(id: string, change: { supersededBy: string } | { withdrawnBy: string; reason: string; at: number }): boolean {
    const guard = 'superseded_by IS NULL AND withdrawn_by IS NULL';
    if ('supersededBy' in change) return this.prepare(`UPDATE sent SET superseded_by = ? WHERE id = ? AND ${guard}`).run(change.supersededBy, id).changes > 0;
    return this.prepare(`UPDATE sent SET withdrawn_by = ?, withdrawal_reason = ?, withdrawn_at = ? WHERE id = ? AND ${guard}`).run(change.withdrawnBy, change.reason, change.at, id).changes > 0;
  }

  /** The same for a received version (admission checked it is current). */
  markInboxRevised(from: string, id: string, change: { supersededBy: string } | { withdrawnBy: string; reason: string; at: number }): boolean {
    const guard = 'superseded_by IS NULL AND withdrawn_by IS NULL';
    if ('supersededBy' in change) return this.prepare(`UPDATE inbox SET superseded_by = ? WHERE from_ep = ? AND id = ? AND ${guard}`).run(change.supersededBy, from, id).changes > 0;
    return this.prepare(`UPDATE inbox SET withdrawn_by = ?, withdrawal_reason = ?, withdrawn_at = ? WHERE from_ep = ? AND id = ? AND ${guard}`).run(change.withdrawnBy, change.reason, change.at, from, id).changes > 0;
  }

  recipients(messageId: string): RecipientRow[] {
    return this.prepare('SELECT * FROM sent_recipients WHERE message_id = ? ORDER BY endpoint').all(messageId) as RecipientRow[];
  }

  recipient(messageId: string, endpoint: string): RecipientRow | undefined {
    return this.prepare('SELECT * FROM sent_recipients WHERE message_id = ? AND endpoint = ?').get(messageId, endpoint) as RecipientRow | undefined;
  }

  markPublished(messageId: string, endpoint: string, at: number): void {
    this.prepare('UPDATE sent_recipients SET published_at = coalesce(published_at, ?) WHERE message_id = ? AND endpoint = ?').run(at, messageId, endpoint);
  }

  markDelivered(messageId: string, endpoint: string, at: number, receiptDigest: string, rejectedReason: string | null): void {
    this
      .prepare(
        'UPDATE sent_recipients SET delivered_at = coalesce(delivered_at, ?), receipt_digest = coalesce(receipt_digest, ?), rejected_reason = coalesce(rejected_reason, ?) WHERE message_id = ? AND endpoint = ?',
      )
      .run(at, receiptDigest, rejectedReason, messageId, endpoint);
  }

  markRecipientRead(messageId: string, endpoint: string, at: number): void {
    this.prepare('UPDATE sent_recipients SET read_at = coalesce(read_at, ?) WHERE message_id = ? AND endpoint = ?').run(at, messageId, endpoint);
  }

  addRecipientResponse(messageId: string, endpoint: string, responseId: string): void {
    const row = this.recipient(messageId, endpoint);
    if (!row) return;
    const ids = JSON.parse(row.response_ids) as string[];
    if (ids.includes(responseId)) return;
    this.prepare('UPDATE sent_recipients SET response_ids = ? WHERE message_id = ? AND endpoint = ?').run(JSON.stringify([...ids, responseId]), messageId, endpoint);
  }

  inboxByKey(from: string, id: string): InboxRow | undefined {
    return this.prepare('SELECT * FROM inbox WHERE from_ep = ? AND id = ?').get(from, id) as InboxRow | undefined;
  }

  /** An inbox item by message id (ids are UUIDv7, unique in practice; the first by arrival wins). */
  inboxById(id: string): InboxRow | undefined {
    return this.prepare('SELECT * FROM inbox WHERE id = ? ORDER BY received_at LIMIT 1').get(id) as InboxRow | undefined;
  }

  insertInbox(
    row: Omit<InboxRow, 'read_at' | 'response_ids' | 'escalated_at' | 'arrival_at' | 'departure_at' | 'supersedes' | 'superseded_by' | 'withdrawn_by' | 'withdrawn_at' | 'withdrawal_reason'> &
      Partial<Pick<InboxRow, 'arrival_at' | 'departure_at' | 'supersedes' | 'withdrawal_reason'>>,
  ): void {
    this
      .prepare(
        `INSERT INTO inbox (from_ep, id, type, to_json, case_ref, in_reply_to, issued_at, expires_at, digest, record, receipt, received_at, topic, partition, offset, arrival_at, departure_at, supersedes, withdrawal_reason)
         VALUES (@from_ep, @id, @type, @to_json, @case_ref, @in_reply_to, @issued_at, @expires_at, @digest, @record, @receipt, @received_at, @topic, @partition, @offset, @arrival_at, @departure_at, @supersedes, @withdrawal_reason)`,
      )
      .run({ arrival_at: null, departure_at: null, supersedes: null, withdrawal_reason: null, ...row });
  }

  /** Records the match hashes of a received alert's travel documents. */
  insertAlertDocuments(from: string, id: string, hashes: readonly string[]): void {
    const insert = this.prepare('INSERT OR IGNORE INTO alert_documents (doc_hash, from_ep, id) VALUES (?, ?, ?)');
    for (const h of hashes) insert.run(h, from, id);
  }

  /** Received alerts from senders other than `from` sharing a travel document hash with `hashes`. */
  alertsSharingDocument(hashes: readonly string[], from: string): { from_ep: string; id: string; type: string; case_ref: string | null; arrival_at: number; departure_at: number | null }[] {
    if (hashes.length === 0) return [];
    return this.prepare(
      `SELECT DISTINCT i.from_ep, i.id, i.type, i.case_ref, i.arrival_at, i.departure_at, i.received_at FROM alert_documents d JOIN inbox i ON i.from_ep = d.from_ep AND i.id = d.id
       WHERE d.doc_hash IN (${hashes.map(() => '?').join(',')}) AND d.from_ep != ? AND i.arrival_at IS NOT NULL ORDER BY i.received_at, i.from_ep, i.id`,
    ).all(...hashes, from) as { from_ep: string; id: string; type: string; case_ref: string | null; arrival_at: number; departure_at: number | null }[];
  }

  /** Links two received alerts both ways; whether the link is new. */
  linkPossibleDuplicates(a: { from: string; id: string }, b: { from: string; id: string }, at: number): boolean {
    const link = this.prepare('INSERT OR IGNORE INTO possible_duplicates (from_ep, id, other_from, other_id, linked_at) VALUES (?, ?, ?, ?, ?)');
    const added = link.run(a.from, a.id, b.from, b.id, at).changes > 0;
    link.run(b.from, b.id, a.from, a.id, at);
    return added;
  }

  /** The received alerts linked to this one, of `types`, oldest first (the first {@link MAX_POSSIBLE_DUPLICATES_SHOWN}). */
  possibleDuplicates(from: string, id: string, types: readonly string[]): PossibleDuplicateRow[] {
    if (types.length === 0) return [];
    return this.prepare(
      `SELECT i.from_ep, i.id, i.type, i.received_at, p.linked_at FROM possible_duplicates p JOIN inbox i ON i.from_ep = p.other_from AND i.id = p.other_id
       WHERE p.from_ep = ? AND p.id = ? AND i.type IN (${types.map(() => '?').join(',')}) ORDER BY i.received_at, i.from_ep, i.id LIMIT ?`,
    ).all(from, id, ...types, MAX_POSSIBLE_DUPLICATES_SHOWN) as PossibleDuplicateRow[];
  }

  markInboxRead(from: string, id: string, at: number): boolean {
    return this.prepare('UPDATE inbox SET read_at = ? WHERE from_ep = ? AND id = ? AND read_at IS NULL').run(at, from, id).changes > 0;
  }

  addInboxResponse(from: string, id: string, responseId: string): void {
    const row = this.inboxByKey(from, id);
    if (!row) return;
    const ids = JSON.parse(row.response_ids) as string[];
    this.prepare('UPDATE inbox SET response_ids = ? WHERE from_ep = ? AND id = ?').run(JSON.stringify([...ids, responseId]), from, id);
  }

  listInbox(q: { types: readonly string[]; status?: 'unread' | 'read' | 'responded'; since?: number; after?: { receivedAt: number; from: string; id: string }; limit: number }): InboxRow[] {
    // Only current versions: a corrected one is reached through its correction's history, a
    // withdrawal shows as the withdrawn flag of its alert.
    const where = [`type IN (${q.types.map(() => '?').join(',')})`, "superseded_by IS NULL AND type != 'offender-alert-withdrawal'"];
    const args: unknown[] = [...q.types];
    // The states are exclusive, in this order: responded (an answer was sent, opened or not), read, unread.
    // The summaries' `status` (app.ts inboxStatus) is the same definition.
    // The states of lifecycle.ts inboxStatus, exactly: answered beats opened beats neither.
    if (q.status === 'responded') where.push("response_ids != '[]'");
    if (q.status === 'read') where.push("response_ids = '[]' AND read_at IS NOT NULL");
    if (q.status === 'unread') where.push("response_ids = '[]' AND read_at IS NULL");
    if (q.since !== undefined) {
      where.push('received_at >= ?');
      args.push(q.since);
    }
    if (q.after) {
      where.push('(received_at, from_ep, id) > (?, ?, ?)');
      args.push(q.after.receivedAt, q.after.from, q.after.id);
    }
    args.push(q.limit);
    return this.prepare(`SELECT * FROM inbox WHERE ${where.join(' AND ')} ORDER BY received_at, from_ep, id LIMIT ?`).all(...args) as InboxRow[];
  }

  /** Sent alerts' recipients that may be due for escalation at `nowMs` (lifecycle.ts escalationDue decides). */
  sentEscalationCandidates(nowMs: number, escalateMs: number): { message_id: string; endpoint: string; type: string; arrival_at: number; departure_at: number | null }[] {
    return this.prepare(
      `SELECT r.message_id, r.endpoint, s.type, s.arrival_at, s.departure_at FROM sent_recipients r JOIN sent s ON s.id = r.message_id
       WHERE s.arrival_at IS NOT NULL AND s.arrival_at <= ? AND r.escalated_at IS NULL AND r.response_ids = '[]' AND r.rejected_reason IS NULL
       AND s.superseded_by IS NULL AND s.withdrawn_by IS NULL`,
    ).all(nowMs + escalateMs) as { message_id: string; endpoint: string; type: string; arrival_at: number; departure_at: number | null }[];
  }

  /** Received alerts that may be due for escalation at `nowMs`. */
  inboxEscalationCandidates(nowMs: number, escalateMs: number): { from_ep: string; id: string; type: string; arrival_at: number; departure_at: number | null }[] {
    return this.prepare(
      `SELECT from_ep, id, type, arrival_at, departure_at FROM inbox WHERE arrival_at IS NOT NULL AND arrival_at <= ? AND escalated_at IS NULL AND response_ids = '[]'
       AND superseded_by IS NULL AND withdrawn_by IS NULL`,
    ).all(nowMs + escalateMs) as { from_ep: string; id: string; type: string; arrival_at: number; departure_at: number | null }[];
  }

  /** Whether this call set the flag (an escalation is recorded once). */
  markRecipientEscalated(messageId: string, endpoint: string, at: number): boolean {
    return this.prepare('UPDATE sent_recipients SET escalated_at = ? WHERE message_id = ? AND endpoint = ? AND escalated_at IS NULL').run(at, messageId, endpoint).changes > 0;
  }

  markInboxEscalated(from: string, id: string, at: number): boolean {
    return this.prepare('UPDATE inbox SET escalated_at = ? WHERE from_ep = ? AND id = ? AND escalated_at IS NULL').run(at, from, id).changes > 0;
  }

  /** When the first of these responses was received from `from` (null: none stored). */
  firstResponseReceivedAt(from: string, ids: readonly string[]): number | null {
    if (ids.length === 0) return null;
    const row = this.prepare(`SELECT min(received_at) AS at FROM inbox WHERE from_ep = ? AND id IN (${ids.map(() => '?').join(',')})`).get(from, ...ids) as { at: number | null };
    return row.at;
  }

  /** When the first of these responses was sent from here (null: none stored). */
  firstResponseSentAt(ids: readonly string[]): number | null {
    if (ids.length === 0) return null;
    const row = this.prepare(`SELECT min(created_at) AS at FROM sent WHERE id IN (${ids.map(() => '?').join(',')})`).get(...ids) as { at: number | null };
    return row.at;
  }

  seenReceipt(from: string, id: string): { digest: string } | undefined {
    return this.prepare('SELECT digest FROM receipts_seen WHERE from_ep = ? AND id = ?').get(from, id) as { digest: string } | undefined;
  }

  insertReceiptSeen(from: string, id: string, digest: string): void {
    this.prepare('INSERT INTO receipts_seen (from_ep, id, digest) VALUES (?, ?, ?)').run(from, id, digest);
  }

  caseParties(caseRef: string): string[] | undefined {
    const row = this.prepare('SELECT parties_json FROM cases WHERE case_ref = ?').get(caseRef) as { parties_json: string } | undefined;
    return row ? (JSON.parse(row.parties_json) as string[]) : undefined;
  }

  openCase(caseRef: string, parties: readonly string[], openedBy: string, firstMessageId: string): void {
    this.prepare('INSERT OR IGNORE INTO cases (case_ref, parties_json, opened_by, first_message_id) VALUES (?, ?, ?, ?)').run(caseRef, JSON.stringify([...parties].sort()), openedBy, firstMessageId);
  }

  /** One page of a case's messages of `types`, in `(issued_at, id)` order, after the cursor position. */
  caseMessages(
    caseRef: string,
    q: { types: readonly string[]; limit: number; after?: { issuedAt: string; id: string } },
  ): { direction: 'sent' | 'received'; id: string; from: string | null; type: string; issued_at: string }[] {
    const types = q.types.map(() => '?').join(',');
    const after = q.after ? 'WHERE (issued_at, id) > (?, ?)' : '';
    return this.prepare(
      `SELECT * FROM (SELECT 'sent' AS direction, id, NULL AS "from", type, issued_at FROM sent WHERE case_ref = ? AND type IN (${types})
       UNION ALL SELECT 'received', id, from_ep, type, issued_at FROM inbox WHERE case_ref = ? AND type IN (${types}))
       ${after} ORDER BY issued_at, id LIMIT ?`,
    ).all(caseRef, ...q.types, caseRef, ...q.types, ...(q.after ? [q.after.issuedAt, q.after.id] : []), q.limit) as {
      direction: 'sent' | 'received';
      id: string;
      from: string | null;
      type: string;
      issued_at: string;
    }[];
  }

  /** Every endpoint named by a case's messages of `types` (`me` for what this endpoint sent): the parties of a case with no opening notice here. */
  caseEndpoints(caseRef: string, types: readonly string[], me: string): string[] {
    const marks = types.map(() => '?').join(',');
    const rows = this.prepare(
      `SELECT ? AS "from", to_json FROM sent WHERE case_ref = ? AND type IN (${marks}) UNION ALL SELECT from_ep, to_json FROM inbox WHERE case_ref = ? AND type IN (${marks})`,
    ).all(me, caseRef, ...types, caseRef, ...types) as { from: string; to_json: string }[];
    return [...new Set(rows.flatMap((r) => [r.from, ...(JSON.parse(r.to_json) as string[])]))].sort();
  }

  /**
   * A new case reference under `endpoint`'s prefix for `year`, never used before at this gateway
   * (numbers an officer chose by hand are skipped). Committed at once, before the notice is
   * signed, so two submissions in flight never get the same one.
   */
  allocateCaseRef(endpoint: string, year: number): string {
    const prefix = `${endpoint}-${String(year).padStart(4, '0')}`;
    const next = this.prepare('INSERT INTO case_numbers (prefix, last) VALUES (?, 1) ON CONFLICT (prefix) DO UPDATE SET last = last + 1 RETURNING last');
    const used = this.prepare('SELECT 1 FROM cases WHERE case_ref = @ref UNION ALL SELECT 1 FROM sent WHERE case_ref = @ref UNION ALL SELECT 1 FROM inbox WHERE case_ref = @ref LIMIT 1');
    return this.db.transaction(() => {
      for (;;) {
        const n = (next.get(prefix) as { last: number }).last;
        if (n > 999_999) throw new MxError('UNAVAILABLE', `no case numbers left under ${prefix}`);
        const ref = formatCaseRef(endpoint, year, n);
        if (used.get({ ref }) === undefined) return ref;
      }
    })();
  }

  /** The stored answer to an officer's request with this Idempotency-Key, if made after `notBefore`. */
  idempotentAnswer(officer: string, key: string, notBefore: number): { fingerprint: string; response: string } | undefined {
    return this.prepare('SELECT fingerprint, response FROM idempotency_keys WHERE officer = ? AND key = ? AND created_at >= ?').get(officer, key, notBefore) as
      | { fingerprint: string; response: string }
      | undefined;
  }

  /** Stores an answer under its Idempotency-Key (inside the commit of the message) and forgets expired ones. */
  rememberIdempotent(officer: string, key: string, fingerprint: string, messageId: string, response: string, at: number, expiredBefore: number): void {
    this.prepare('DELETE FROM idempotency_keys WHERE created_at < ?').run(expiredBefore);
    this.prepare('INSERT OR REPLACE INTO idempotency_keys (officer, key, fingerprint, message_id, response, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(officer, key, fingerprint, messageId, response, at);
  }

  /** A new dead letter; its id, or undefined when this offset was quarantined before. */
  insertDeadLetter(row: Omit<DeadLetterRow, 'id' | 'parked_as' | 'readmitted_at' | 'parked'>): number | undefined {
    const r = this.prepare(
      'INSERT OR IGNORE INTO dead_letters (topic, partition, offset, digest, reason_code, from_ep, message_id, at) VALUES (@topic, @partition, @offset, @digest, @reason_code, @from_ep, @message_id, @at)',
    ).run(row);
    return r.changes > 0 ? Number(r.lastInsertRowid) : undefined;
  }

  /** A parked record re-examined fails now for another reason: its dead letter takes that reason. */
  requarantineDeadLetter(id: number, row: { reason_code: string; from_ep: string | null; message_id: string | null }): void {
    this.prepare('UPDATE dead_letters SET reason_code = ?, from_ep = coalesce(?, from_ep), message_id = coalesce(?, message_id) WHERE id = ?').run(row.reason_code, row.from_ep, row.message_id, id);
    this.unpark(id);
  }

  /** Dead letters after entry `afterId`, quarantined at or after `since` (epoch ms) when given. */
  listDeadLetters(afterId: number, limit: number, since?: number): DeadLetterRow[] {
    const cols = 'd.*, EXISTS (SELECT 1 FROM parked_records p WHERE p.dead_letter_id = d.id) AS parked';
    if (since === undefined) return this.prepare(`SELECT ${cols} FROM dead_letters d WHERE d.id > ? ORDER BY d.id LIMIT ?`).all(afterId, limit) as DeadLetterRow[];
    return this.prepare(`SELECT ${cols} FROM dead_letters d WHERE d.id > ? AND d.at >= ? ORDER BY d.id LIMIT ?`).all(afterId, since, limit) as DeadLetterRow[];
  }

  /**
   * Keeps a dead letter's bytes for re-examination. Beyond `limits.records` parked records or
   * `limits.bytes` parked bytes the oldest leave the park (their dead letters stay); returns how
   * many did.
   */
  park(deadLetterId: number, reasonCode: string, record: Buffer, firstReceivedAt: number, limits: { records: number; bytes: number }): number {
    this.prepare('UPDATE dead_letters SET parked_as = ? WHERE id = ?').run(reasonCode, deadLetterId);
    this.prepare('INSERT OR REPLACE INTO parked_records (dead_letter_id, record, bytes, first_received_at) VALUES (?, ?, ?, ?)').run(deadLetterId, record, record.length, firstReceivedAt);
    const total = this.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM parked_records').get() as { n: number; b: number };
    if (total.n <= limits.records && total.b <= limits.bytes) return 0;
    return this.prepare(
      `DELETE FROM parked_records WHERE dead_letter_id IN (
         SELECT dead_letter_id FROM (
           SELECT dead_letter_id, sum(bytes) OVER (ORDER BY dead_letter_id DESC) AS kept_bytes, row_number() OVER (ORDER BY dead_letter_id DESC) AS kept
           FROM parked_records)
         WHERE kept > ? OR kept_bytes > ?)`,
    ).run(limits.records, limits.bytes).changes;
  }

  unpark(deadLetterId: number): void {
    this.prepare('DELETE FROM parked_records WHERE dead_letter_id = ?').run(deadLetterId);
  }

  /** A parked record was admitted: it leaves the park, its dead letter shows when. */
  markReadmitted(deadLetterId: number, at: number): void {
    this.prepare('UPDATE dead_letters SET readmitted_at = coalesce(readmitted_at, ?) WHERE id = ?').run(at, deadLetterId);
    this.unpark(deadLetterId);
  }

  /** Drops parked records first received before `before` (they could only fail TOO_OLD now); returns how many. */
  expireParked(before: number): number {
    return this.prepare('DELETE FROM parked_records WHERE first_received_at < ?').run(before).changes;
  }

  /** Parked records after `afterId`, oldest first. */
  listParked(afterId: number, limit: number): ParkedRow[] {
    return this.prepare(
      `SELECT p.dead_letter_id, d.topic, d.partition, d.offset, d.digest, d.reason_code, p.record, p.first_received_at
       FROM parked_records p JOIN dead_letters d ON d.id = p.dead_letter_id WHERE p.dead_letter_id > ? ORDER BY p.dead_letter_id LIMIT ?`,
    ).all(afterId, limit) as ParkedRow[];
  }

  parkedCount(): number {
    return (this.prepare('SELECT count(*) AS n FROM parked_records').get() as { n: number }).n;
  }

  /** Records a message's statistical facts, inside the commit that stores the message. */
  insertNoticeFacts(f: NoticeFactsRow): void {
    this.prepare(
      `INSERT OR IGNORE INTO notice_facts (from_ep, message_id, direction, type, month, issued_at, in_reply_to, age_band, sex, forms_json, crossing, step, effective_at)
       VALUES (@from_ep, @message_id, @direction, @type, @month, @issued_at, @in_reply_to, @age_band, @sex, @forms_json, @crossing, @step, @effective_at)`,
    ).run(f);
  }

  /** The classes of every victim notice sent or received, issued in months `from`..`to` (`YYYY-MM`). */
  victimNoticeClasses(from: string, to: string): { direction: string; month: string; age_band: string; sex: string; forms_json: string; crossing: string }[] {
    return this.prepare(
      // A corrected notice counts once, with the classes of its current version (the month of that version).
      `SELECT direction, month, age_band, sex, forms_json, crossing FROM notice_facts f WHERE type = 'victim-repatriation-notice' AND month BETWEEN ? AND ?
       AND NOT EXISTS (SELECT 1 FROM sent s WHERE f.direction = 'sent' AND s.id = f.message_id AND s.superseded_by IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM inbox i WHERE f.direction = 'received' AND i.from_ep = f.from_ep AND i.id = f.message_id AND i.superseded_by IS NOT NULL)`,
    ).all(from, to) as { direction: string; month: string; age_band: string; sex: string; forms_json: string; crossing: string }[];
  }

  /**
   * For each victim notice issued in months `from`..`to`, the earliest `effectiveAt` of each step
   * the other side of the exchange reported for it (a status update answering the notice).
   */
  repatriationStepTimes(from: string, to: string): { direction: string; month: string; issued_at: number; step: string; effective_at: number }[] {
    return this.prepare(
      `SELECT n.direction, n.month, n.issued_at, u.step, min(u.effective_at) AS effective_at
       FROM notice_facts n JOIN notice_facts u ON u.in_reply_to = n.message_id AND u.type = 'repatriation-status-update' AND u.direction != n.direction
       WHERE n.type = 'victim-repatriation-notice' AND n.month BETWEEN ? AND ?
       GROUP BY n.from_ep, n.message_id, u.step`,
    ).all(from, to) as { direction: string; month: string; issued_at: number; step: string; effective_at: number }[];
  }

  /** Offender alerts received, issued in months `from`..`to`: sender, travel and when each was stored here. */
  receivedAlertDeliveries(from: string, to: string): { counterpart: string; month: string; delivered_at: number; arrival_at: number; departure_at: number | null }[] {
    return this.prepare(
      `SELECT from_ep AS counterpart, substr(issued_at, 1, 7) AS month, received_at AS delivered_at, arrival_at, departure_at FROM inbox
       WHERE type = 'offender-travel-alert' AND arrival_at IS NOT NULL AND substr(issued_at, 1, 7) BETWEEN ? AND ?`,
    ).all(from, to) as { counterpart: string; month: string; delivered_at: number; arrival_at: number; departure_at: number | null }[];
  }

  /** Offender alerts sent, issued in months `from`..`to`, per recipient: travel, delivery receipt time and rejection. */
  sentAlertDeliveries(from: string, to: string): { counterpart: string; month: string; delivered_at: number | null; rejected_reason: string | null; arrival_at: number; departure_at: number | null }[] {
    return this.prepare(
      `SELECT r.endpoint AS counterpart, substr(s.issued_at, 1, 7) AS month, r.delivered_at, r.rejected_reason, s.arrival_at, s.departure_at
       FROM sent s JOIN sent_recipients r ON r.message_id = s.id
       WHERE s.type = 'offender-travel-alert' AND s.arrival_at IS NOT NULL AND substr(s.issued_at, 1, 7) BETWEEN ? AND ?`,
    ).all(from, to) as { counterpart: string; month: string; delivered_at: number | null; rejected_reason: string | null; arrival_at: number; departure_at: number | null }[];
  }

  /**
   * Messages of `types` issued in months `from`..`to` and answered: `received` ones from when they
   * were stored here to when the first answer was signed here; `sent` ones, per recipient, from
   * when its delivery receipt was verified here to when its first answer was stored here.
   */
  answeredMessages(types: readonly string[], from: string, to: string): { direction: 'sent' | 'received'; type: string; month: string; received_at: number; responded_at: number }[] {
    if (types.length === 0) return [];
    const marks = types.map(() => '?').join(',');
    return this.prepare(
      `SELECT * FROM (
         SELECT 'received' AS direction, i.type, substr(i.issued_at, 1, 7) AS month, i.received_at,
                (SELECT min(s.created_at) FROM json_each(i.response_ids) j JOIN sent s ON s.id = j.value) AS responded_at
         FROM inbox i WHERE i.type IN (${marks}) AND i.response_ids != '[]' AND substr(i.issued_at, 1, 7) BETWEEN ? AND ?
         UNION ALL
         SELECT 'sent', s.type, substr(s.issued_at, 1, 7), r.delivered_at,
                (SELECT min(i.received_at) FROM json_each(r.response_ids) j JOIN inbox i ON i.from_ep = r.endpoint AND i.id = j.value)
         FROM sent s JOIN sent_recipients r ON r.message_id = s.id
         WHERE s.type IN (${marks}) AND r.delivered_at IS NOT NULL AND r.rejected_reason IS NULL AND r.response_ids != '[]' AND substr(s.issued_at, 1, 7) BETWEEN ? AND ?
       ) WHERE responded_at IS NOT NULL`,
    ).all(...types, from, to, ...types, from, to) as { direction: 'sent' | 'received'; type: string; month: string; received_at: number; responded_at: number }[];
  }
}
