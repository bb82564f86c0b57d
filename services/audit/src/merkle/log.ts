/**
 * An append-only RFC 9162 Merkle log stored in SQLite. Each append stores the leaf's bytes and hash
 * and the hash of every complete subtree it closes, so the root of any earlier size and any proof
 * cost O(log n) indexed reads, never a scan of the leaves.
 */
import type Database from 'better-sqlite3';
import { CompactRange } from './compact-range.ts';
import { MerkleError } from './errors.ts';
import { asBuffer, leafHash } from './hash.ts';
import { checkIntegrity, type IntegrityOptions, type IntegrityReport } from './integrity.ts';
import { consistencyProof, inclusionProof } from './proofs.ts';
import { MerkleStore } from './sqlite-store.ts';
import { assertIndex, assertSize } from './tree-math.ts';

/** Where {@link MerkleLog.append} put a leaf. */
export interface AppendedLeaf {
  readonly index: number;
  readonly leafHash: Buffer;
}

/** A stored leaf. */
export interface StoredLeaf {
  readonly bytes: Buffer;
  readonly hash: Buffer;
}

/** Options of {@link MerkleLog}. */
export interface MerkleLogOptions {
  /** Prefix of the log's table names (default `merkle_`), so several logs can share one database. */
  readonly tablePrefix?: string;
}

/**
 * A Merkle log over a better-sqlite3 database opened by the caller. Its tables are created if
 * missing. Appends run in a transaction (a savepoint when the caller already has one open, so a leaf
 * can be appended atomically with the caller's own rows).
 */
export class MerkleLog {
  readonly #store: MerkleStore;
  readonly #appendAll: Database.Transaction<(leaves: readonly Uint8Array[]) => AppendedLeaf[]>;

  constructor(db: Database.Database, options: MerkleLogOptions = {}) {
    this.#store = new MerkleStore(db, options.tablePrefix ?? 'merkle_');
    this.#appendAll = db.transaction((leaves: readonly Uint8Array[]) => this.#append(leaves));
  }

  /** Appends one leaf (the raw bytes; the log hashes them). */
  append(leafBytes: Uint8Array): AppendedLeaf {
    return this.appendMany([leafBytes])[0] as AppendedLeaf;
  }

  /** Appends leaves in order, all or none, in one transaction. */
  appendMany(leaves: readonly Uint8Array[]): AppendedLeaf[] {
    for (const bytes of leaves) {
      if (!(bytes instanceof Uint8Array)) throw new TypeError('a Merkle leaf must be a Uint8Array or Buffer');
    }
    if (leaves.length === 0) return [];
    // IMMEDIATE takes the write lock before the size is read, so two writers cannot claim one index.
    // Inside a caller's transaction better-sqlite3 uses a savepoint instead.
    return this.#appendAll.immediate(leaves);
  }

  /** Number of leaves committed. */
  size(): number {
    return this.#store.readSize();
  }

  /**
   * MTH of the first `size` leaves (default: all), from O(log size) stored subtree hashes.
   * @throws MerkleError `BAD_SIZE` beyond the log; `STORE_CORRUPT` when a needed row is missing
   */
  root(size?: number): Buffer {
    return CompactRange.fromSource(this.#checkedSize(size), this.#store).root();
  }

  /**
   * The stored bytes and hash of a leaf.
   * @throws MerkleError `BAD_INDEX`; `STORE_CORRUPT` when its row is missing
   */
  leaf(index: number): StoredLeaf {
    assertIndex(index, this.size());
    const row = this.#store.leaf(index);
    if (row === undefined) throw new MerkleError('STORE_CORRUPT', `the Merkle store has no row for leaf ${index}`);
    return { bytes: row.bytes, hash: row.hash };
  }

  /**
   * Inclusion proof of leaf `index` in the tree of `size` leaves (default: all).
   * @throws MerkleError `BAD_SIZE`, `BAD_INDEX`, `STORE_CORRUPT`
   */
  inclusionProof(index: number, size?: number): Buffer[] {
    return inclusionProof(index, this.#checkedSize(size), this.#store);
  }

  /**
   * Consistency proof from the tree of `size1` leaves to the tree of `size2` leaves (default: all).
   * @throws MerkleError `BAD_SIZE` (size1 = 0, size1 > size2, size2 beyond the log), `STORE_CORRUPT`
   */
  consistencyProof(size1: number, size2?: number): Buffer[] {
    return consistencyProof(size1, this.#checkedSize(size2), this.#store);
  }

  /**
   * Recomputes leaf hashes from the stored bytes and node hashes from their stored children, looks
   * for rows beyond the committed size and compares `trustedRoots`; see {@link checkIntegrity}.
   * Run it (at least over the leaves added since the last checkpoint, plus the last checkpoint as a
   * trusted root) before signing a new checkpoint, and refuse to sign when `ok` is false.
   */
  verifyIntegrity(options: IntegrityOptions = {}): IntegrityReport {
    return checkIntegrity(this.#store, options);
  }

  #checkedSize(size: number | undefined): number {
    const current = this.size();
    if (size === undefined) return current;
    assertSize(size);
    if (size > current) throw new MerkleError('BAD_SIZE', `tree size ${size} is beyond the log size ${current}`);
    return size;
  }

  #append(leaves: readonly Uint8Array[]): AppendedLeaf[] {
    const store = this.#store;
    const range = CompactRange.fromSource(store.readSize(), store);
    const onNode = (level: number, index: number, hash: Buffer): void => store.insertNode(level, index, hash);
    const appended: AppendedLeaf[] = [];
    try {
      for (const bytes of leaves) {
        const index = range.size;
        const hash = leafHash(bytes);
        store.insertLeaf(index, hash, asBuffer(bytes));
        range.append(hash, onNode);
        appended.push({ index, leafHash: hash });
      }
    } catch (error) {
      if (isConstraintError(error)) {
        throw new MerkleError('STORE_CORRUPT', 'a Merkle row already exists beyond the committed size', { cause: error });
      }
      throw error;
    }
    store.writeSize(range.size);
    return appended;
  }
}

function isConstraintError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT');
}
