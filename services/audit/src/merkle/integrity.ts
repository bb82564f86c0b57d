/**
 * Integrity check of a stored Merkle log: every leaf hash against its bytes, every complete node
 * against its two stored children, no rows beyond the committed size, and optionally the roots of
 * earlier signed checkpoints. Runs in one streaming pass in the order the tree was built, so the
 * first problem reported is the earliest one.
 *
 * Each stored value is checked against the stored values just below it, so a problem is reported
 * where it sits: a corrupted node is reported as that node (its parent, checked against the
 * corrupted value, may be reported next). A consistent rewrite of a leaf and all its ancestors is
 * only caught by `trustedRoots`: that is what signed checkpoints are for.
 */
import { CompactRange } from './compact-range.ts';
import { MerkleError } from './errors.ts';
import { hashesEqual, leafHash, nodeHash } from './hash.ts';
import type { MerkleStore, NodeRow } from './sqlite-store.ts';
import { assertSize, isOdd } from './tree-math.ts';

/** A root signed earlier for a tree size (for example a checkpoint). */
export interface TrustedRoot {
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
}

/** What {@link checkIntegrity} checks. */
export interface IntegrityOptions {
  /** First leaf to check (default 0). Nodes are checked when they complete within [from, to). */
  readonly from?: number;
  /** End of the leaf range to check, exclusive (default: the committed size). */
  readonly to?: number;
  /** Stop after this many problems (default 1: only the first). */
  readonly maxProblems?: number;
  /** Earlier signed roots; each must equal the root the store now yields for its size. */
  readonly trustedRoots?: readonly TrustedRoot[];
}

/** Where a stored node sits: level, index and the leaves [firstLeaf, endLeaf) it covers. */
export interface NodeLocation {
  readonly level: number;
  readonly index: number;
  readonly firstLeaf: number;
  readonly endLeaf: number;
}

/** One integrity problem, with its location. `kind` is a stable discriminant. */
export type IntegrityProblem =
  | { readonly kind: 'leaf-missing'; readonly index: number }
  | { readonly kind: 'leaf-hash-mismatch'; readonly index: number; readonly stored: Buffer; readonly computed: Buffer }
  | { readonly kind: 'leaf-beyond-size'; readonly index: number }
  | ({ readonly kind: 'node-missing' } & NodeLocation)
  | ({ readonly kind: 'node-hash-mismatch'; readonly stored: Buffer; readonly computed: Buffer } & NodeLocation)
  | ({ readonly kind: 'node-beyond-size' } & NodeLocation)
  | { readonly kind: 'trusted-root-mismatch'; readonly treeSize: number; readonly expected: Buffer; readonly computed: Buffer | null }
  | { readonly kind: 'trusted-size-beyond-log'; readonly treeSize: number; readonly size: number };

/** Result of {@link checkIntegrity}. `problems[0]` is the first problem found. */
export interface IntegrityReport {
  readonly ok: boolean;
  /** The committed tree size. */
  readonly size: number;
  readonly leavesChecked: number;
  readonly nodesChecked: number;
  readonly problems: readonly IntegrityProblem[];
}

/** Deepest level a safe-integer tree can have. */
const MAX_LEVEL = 53;

const STOP = Symbol('enough problems');

/** Checks the stored log; see the module comment. Runs in one read transaction (one snapshot). */
export function checkIntegrity(store: MerkleStore, options: IntegrityOptions = {}): IntegrityReport {
  return store.db.transaction(() => checkSnapshot(store, options)).deferred();
}

function checkSnapshot(store: MerkleStore, options: IntegrityOptions): IntegrityReport {
  const size = store.readSize();
  const from = options.from ?? 0;
  const to = options.to ?? size;
  const maxProblems = options.maxProblems ?? 1;
  assertSize(from, 'from');
  assertSize(to, 'to');
  if (from > to || to > size) throw new MerkleError('BAD_SIZE', `range [${from}, ${to}) is not within [0, ${size}]`);
  if (!Number.isSafeInteger(maxProblems) || maxProblems < 1) throw new TypeError('maxProblems must be a positive integer');

  const problems: IntegrityProblem[] = [];
  const add = (problem: IntegrityProblem): void => {
    problems.push(problem);
    if (problems.length >= maxProblems) throw STOP;
  };
  const walk = new TreeWalk(store, from, add);
  try {
    walk.run(to);
    for (const index of store.leafIndicesFrom(size, maxProblems)) add({ kind: 'leaf-beyond-size', index });
    for (let level = 1; level <= MAX_LEVEL; level += 1) {
      for (const index of store.nodeIndicesFrom(level, Math.floor(size / 2 ** level), maxProblems)) {
        add({ kind: 'node-beyond-size', ...locate(level, index) });
      }
    }
    for (const trusted of options.trustedRoots ?? []) checkTrustedRoot(store, size, trusted, add);
  } catch (error) {
    if (error !== STOP) throw error;
  } finally {
    walk.close();
  }
  return { ok: problems.length === 0, size, leavesChecked: walk.leavesChecked, nodesChecked: walk.nodesChecked, problems };
}

