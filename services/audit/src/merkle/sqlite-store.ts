/**
 * The SQLite tables of a Merkle log and the statements over them. No tree logic lives here.
 *
 * - `<prefix>state`: one row, the committed tree size (not derived from the rows, so a deleted
 *   last leaf shows up as missing instead of silently shrinking the log).
 * - `<prefix>leaves`: leaf index, leaf hash, raw leaf bytes (hash before bytes, so reading a hash
 *   never walks a large blob's overflow pages).
 * - `<prefix>nodes`: every complete subtree of level >= 1: (level, index) -> hash, covering leaves
 *   [index * 2^level, (index + 1) * 2^level). Level 0 is the leaf hash column.
 */
import type Database from 'better-sqlite3';
import type { SubtreeHashSource } from './compact-range.ts';
import { MerkleError } from './errors.ts';

/** A stored leaf row. */
export interface LeafRow {
  readonly index: number;
  readonly hash: Buffer;
  readonly bytes: Buffer;
}

/** A stored node row of one level. */
export interface NodeRow {
  readonly index: number;
  readonly hash: Buffer;
}

const PREFIX_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/;

/** Prepared statements over the log's tables; creates them on construction if missing. */
export class MerkleStore implements SubtreeHashSource {
  /** The caller's connection. */
  readonly db: Database.Database;
  readonly #tables: { state: string; leaves: string; nodes: string };
  readonly #readSize: Database.Statement<[], number>;
  readonly #writeSize: Database.Statement<[number]>;
  readonly #insertLeaf: Database.Statement<[number, Buffer, Buffer]>;
  readonly #insertNode: Database.Statement<[number, number, Buffer]>;
  readonly #leafHash: Database.Statement<[number], Buffer>;
  readonly #leaf: Database.Statement<[number], { hash: Buffer; bytes: Buffer }>;
  readonly #node: Database.Statement<[number, number], Buffer>;
  readonly #leavesInRange: Database.Statement<[number, number], LeafRow>;
  readonly #leavesFrom: Database.Statement<[number, number], number>;
  readonly #nodesFrom: Database.Statement<[number, number, number], number>;

