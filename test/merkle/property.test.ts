/**
 * Property tests against the naive RFC reference (support/reference.ts): for random sizes up to
 * 3000 leaves, the proofs of MerkleLog and of the pure functions equal PATH / PROOF, verify against
 * MTH, and every mutation of them is rejected.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  consistencyProof,
  inclusionProof,
  isMerkleError,
  leafHash,
  MerkleLog,
  rootFromLeaves,
  verifyConsistency,
  verifyInclusion,
} from '../../services/audit/src/merkle/index.ts';
import * as ref from './support/reference.ts';
import { tempDbs, type TempDbs } from './support/temp-db.ts';

const MAX_LEAVES = 3000;
const leaves = Array.from({ length: MAX_LEAVES }, (_, i) => randomBytes(i % 7 === 0 ? 0 : 1 + (i % 50)));
const hashes = leaves.map(leafHash);
const byIndex = (i: number): Buffer => hashes[i] as Buffer;

let dbs: TempDbs;
let log: MerkleLog;

beforeAll(() => {
  dbs = tempDbs('property');
  log = new MerkleLog(dbs.open('property.db'));
  // Mixed batch sizes, so nodes are written both inside one batch and across batches.
  for (let i = 0; i < MAX_LEAVES; ) {
    const n = 1 + (i % 97);
    log.appendMany(leaves.slice(i, i + n));
    i += n;
  }
});
afterAll(() => dbs.cleanup());

function rejects(verify: () => void): boolean {
  try {
    verify();
    return false;
  } catch (error) {
    if (!isMerkleError(error)) throw error;
    return true;
  }
}

function flipBit(list: readonly Buffer[], at: number, bit: number): Buffer[] {
  return list.map((b, i) => {
    if (i !== at) return b;
    const copy = Buffer.from(b);
    copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
    return copy;
  });
}

const flip = (b: Buffer, bit: number): Buffer => flipBit([b], 0, bit)[0] as Buffer;
const hex = (list: readonly Buffer[]): string[] => list.map((b) => b.toString('hex'));

/** (size, index) with 0 <= index < size <= MAX_LEAVES. */
const sizeAndIndex = fc
  .integer({ min: 1, max: MAX_LEAVES })
  .chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 })));

/** (size1, size2) with 1 <= size1 <= size2 <= MAX_LEAVES. */
const sizePair = fc
  .integer({ min: 1, max: MAX_LEAVES })
  .chain((size2) => fc.tuple(fc.integer({ min: 1, max: size2 }), fc.constant(size2)));

describe('Merkle properties', () => {
  it('root of any size matches MTH', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_LEAVES }), (size) => {
        const want = ref.mth(leaves.slice(0, size));
        expect(log.root(size)).toEqual(want);
        expect(rootFromLeaves(hashes.slice(0, size))).toEqual(want);
      }),
      { numRuns: 60 },
    );
  });

  it('inclusion proofs equal PATH, verify, and every mutation is rejected', () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.nat(), fc.integer({ min: 0, max: 255 }), ([size, index], pick, bit) => {
        const d = leaves.slice(0, size);
        const root = ref.mth(d);
        const proof = log.inclusionProof(index, size);
        expect(hex(proof)).toEqual(hex(ref.path(index, d)));
        expect(hex(inclusionProof(index, size, byIndex))).toEqual(hex(proof));
        const leaf = byIndex(index);
        verifyInclusion(leaf, index, size, proof, root);

        expect(rejects(() => verifyInclusion(flip(leaf, bit), index, size, proof, root))).toBe(true);
        expect(rejects(() => verifyInclusion(leaf, index, size, proof, flip(root, bit)))).toBe(true);
        expect(rejects(() => verifyInclusion(leaf, index, size, [...proof, leaf], root))).toBe(true);
        expect(rejects(() => verifyInclusion(leaf, index, size, [root, ...proof], root))).toBe(true);
        expect(rejects(() => verifyInclusion(leaf, size, size, proof, root))).toBe(true);
        if (proof.length > 0) {
          const at = pick % proof.length;
          expect(rejects(() => verifyInclusion(leaf, index, size, flipBit(proof, at, bit), root))).toBe(true);
          expect(rejects(() => verifyInclusion(leaf, index, size, proof.filter((_, i) => i !== at), root))).toBe(true);
        }
        if (size > 1) {
          // Another leaf position in the same tree has another path from the root.
          const other = (index + 1 + (pick % (size - 1))) % size;
          expect(rejects(() => verifyInclusion(leaf, other, size, proof, root))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('consistency proofs equal PROOF, verify, and every mutation is rejected', () => {
    fc.assert(
      fc.property(sizePair, fc.nat(), fc.integer({ min: 0, max: 255 }), ([size1, size2], pick, bit) => {
        const root1 = ref.mth(leaves.slice(0, size1));
        const root2 = ref.mth(leaves.slice(0, size2));
        const proof = log.consistencyProof(size1, size2);
        expect(hex(proof)).toEqual(hex(ref.proof(size1, leaves.slice(0, size2))));
        expect(hex(consistencyProof(size1, size2, byIndex))).toEqual(hex(proof));
        verifyConsistency(size1, size2, proof, root1, root2);

        expect(rejects(() => verifyConsistency(size1, size2, proof, flip(root1, bit), root2))).toBe(true);
        expect(rejects(() => verifyConsistency(size1, size2, proof, root1, flip(root2, bit)))).toBe(true);
        expect(rejects(() => verifyConsistency(size1, size2, [...proof, root1], root1, root2))).toBe(true);
        expect(rejects(() => verifyConsistency(size1, size2, [root1, ...proof], root1, root2))).toBe(true);
        if (size1 < size2) {
          const at = pick % proof.length;
          expect(rejects(() => verifyConsistency(size1, size2, flipBit(proof, at, bit), root1, root2))).toBe(true);
          expect(rejects(() => verifyConsistency(size1, size2, proof.filter((_, i) => i !== at), root1, root2))).toBe(true);
          expect(rejects(() => verifyConsistency(size1, size2, proof, root2, root1))).toBe(true);
          expect(rejects(() => verifyConsistency(size2, size1, proof, root2, root1))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('pure functions agree with the reference on random leaf contents', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 70 }), fc.nat(), (data, pick) => {
        const d = data.map((b) => Buffer.from(b));
        const lh = d.map(leafHash);
        const size = d.length;
        const index = pick % size;
        const size1 = 1 + (pick % size);
        expect(rootFromLeaves(lh)).toEqual(ref.mth(d));
        expect(hex(inclusionProof(index, size, (i) => lh[i] as Buffer))).toEqual(hex(ref.path(index, d)));
        expect(hex(consistencyProof(size1, size, (i) => lh[i] as Buffer))).toEqual(hex(ref.proof(size1, d)));
      }),
      { numRuns: 200 },
    );
  });
});
