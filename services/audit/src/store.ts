/**
 * The audit store: one SQLite file holding the Merkle log (leaves and complete nodes, tables
 * `merkle_*`, see merkle/sqlite-store.ts) and, beside it,
 *
 * - `events`: the index of every leaf (event id = digest of the exact bytes, gateway, seq, prev
 *   digest, action, message id and type, the event's own time);
 * - `gaps`: holes and broken links in each gateway's sequence chain, maintained on every append;
 * - `quarantine`: records from `mx.audit` that failed verification (metadata; for `UNKNOWN_KEY`
 *   also the exact bytes and the broker append time, so the record can be verified again once the
 *   trust registry learns its key, and re-admitted: the row stays, marked, as history);
 * - `gateway_heads`: per gateway, the highest seq and its newest event's times (lag, silence);
 * - `checkpoints`: every signed checkpoint; `checkpoint_refusals`: every refused signing.
 *
 * A leaf, its index row and its gap bookkeeping are written in one transaction, so the index never
 * names a leaf that is not in the tree and a redelivered record (same digest) is a no-op.
 */
import type Database from 'better-sqlite3';
import { MerkleLog } from './merkle/index.ts';
import type { AuditEvent } from './event.ts';
import type { SignedCheckpoint } from './checkpoint-key.ts';

/** One row of the event index. */
export interface EventRow {
  leaf_index: number;
  event_id: string;
  leaf_hash: Buffer;
  gateway: string;
  seq: number;
  prev_digest: string | null;
  action: string;
  message_id: string | null;
  message_type: string | null;
  at: string;
  logged_at: number;
}

/** One quarantined record (metadata only). */
export interface QuarantineRow {
  id: number;
  topic: string;
  partition: number;
  offset: string;
  digest: string;
  reason_code: string;
  gateway: string | null;
  at: number;
  /** When the record was verified again and appended (ms), with its leaf index. */
  readmitted_at: number | null;
  leaf_index: number | null;
}

/** A quarantined record that may verify once the trust registry learns its key. */
export interface PendingRecord {
  id: number;
  bytes: Buffer;
  /** The broker's append time (ms): revocation is judged as of it, as on first ingest. */
  appended_at: number;
}

/** Where a gateway's trail stands. */
export interface GatewayHeadRow {
  gateway: string;
  last_seq: number;
  /** `issuedAt` of the newest appended event (by broker append time); null for stores older than the column. */
  last_issued_at: string | null;
  /** Broker append time of that event (ms). */
  last_appended_at: number;
}

/** A gap in a gateway's chain. */
export type GapKind = 'missing' | 'chain-mismatch' | 'conflict';

export interface GapRow {
  id: number;
  gateway: string;
  kind: GapKind;
  from_seq: number;
  to_seq: number;
  detected_at: number;
}

/** A refused checkpoint signing. */
export interface RefusalRow {
  id: number;
  at: number;
  tree_size: number;
  problem: string;
}

/** Filters of {@link AuditStore.listEvents}. */
export interface EventFilter {
  messageId?: string;
  gateway?: string;
  messageType?: string;
  action?: string;
  fromMs?: number;
  untilMs?: number;
}

interface CheckpointRow {
  tree_size: number;
  origin: string;
  root_hash: Buffer;
  time: string;
  signature: string;
}

/** What {@link AuditStore.appendEvent} did. */
export type AppendOutcome = { kind: 'appended'; index: number; leafHash: Buffer } | { kind: 'duplicate'; index: number };

export class AuditStore {
  readonly db: Database.Database;
  readonly log: MerkleLog;
  readonly #s: ReturnType<typeof prepareStatements>;