/** Rebuilds the tree's shape from the leaves [from, to), checking each completed node as it goes. */
class TreeWalk {
  leavesChecked = 0;
  nodesChecked = 0;
  readonly #store: MerkleStore;
  readonly #from: number;
  readonly #add: (problem: IntegrityProblem) => void;
  /** Per level, the last even-indexed value seen, waiting for its right sibling. */
  readonly #pendingLeft: Array<{ index: number; hash: Buffer | undefined } | undefined> = [];
  readonly #cursors = new Map<number, NodeCursor>();
  #leaves: IterableIterator<unknown> | undefined;

  constructor(store: MerkleStore, from: number, add: (problem: IntegrityProblem) => void) {
    this.#store = store;
    this.#from = from;
    this.#add = add;
  }

  run(to: number): void {
    let expected = this.#from;
    const leaves = this.#store.leavesInRange(this.#from, to);
    this.#leaves = leaves;
    for (const row of leaves) {
      for (; expected < row.index; expected += 1) this.#missingLeaf(expected);
      this.leavesChecked += 1;
      const computed = leafHash(row.bytes);
      if (!hashesEqual(computed, row.hash)) {
        this.#add({ kind: 'leaf-hash-mismatch', index: row.index, stored: row.hash, computed });
      }
      this.#complete(row.index, row.hash);
      expected = row.index + 1;
    }
    for (; expected < to; expected += 1) this.#missingLeaf(expected);
  }

  close(): void {
    this.#leaves?.return?.();
    for (const cursor of this.#cursors.values()) cursor.close();
  }

  #missingLeaf(index: number): void {
    this.#add({ kind: 'leaf-missing', index });
    this.#complete(index, undefined);
  }

  /** Leaf `leafIndex` is in place: check every node it completes, bottom up. */
  #complete(leafIndex: number, storedLeafHash: Buffer | undefined): void {
    let level = 0;
    let index = leafIndex;
    let value = storedLeafHash;
    while (isOdd(index)) {
      const left = this.#leftSibling(level, index - 1);
      const parentLevel = level + 1;
      const parentIndex = (index - 1) / 2;
      const stored = this.#cursor(parentLevel).take(parentIndex);
      this.nodesChecked += 1;
      if (stored === undefined) {
        this.#add({ kind: 'node-missing', ...locate(parentLevel, parentIndex) });
      } else if (left !== undefined && value !== undefined) {
        const computed = nodeHash(left, value);
        if (!hashesEqual(computed, stored)) {
          this.#add({ kind: 'node-hash-mismatch', ...locate(parentLevel, parentIndex), stored, computed });
        }
      }
      level = parentLevel;
      index = parentIndex;
      value = stored;
    }
    this.#pendingLeft[level] = { index, hash: value };
  }

  /** The stored left sibling: seen in this walk, or (when it completed before `from`) read directly. */
  #leftSibling(level: number, index: number): Buffer | undefined {
    const pending = this.#pendingLeft[level];
    if (pending !== undefined && pending.index === index) return pending.hash;
    const hash = level === 0 ? this.#store.leafHash(index) : this.#store.node(level, index);
    if (hash === undefined) {
      this.#add(level === 0 ? { kind: 'leaf-missing', index } : { kind: 'node-missing', ...locate(level, index) });
    }
    return hash;
  }

  #cursor(level: number): NodeCursor {
    let cursor = this.#cursors.get(level);
    if (cursor === undefined) {
      cursor = new NodeCursor(this.#store.nodesOfLevel(level, Math.floor(this.#from / 2 ** level)));
      this.#cursors.set(level, cursor);
    }
    return cursor;
  }
}

/** Reads one level's nodes in index order, so the walk does not need a point lookup per node. */
class NodeCursor {
  readonly #rows: IterableIterator<NodeRow>;
  #head: NodeRow | undefined;

  constructor(rows: IterableIterator<NodeRow>) {
    this.#rows = rows;
    this.#advance();
  }

  /** The hash of node `index`, or undefined when its row is missing. Indices must not decrease. */
  take(index: number): Buffer | undefined {
    while (this.#head !== undefined && this.#head.index < index) this.#advance();
    if (this.#head === undefined || this.#head.index !== index) return undefined;
    const { hash } = this.#head;
    this.#advance();
    return hash;
  }

  close(): void {
    this.#rows.return?.();
  }

  #advance(): void {
    const next = this.#rows.next();
    this.#head = next.done === true ? undefined : next.value;
  }
}

function checkTrustedRoot(
  store: MerkleStore,
  size: number,
  trusted: TrustedRoot,
  add: (problem: IntegrityProblem) => void,
): void {
  assertSize(trusted.treeSize, 'trusted treeSize');
  const expected = Buffer.from(trusted.rootHash);
  if (trusted.treeSize > size) {
    add({ kind: 'trusted-size-beyond-log', treeSize: trusted.treeSize, size });
    return;
  }
  let computed: Buffer | null = null;
  try {
    computed = CompactRange.fromSource(trusted.treeSize, store).root();
  } catch (error) {
    if (!(error instanceof MerkleError && error.code === 'STORE_CORRUPT')) throw error;
  }
  if (computed === null || !hashesEqual(computed, expected)) {
    add({ kind: 'trusted-root-mismatch', treeSize: trusted.treeSize, expected, computed });
  }
}

function locate(level: number, index: number): NodeLocation {
  const width = 2 ** level;
  return { level, index, firstLeaf: index * width, endLeaf: (index + 1) * width };
}
