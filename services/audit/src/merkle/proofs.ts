/**
 * RFC 9162 section 2.1 as pure functions: the tree hash, inclusion proofs (2.1.3) and consistency
 * proofs (2.1.4), generated from any {@link SubtreeHashSource} and verified exactly as the RFC
 * specifies. Generation reads O(log n) complete-subtree hashes when the source stores them.
 */
import { CompactRange, type SubtreeHashSource } from './compact-range.ts';
import { MerkleError } from './errors.ts';
import { asBuffer, emptyRoot, HASH_SIZE, hashesEqual, nodeHash } from './hash.ts';
import { assertIndex, assertSize, exactLog2, half, isOdd, splitPoint } from './tree-math.ts';

export type { SubtreeHashSource } from './compact-range.ts';

/** Returns the leaf hash at a leaf index. */
export type LeafHashLookup = (index: number) => Uint8Array;

/** A source for proof generation: stored complete-subtree hashes, or just a leaf-hash lookup. */
export type HashSource = SubtreeHashSource | LeafHashLookup;

/** MTH of a list of leaf hashes (RFC 9162 section 2.1.1). */
export function rootFromLeaves(leafHashes: Iterable<Uint8Array>): Buffer {
  const range = CompactRange.empty();
  for (const hash of leafHashes) range.append(hash);
  return range.root();
}

/**
 * A {@link SubtreeHashSource} that recomputes every subtree from leaf hashes. Costs O(2^level) per
 * call: fine for tests and small trees; a log should store its complete subtrees instead.
 */
export function leafHashSource(lookup: LeafHashLookup): SubtreeHashSource {
  const subtreeHash = (level: number, index: number): Uint8Array => {
    if (level === 0) return checkedHash(lookup(index), 'leaf hash');
    return nodeHash(subtreeHash(level - 1, 2 * index), subtreeHash(level - 1, 2 * index + 1));
  };
  return { subtreeHash };
}

/** MTH(D[start:end]) for any range of leaves, using stored subtrees wherever the range has one. */
export function rangeRoot(source: HashSource, start: number, end: number): Buffer {
  const src = toSource(source);
  const n = end - start;
  if (n <= 0) return emptyRoot();
  const level = exactLog2(n);
  if (level >= 0 && start % n === 0) return asBuffer(src.subtreeHash(level, start / n));
  const k = splitPoint(n);
  return nodeHash(rangeRoot(src, start, start + k), rangeRoot(src, start + k, end));
}

/**
 * PATH(index, D[0:size]) (RFC 9162 section 2.1.3.1): sibling hashes from the leaf up.
 * @throws MerkleError `BAD_SIZE`, `BAD_INDEX`
 */
export function inclusionProof(index: number, size: number, source: HashSource): Buffer[] {
  assertSize(size);
  assertIndex(index, size);
  const src = toSource(source);
  const out: Buffer[] = [];
  const path = (m: number, start: number, end: number): void => {
    const n = end - start;
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      path(m, start, start + k);
      out.push(rangeRoot(src, start + k, end));
    } else {
      path(m - k, start + k, end);
      out.push(rangeRoot(src, start, start + k));
    }
  };
  path(index, 0, size);
  return out;
}

/**
 * PROOF(size1, D[0:size2]) (RFC 9162 section 2.1.4.1). Empty when size1 = size2.
 * @throws MerkleError `BAD_SIZE` when size1 = 0 or size1 > size2
 */
export function consistencyProof(size1: number, size2: number, source: HashSource): Buffer[] {
  assertConsistencySizes(size1, size2);
  const src = toSource(source);
  const out: Buffer[] = [];
  const subproof = (m: number, start: number, end: number, complete: boolean): void => {
    const n = end - start;
    if (m === n) {
      if (!complete) out.push(rangeRoot(src, start, end));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      subproof(m, start, start + k, complete);
      out.push(rangeRoot(src, start + k, end));
    } else {
      subproof(m - k, start + k, end, false);
      out.push(rangeRoot(src, start, start + k));
    }
  };
  if (size1 < size2) subproof(size1, 0, size2, true);
  return out;
}