  constructor(db: Database.Database) {
    this.db = db;
    this.log = new MerkleLog(db);
    const hadHeads = db.prepare<[], number>(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'gateway_heads'`).pluck().get() === 1;
    db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        leaf_index INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        leaf_hash BLOB NOT NULL,
        gateway TEXT NOT NULL,
        seq INTEGER NOT NULL,
        prev_digest TEXT,
        action TEXT NOT NULL,
        message_id TEXT,
        message_type TEXT,
        at TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        logged_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS events_by_message ON events (message_id, at_ms, leaf_index) WHERE message_id IS NOT NULL;
      CREATE INDEX IF NOT EXISTS events_by_gateway_seq ON events (gateway, seq, leaf_index);
      CREATE INDEX IF NOT EXISTS events_by_time ON events (at_ms, leaf_index);
      CREATE TABLE IF NOT EXISTS gaps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        gateway TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('missing', 'chain-mismatch', 'conflict')),
        from_seq INTEGER NOT NULL,
        to_seq INTEGER NOT NULL,
        detected_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS gaps_by_gateway ON gaps (gateway, from_seq);
      CREATE TABLE IF NOT EXISTS quarantine (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        topic TEXT NOT NULL,
        partition INTEGER NOT NULL,
        "offset" TEXT NOT NULL,
        digest TEXT NOT NULL,
        reason_code TEXT NOT NULL,
        gateway TEXT,
        at INTEGER NOT NULL,
        UNIQUE (topic, partition, "offset")
      );
      CREATE TABLE IF NOT EXISTS checkpoints (
        tree_size INTEGER PRIMARY KEY,
        origin TEXT NOT NULL,
        root_hash BLOB NOT NULL,
        time TEXT NOT NULL,
        signature TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS checkpoint_refusals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        tree_size INTEGER NOT NULL,
        problem TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS gateway_heads (
        gateway TEXT PRIMARY KEY,
        last_seq INTEGER NOT NULL,
        last_issued_at TEXT,
        last_appended_at INTEGER NOT NULL
      );
    `);
    // Stores made before re-examination existed: the quarantine gains its columns (empty for old rows).
    const quarantineColumns = new Set(db.prepare<[], { name: string }>('PRAGMA table_info(quarantine)').all().map((c) => c.name));
    for (const [column, decl] of [['bytes', 'BLOB'], ['appended_at', 'INTEGER'], ['readmitted_at', 'INTEGER'], ['leaf_index', 'INTEGER']] as const) {
      if (!quarantineColumns.has(column)) db.exec(`ALTER TABLE quarantine ADD COLUMN ${column} ${decl}`);
    }
    db.exec(`CREATE INDEX IF NOT EXISTS quarantine_pending ON quarantine (id) WHERE reason_code = 'UNKNOWN_KEY' AND readmitted_at IS NULL AND bytes IS NOT NULL`);
    if (!hadHeads) {
      // A store older than the table: its heads from the index, the log time standing in for the broker's.
      db.exec('INSERT OR IGNORE INTO gateway_heads (gateway, last_seq, last_issued_at, last_appended_at) SELECT gateway, max(seq), NULL, max(logged_at) FROM events GROUP BY gateway');
    }
    this.#s = prepareStatements(db);
    this.#groupTx = db.transaction((works: readonly (() => void)[]) => {
      for (const work of works) work();
    });
    this.#appendTx = db.transaction((bytes: Uint8Array, e: IndexedEvent, now: number) => this.#append(bytes, e, now));
    this.#readmitTx = db.transaction((id: number, bytes: Uint8Array, e: IndexedEvent, now: number) => {
      const outcome = this.#append(bytes, e, now);
      this.#s.markReadmitted.run(now, outcome.index, e.body.gateway, id);
      return outcome;
    });
  }

  readonly #appendTx: Database.Transaction<(bytes: Uint8Array, e: IndexedEvent, now: number) => AppendOutcome>;
  readonly #groupTx: Database.Transaction<(works: readonly (() => void)[]) => void>;
  readonly #readmitTx: Database.Transaction<(id: number, bytes: Uint8Array, e: IndexedEvent, now: number) => AppendOutcome>;

  /**
   * Appends a verified event's exact bytes as a leaf, indexes it and updates its gateway's gap
   * bookkeeping, all in one IMMEDIATE transaction. The same bytes again are a no-op.
   */
  appendEvent(bytes: Uint8Array, event: IndexedEvent, now = Date.now()): AppendOutcome {
    return this.#appendTx.immediate(bytes, event, now);
  }

  /**
   * Appends a quarantined record that verifies now (as {@link appendEvent}) and marks its
   * quarantine row re-admitted with the leaf index, in one transaction. Bytes already in the log
   * (the record redelivered meanwhile) add no leaf; the row is marked all the same.
   */
  readmit(id: number, bytes: Uint8Array, event: IndexedEvent, now = Date.now()): AppendOutcome {
    return this.#readmitTx.immediate(id, bytes, event, now);
  }

  /**
   * Runs several appends ({@link appendEvent}, each then a savepoint) in one IMMEDIATE
   * transaction: one commit, one fsync for the group. A throw rolls all of them back.
   */
  commitAll(works: readonly (() => void)[]): void {
    this.#groupTx.immediate(works);
  }

  /** Leaf index of an event id, if logged. */
  indexOfEvent(eventId: string): number | undefined {
    return this.#s.eventById.get(eventId)?.leaf_index;
  }

  #append(bytes: Uint8Array, e: IndexedEvent, now: number): AppendOutcome {
    const existing = this.#s.eventById.get(e.eventId);
    if (existing !== undefined) return { kind: 'duplicate', index: existing.leaf_index };
    this.#trackChain(e, now);
    const { index, leafHash } = this.log.append(bytes);
    const b = e.body;
    this.#s.insertEvent.run({
      leaf_index: index,
      event_id: e.eventId,
      leaf_hash: leafHash,
      gateway: b.gateway,
      seq: b.seq,
      prev_digest: b.prevDigest,
      action: b.action,
      message_id: b.messageId ?? null,
      message_type: b.messageType ?? null,
      at: b.at,
      at_ms: Date.parse(b.at),
      logged_at: now,
    });
    // A late event (a re-admitted one keeps its original append time) does not move the head forward in time.
    this.#s.upsertHead.run({ gateway: b.gateway, seq: b.seq, issued_at: e.issuedAt ?? null, appended_at: e.appendedAt ?? now });
    return { kind: 'appended', index, leafHash };
  }

  /**
   * Completeness: compares the event with what its gateway has logged so far (before it is
   * inserted) and records what does not fit. Events of one gateway normally arrive in order (one
   * partition per gateway key); a late event fills its hole and is checked against both neighbours.
   */
  #trackChain(e: IndexedEvent, now: number): void {
    const { gateway, seq, prevDigest } = e.body;
    const s = this.#s;
    const addGap = (kind: GapKind, from: number, to: number): void => {
      if (s.gapExists.get(gateway, kind, from, to) === undefined) s.insertGap.run(gateway, kind, from, to, now);
    };
    const linkFromPrevious = (): void => {
      if (seq <= 1) return;
      const previous = s.atSeq.all(gateway, seq - 1);
      if (previous.length > 0 && !previous.some((p) => p.event_id === prevDigest)) addGap('chain-mismatch', seq - 1, seq);
    };
    const maxSeq = s.maxSeq.get(gateway) ?? 0;
    if (s.atSeq.all(gateway, seq).length > 0) {
      // A different event with a sequence number already logged: the gateway's trail forked.
      addGap('conflict', seq, seq);
      return;
    }
    if (seq > maxSeq + 1) {
      addGap('missing', maxSeq + 1, seq - 1);
      return;
    }
    if (seq <= maxSeq) {
      // A late event filling (part of) a hole.
      const hole = s.missingGapAt.get(gateway, seq, seq);
      if (hole !== undefined) {
        s.deleteGap.run(hole.id);
        if (hole.from_seq <= seq - 1) s.insertGap.run(gateway, 'missing', hole.from_seq, seq - 1, hole.detected_at);
        if (seq + 1 <= hole.to_seq) s.insertGap.run(gateway, 'missing', seq + 1, hole.to_seq, hole.detected_at);
      }
      linkFromPrevious();
      for (const next of s.atSeq.all(gateway, seq + 1)) {
        if (next.prev_digest !== e.eventId) addGap('chain-mismatch', seq, seq + 1);
      }
      return;
    }
    linkFromPrevious();
  }

  /**
   * Records an unverifiable record; the same (topic, partition, offset) again is a no-op. `bytes`
   * and `appendedAt` are kept only for a record worth verifying again (`UNKNOWN_KEY`).
   */
  quarantine(r: Omit<QuarantineRow, 'id' | 'readmitted_at' | 'leaf_index'>, keep?: { bytes: Uint8Array; appendedAt: number }): boolean {
    return this.#s.insertQuarantine.run(r.topic, r.partition, r.offset, r.digest, r.reason_code, r.gateway, r.at, keep ? Buffer.from(keep.bytes) : null, keep?.appendedAt ?? null).changes > 0;
  }

  /** `UNKNOWN_KEY` records not re-admitted yet, in arrival order, after quarantine id `afterId`. */
  pendingUnknownKey(afterId: number, limit: number): PendingRecord[] {
    return this.#s.pendingAfter.all(afterId, limit);
  }

  /**
   * A pending record that, its key now known, fails for another reason: that reason replaces
   * `UNKNOWN_KEY` and the bytes are dropped, as for any other quarantined record.
   */
  settleQuarantine(id: number, reasonCode: string, gateway: string | null): void {
    this.#s.settleQuarantine.run(reasonCode, gateway, id);
  }

  readmittedCount(): number {
    return this.#s.readmittedCount.get() ?? 0;
  }

  /** Every gateway with at least one logged event. */
  gatewayHeads(): GatewayHeadRow[] {
    return this.#s.heads.all();
  }

  listQuarantine(afterId: number, limit: number): QuarantineRow[] {
    return this.#s.quarantineAfter.all(afterId, limit);
  }

  quarantineCount(): number {
    return this.#s.quarantineCount.get() ?? 0;
  }

  listGaps(gateway: string | undefined, limit: number): GapRow[] {
    return gateway === undefined ? this.#s.gapsAll.all(limit) : this.#s.gapsOf.all(gateway, limit);
  }

  gapCount(): number {
    return this.#s.gapCount.get() ?? 0;
  }

  /** Events in log order after `afterIndex`, filtered. */
  listEvents(filter: EventFilter, afterIndex: number, limit: number): EventRow[] {
    const where = ['leaf_index > @after'];
    const params: Record<string, unknown> = { after: afterIndex, limit };
    if (filter.messageId !== undefined) (where.push('message_id = @messageId'), (params.messageId = filter.messageId));
    if (filter.gateway !== undefined) (where.push('gateway = @gateway'), (params.gateway = filter.gateway));
    if (filter.messageType !== undefined) (where.push('message_type = @messageType'), (params.messageType = filter.messageType));
    if (filter.action !== undefined) (where.push('action = @action'), (params.action = filter.action));
    if (filter.fromMs !== undefined) (where.push('at_ms >= @fromMs'), (params.fromMs = filter.fromMs));
    if (filter.untilMs !== undefined) (where.push('at_ms < @untilMs'), (params.untilMs = filter.untilMs));
    return this.db.prepare<[Record<string, unknown>], EventRow>(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY leaf_index LIMIT @limit`).all(params);
  }

  /** A message's events in time order (`at`, then leaf index). */
  messageEvents(messageId: string, limit: number): EventRow[] {
    return this.#s.messageEvents.all(messageId, limit);
  }

  eventAt(index: number): EventRow | undefined {
    return this.#s.eventByIndex.get(index);
  }

  eventById(eventId: string): EventRow | undefined {
    return this.#s.eventByEventId.get(eventId);
  }

  insertCheckpoint(cp: SignedCheckpoint): void {
    this.#s.insertCheckpoint.run(cp.treeSize, cp.origin, Buffer.from(cp.rootHash, 'base64'), cp.time, cp.signature);
  }

  latestCheckpoint(): SignedCheckpoint | undefined {
    const row = this.#s.latestCheckpoint.get();
    return row === undefined ? undefined : toCheckpoint(row);
  }

  checkpointsAfter(treeSize: number, limit: number): SignedCheckpoint[] {
    return this.#s.checkpointsAfter.all(treeSize, limit).map(toCheckpoint);
  }

  allCheckpoints(): SignedCheckpoint[] {
    return this.#s.allCheckpoints.all().map(toCheckpoint);
  }

  recordRefusal(at: number, treeSize: number, problem: string): void {
    this.#s.insertRefusal.run(at, treeSize, problem);
  }
}

/** What the index needs of a verified event. */
export interface IndexedEvent {
  readonly eventId: string;
  readonly body: AuditEvent;
  /** The signed `issuedAt` (the signing time; `body.at` is when the fact was recorded). */
  readonly issuedAt?: string;
  /** The broker's append time of the record (ms); default: now. */
  readonly appendedAt?: number;
}

function toCheckpoint(row: CheckpointRow): SignedCheckpoint {
  return { origin: row.origin, treeSize: row.tree_size, rootHash: row.root_hash.toString('base64'), time: row.time, signature: row.signature };
}

function prepareStatements(db: Database.Database) {
  return {
    eventById: db.prepare<[string], { leaf_index: number }>('SELECT leaf_index FROM events WHERE event_id = ?'),
    insertEvent: db.prepare(
      `INSERT INTO events (leaf_index, event_id, leaf_hash, gateway, seq, prev_digest, action, message_id, message_type, at, at_ms, logged_at)
       VALUES (@leaf_index, @event_id, @leaf_hash, @gateway, @seq, @prev_digest, @action, @message_id, @message_type, @at, @at_ms, @logged_at)`,
    ),
    atSeq: db.prepare<[string, number], { event_id: string; prev_digest: string | null }>('SELECT event_id, prev_digest FROM events WHERE gateway = ? AND seq = ? ORDER BY leaf_index'),
    maxSeq: db.prepare<[string], number | null>('SELECT max(seq) FROM events WHERE gateway = ?').pluck(),
    insertGap: db.prepare('INSERT INTO gaps (gateway, kind, from_seq, to_seq, detected_at) VALUES (?, ?, ?, ?, ?)'),
    missingGapAt: db.prepare<[string, number, number], GapRow>(`SELECT * FROM gaps WHERE gateway = ? AND kind = 'missing' AND from_seq <= ? AND to_seq >= ?`),
    deleteGap: db.prepare('DELETE FROM gaps WHERE id = ?'),
    gapExists: db.prepare<[string, string, number, number], number>('SELECT 1 FROM gaps WHERE gateway = ? AND kind = ? AND from_seq = ? AND to_seq = ?').pluck(),
    insertQuarantine: db.prepare(
      `INSERT OR IGNORE INTO quarantine (topic, partition, "offset", digest, reason_code, gateway, at, bytes, appended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    pendingAfter: db.prepare<[number, number], PendingRecord>(
      `SELECT id, bytes, appended_at FROM quarantine WHERE reason_code = 'UNKNOWN_KEY' AND readmitted_at IS NULL AND bytes IS NOT NULL AND id > ? ORDER BY id LIMIT ?`,
    ),
    markReadmitted: db.prepare('UPDATE quarantine SET readmitted_at = ?, leaf_index = ?, gateway = ?, bytes = NULL WHERE id = ?'),
    settleQuarantine: db.prepare('UPDATE quarantine SET reason_code = ?, gateway = ?, bytes = NULL WHERE id = ?'),
    readmittedCount: db.prepare<[], number>('SELECT count(*) FROM quarantine WHERE readmitted_at IS NOT NULL').pluck(),
    upsertHead: db.prepare(
      `INSERT INTO gateway_heads (gateway, last_seq, last_issued_at, last_appended_at) VALUES (@gateway, @seq, @issued_at, @appended_at)
       ON CONFLICT (gateway) DO UPDATE SET
         last_seq = max(last_seq, excluded.last_seq),
         last_issued_at = CASE WHEN excluded.last_appended_at >= last_appended_at THEN excluded.last_issued_at ELSE last_issued_at END,
         last_appended_at = max(last_appended_at, excluded.last_appended_at)`,
    ),
    heads: db.prepare<[], GatewayHeadRow>('SELECT gateway, last_seq, last_issued_at, last_appended_at FROM gateway_heads ORDER BY gateway'),
    insertCheckpoint: db.prepare('INSERT INTO checkpoints (tree_size, origin, root_hash, time, signature) VALUES (?, ?, ?, ?, ?)'),
    latestCheckpoint: db.prepare<[], CheckpointRow>('SELECT * FROM checkpoints ORDER BY tree_size DESC LIMIT 1'),
    checkpointsAfter: db.prepare<[number, number], CheckpointRow>('SELECT * FROM checkpoints WHERE tree_size > ? ORDER BY tree_size LIMIT ?'),
    allCheckpoints: db.prepare<[], CheckpointRow>('SELECT * FROM checkpoints ORDER BY tree_size'),
    insertRefusal: db.prepare('INSERT INTO checkpoint_refusals (at, tree_size, problem) VALUES (?, ?, ?)'),
    messageEvents: db.prepare<[string, number], EventRow>('SELECT * FROM events WHERE message_id = ? ORDER BY at_ms, leaf_index LIMIT ?'),
    eventByIndex: db.prepare<[number], EventRow>('SELECT * FROM events WHERE leaf_index = ?'),
    eventByEventId: db.prepare<[string], EventRow>('SELECT * FROM events WHERE event_id = ?'),
    quarantineAfter: db.prepare<[number, number], QuarantineRow>(
      'SELECT id, topic, partition, "offset" AS offset, digest, reason_code, gateway, at, readmitted_at, leaf_index FROM quarantine WHERE id > ? ORDER BY id LIMIT ?',
    ),
    quarantineCount: db.prepare<[], number>('SELECT count(*) FROM quarantine').pluck(),
    gapsAll: db.prepare<[number], GapRow>('SELECT * FROM gaps ORDER BY gateway, from_seq, id LIMIT ?'),
    gapsOf: db.prepare<[string, number], GapRow>('SELECT * FROM gaps WHERE gateway = ? ORDER BY from_seq, id LIMIT ?'),
    gapCount: db.prepare<[], number>('SELECT count(*) FROM gaps').pluck(),
  };
}
