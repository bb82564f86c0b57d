/**
 * The right edge of a growing tree: the hashes of the perfect subtrees covering [0, size). Appending a
 * leaf merges equal-sized subtrees, which is exactly when a new complete node comes into being.
 */
import { MerkleError } from './errors.ts';
import { asBuffer, emptyRoot, HASH_SIZE, nodeHash } from './hash.ts';
import { perfectSubtrees } from './tree-math.ts';

/** Anything that can return the hash of a complete (perfect, aligned) subtree. */
export interface SubtreeHashSource {
  /**
   * Hash of the perfect subtree of 2^level leaves starting at leaf `index * 2^level`
   * (level 0 is a leaf hash).
   */
  subtreeHash(level: number, index: number): Uint8Array;
}

/** Called for every complete node created by {@link CompactRange.append}. */
export type NodeSink = (level: number, index: number, hash: Buffer) => void;

interface Entry {
  readonly level: number;
  readonly hash: Buffer;
}

/** The O(log n) state needed to append to a tree and compute its root. */
export class CompactRange {
  #size: number;
  readonly #entries: Entry[];

  private constructor(size: number, entries: Entry[]) {
    this.#size = size;
    this.#entries = entries;
  }

  /** The range of the empty tree. */
  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** The range of the first `size` leaves, read from `source` with O(log size) lookups. */
  static fromSource(size: number, source: SubtreeHashSource): CompactRange {
    const entries = perfectSubtrees(size).map(({ level, index }) => ({
      level,
      hash: asBuffer(source.subtreeHash(level, index)),
    }));
    return new CompactRange(size, entries);
  }

  /** Number of leaves covered. */
  get size(): number {
    return this.#size;
  }

  /** Adds one leaf hash; `onNode` sees each complete node this creates, lowest level first. */
  append(leafHash: Uint8Array, onNode?: NodeSink): void {
    if (leafHash.length !== HASH_SIZE) {
      throw new MerkleError('BAD_HASH_LENGTH', `leaf hash has ${leafHash.length} bytes, want ${HASH_SIZE}`);
    }
    const newSize = this.#size + 1;
    let level = 0;
    let hash = asBuffer(leafHash);
    for (let top = this.#entries.at(-1); top !== undefined && top.level === level; top = this.#entries.at(-1)) {
      this.#entries.pop();
      hash = nodeHash(top.hash, hash);
      level += 1;
      onNode?.(level, newSize / 2 ** level - 1, hash);
    }
    this.#entries.push({ level, hash });
    this.#size = newSize;
  }

  /** MTH of the covered leaves: the subtrees folded right to left (RFC 9162 section 2.1.1). */
  root(): Buffer {
    const last = this.#entries.at(-1);
    if (last === undefined) return emptyRoot();
    let acc = last.hash;
    for (let i = this.#entries.length - 2; i >= 0; i -= 1) {
      acc = nodeHash((this.#entries[i] as Entry).hash, acc);
    }
    return acc;
  }
}