  constructor(db: Database.Database, prefix: string) {
    if (!PREFIX_PATTERN.test(prefix)) throw new TypeError(`invalid Merkle table prefix ${JSON.stringify(prefix)}`);
    this.db = db;
    const t = { state: `"${prefix}state"`, leaves: `"${prefix}leaves"`, nodes: `"${prefix}nodes"` };
    this.#tables = t;
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${t.state} (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        tree_size INTEGER NOT NULL CHECK (tree_size >= 0)
      );
      INSERT OR IGNORE INTO ${t.state} (id, tree_size) VALUES (1, 0);
      CREATE TABLE IF NOT EXISTS ${t.leaves} (
        leaf_index INTEGER PRIMARY KEY,
        leaf_hash BLOB NOT NULL,
        leaf_bytes BLOB NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ${t.nodes} (
        level INTEGER NOT NULL CHECK (level >= 1),
        node_index INTEGER NOT NULL CHECK (node_index >= 0),
        hash BLOB NOT NULL,
        PRIMARY KEY (level, node_index)
      ) WITHOUT ROWID;
    `);
    this.#readSize = db.prepare<[], number>(`SELECT tree_size FROM ${t.state} WHERE id = 1`).pluck();
    this.#writeSize = db.prepare<[number]>(`UPDATE ${t.state} SET tree_size = ? WHERE id = 1`);
    this.#insertLeaf = db.prepare(`INSERT INTO ${t.leaves} (leaf_index, leaf_hash, leaf_bytes) VALUES (?, ?, ?)`);
    this.#insertNode = db.prepare(`INSERT INTO ${t.nodes} (level, node_index, hash) VALUES (?, ?, ?)`);
    this.#leafHash = db.prepare<[number], Buffer>(`SELECT leaf_hash FROM ${t.leaves} WHERE leaf_index = ?`).pluck();
    this.#leaf = db.prepare(`SELECT leaf_hash AS hash, leaf_bytes AS bytes FROM ${t.leaves} WHERE leaf_index = ?`);
    this.#node = db.prepare<[number, number], Buffer>(`SELECT hash FROM ${t.nodes} WHERE level = ? AND node_index = ?`).pluck();
    this.#leavesInRange = db.prepare(
      `SELECT leaf_index AS "index", leaf_hash AS hash, leaf_bytes AS bytes FROM ${t.leaves}
       WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index`,
    );
    this.#leavesFrom = db
      .prepare<[number, number], number>(`SELECT leaf_index FROM ${t.leaves} WHERE leaf_index >= ? ORDER BY leaf_index LIMIT ?`)
      .pluck();
    this.#nodesFrom = db
      .prepare<[number, number, number], number>(
        `SELECT node_index FROM ${t.nodes} WHERE level = ? AND node_index >= ? ORDER BY node_index LIMIT ?`,
      )
      .pluck();
  }

  /** The committed tree size. */
  readSize(): number {
    const size = this.#readSize.get();
    if (size === undefined) throw new MerkleError('STORE_CORRUPT', 'the Merkle state row is missing');
    return size;
  }

  /** Commits a new tree size (inside the append transaction). */
  writeSize(size: number): void {
    this.#writeSize.run(size);
  }

  /** Stores a leaf; fails on an existing row. */
  insertLeaf(index: number, hash: Buffer, bytes: Buffer): void {
    this.#insertLeaf.run(index, hash, bytes);
  }

  /** Stores a complete node; fails on an existing row. */
  insertNode(level: number, index: number, hash: Buffer): void {
    this.#insertNode.run(level, index, hash);
  }

  /** The stored hash of a leaf, or undefined when its row is missing. */
  leafHash(index: number): Buffer | undefined {
    return this.#leafHash.get(index);
  }

  /** The stored leaf row, or undefined when missing. */
  leaf(index: number): { hash: Buffer; bytes: Buffer } | undefined {
    return this.#leaf.get(index);
  }

  /** The stored hash of the complete node (level >= 1, index), or undefined when missing. */
  node(level: number, index: number): Buffer | undefined {
    return this.#node.get(level, index);
  }

  /**
   * The stored hash of a complete subtree (level 0: the leaf hash).
   * @throws MerkleError `STORE_CORRUPT` when the row is missing
   */
  subtreeHash(level: number, index: number): Buffer {
    const hash = level === 0 ? this.leafHash(index) : this.node(level, index);
    if (hash === undefined) {
      const what = level === 0 ? `leaf ${index}` : `node level ${level} index ${index}`;
      throw new MerkleError('STORE_CORRUPT', `the Merkle store has no row for ${what}`);
    }
    return hash;
  }

  /** Leaf rows with index in [from, to), in index order. Close the iterator when stopping early. */
  leavesInRange(from: number, to: number): IterableIterator<LeafRow> {
    return this.#leavesInRange.iterate(from, to);
  }

  /**
   * Node rows of one level with index >= `fromIndex`, in index order. Each call prepares its own
   * statement, since one statement can only drive one iterator at a time.
   */
  nodesOfLevel(level: number, fromIndex: number): IterableIterator<NodeRow> {
    return this.db
      .prepare<[number, number], NodeRow>(
        `SELECT node_index AS "index", hash FROM ${this.#tables.nodes} WHERE level = ? AND node_index >= ? ORDER BY node_index`,
      )
      .iterate(level, fromIndex);
  }

  /** Up to `limit` leaf indices at or beyond `fromIndex`. */
  leafIndicesFrom(fromIndex: number, limit: number): number[] {
    return this.#leavesFrom.all(fromIndex, limit);
  }

  /** Up to `limit` node indices of `level` at or beyond `fromIndex`. */
  nodeIndicesFrom(level: number, fromIndex: number, limit: number): number[] {
    return this.#nodesFrom.all(level, fromIndex, limit);
  }
}