/**
 * The root implied by an inclusion proof: RFC 9162 section 2.1.3.2 steps 1 to 4, plus the check
 * that the proof has exactly as many elements as the path (sn ends at 0).
 * @throws MerkleError `BAD_SIZE`, `BAD_INDEX`, `BAD_HASH_LENGTH`, `PROOF_INVALID`
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Buffer {
  assertSize(size);
  assertIndex(index, size);
  checkedHash(leafHash, 'leaf hash');
  proof.forEach((p, i) => checkedHash(p, `proof[${i}]`));
  let fn = index;
  let sn = size - 1;
  let r = asBuffer(leafHash);
  for (const p of proof) {
    if (sn === 0) throw tooLong('inclusion');
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw tooShort('inclusion');
  return r;
}

/**
 * Verifies that `leafHash` is leaf `index` of the tree of `size` leaves with root `root`
 * (RFC 9162 section 2.1.3.2). Returns normally only when the proof holds.
 * @throws MerkleError `BAD_SIZE`, `BAD_INDEX`, `BAD_HASH_LENGTH`, `PROOF_INVALID`, `ROOT_MISMATCH`
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  checkedHash(root, 'root');
  const computed = rootFromInclusionProof(leafHash, index, size, proof);
  if (!hashesEqual(computed, root)) {
    throw new MerkleError('ROOT_MISMATCH', `inclusion proof for leaf ${index} does not lead to the given root`);
  }
}

/**
 * Verifies that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves with
 * root `root1` (RFC 9162 section 2.1.4.2). Beyond the RFC, as the reference verifier does:
 * size1 = size2 needs an empty proof and byte-equal roots, and size1 = 0 is always rejected (a
 * consistency proof from the empty tree proves nothing).
 * @throws MerkleError `BAD_SIZE`, `BAD_HASH_LENGTH`, `PROOF_INVALID`, `ROOT_MISMATCH`
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  assertConsistencySizes(size1, size2);
  if (size1 === size2) {
    if (proof.length > 0) {
      throw new MerkleError('PROOF_INVALID', `size1 = size2 = ${size1} needs an empty proof, got ${proof.length} elements`);
    }
    if (!hashesEqual(root1, root2)) throw new MerkleError('ROOT_MISMATCH', 'equal tree sizes with different roots');
    return;
  }
  // Step 1.
  if (proof.length === 0) throw new MerkleError('PROOF_INVALID', 'empty consistency proof');
  checkedHash(root1, 'root1');
  checkedHash(root2, 'root2');
  proof.forEach((p, i) => checkedHash(p, `proof[${i}]`));
  // Step 2.
  const path = exactLog2(size1) >= 0 ? [root1, ...proof] : [...proof];
  // Steps 3 and 4.
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  let fr = asBuffer(path[0] as Uint8Array);
  let sr = fr;
  // Step 6.
  for (const c of path.slice(1)) {
    if (sn === 0) throw tooLong('consistency');
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0) throw tooShort('consistency');
  if (!hashesEqual(fr, root1)) throw new MerkleError('ROOT_MISMATCH', `consistency proof does not lead to root1 (size ${size1})`);
  if (!hashesEqual(sr, root2)) throw new MerkleError('ROOT_MISMATCH', `consistency proof does not lead to root2 (size ${size2})`);
}

function assertConsistencySizes(size1: number, size2: number): void {
  assertSize(size1, 'size1');
  assertSize(size2, 'size2');
  if (size1 > size2) throw new MerkleError('BAD_SIZE', `size1 ${size1} > size2 ${size2}`);
  if (size1 === 0) throw new MerkleError('BAD_SIZE', 'size1 = 0: a consistency proof from the empty tree proves nothing');
}

function checkedHash(hash: Uint8Array, what: string): Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
    const got = hash instanceof Uint8Array ? `${hash.length} bytes` : typeof hash;
    throw new MerkleError('BAD_HASH_LENGTH', `${what} has ${got}, want ${HASH_SIZE} bytes`);
  }
  return hash;
}

function toSource(source: HashSource): SubtreeHashSource {
  return typeof source === 'function' ? leafHashSource(source) : source;
}

function tooLong(kind: string): MerkleError {
  return new MerkleError('PROOF_INVALID', `${kind} proof has more elements than the tree sizes allow`);
}

function tooShort(kind: string): MerkleError {
  return new MerkleError('PROOF_INVALID', `${kind} proof has fewer elements than the tree sizes need`);
}
