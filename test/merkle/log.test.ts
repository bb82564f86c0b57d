/** MerkleLog on real SQLite files: persistence, atomic appends, errors, and huge virtual trees. */
import {
  consistencyProof,
  inclusionProof,
  isMerkleError,
  leafHash,
  MerkleLog,
  nodeHash,
  rangeRoot,
  rootFromLeaves,
  verifyConsistency,
  verifyInclusion,
  type MerkleErrorCode,
  type SubtreeHashSource,
} from '../../services/audit/src/merkle/index.ts';
import { tempDbs, type TempDbs } from './support/temp-db.ts';

const entry = (i: number): Buffer => Buffer.from(`audit event #${i}`);
const entries = (from: number, to: number): Buffer[] => Array.from({ length: to - from }, (_, i) => entry(from + i));

function codeOf(fn: () => unknown): MerkleErrorCode | 'no error' | 'not a MerkleError' {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return isMerkleError(error) ? error.code : 'not a MerkleError';
  }
}

let dbs: TempDbs;
beforeEach(() => {
  dbs = tempDbs('log');
});
afterEach(() => dbs.cleanup());

describe('MerkleLog', () => {
  it('starts empty, appends leaves and returns their index and hash', () => {
    const log = new MerkleLog(dbs.open('a.db'));
    expect(log.size()).toBe(0);
    expect(log.root().toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const first = log.append(entry(0));
    expect(first).toEqual({ index: 0, leafHash: leafHash(entry(0)) });
    const more = log.appendMany(entries(1, 5));
    expect(more.map((r) => r.index)).toEqual([1, 2, 3, 4]);
    expect(log.size()).toBe(5);
    expect(log.leaf(3)).toEqual({ bytes: entry(3), hash: leafHash(entry(3)) });
    expect(log.appendMany([])).toEqual([]);
  });

  it('gives the root of every earlier size, equal to the tree hash of that prefix', () => {
    const log = new MerkleLog(dbs.open('a.db'));
    const all = entries(0, 130);
    log.appendMany(all.slice(0, 70));
    for (const bytes of all.slice(70)) log.append(bytes);
    for (let n = 0; n <= all.length; n += 1) {
      expect(log.root(n)).toEqual(rootFromLeaves(all.slice(0, n).map(leafHash)));
    }
  });

  it('persists across reopening the file, and creating the tables again is harmless', () => {
    const first = new MerkleLog(dbs.open('a.db'));
    first.appendMany(entries(0, 21));
    const root = first.root();
    const again = new MerkleLog(dbs.open('a.db'));
    expect(again.size()).toBe(21);
    expect(again.root()).toEqual(root);
    again.append(entry(21));
    expect(first.size()).toBe(22);
    expect(first.verifyIntegrity().ok).toBe(true);
  });

  it('keeps logs with different table prefixes apart, and rejects unsafe prefixes', () => {
    const db = dbs.open('a.db');
    const a = new MerkleLog(db, { tablePrefix: 'audit_a_' });
    const b = new MerkleLog(db, { tablePrefix: 'audit_b_' });
    a.appendMany(entries(0, 3));
    b.append(entry(9));
    expect([a.size(), b.size()]).toEqual([3, 1]);
    expect(() => new MerkleLog(db, { tablePrefix: 'x"; DROP TABLE y; --' })).toThrow(TypeError);
  });

  it('two connections appending to one file get distinct, dense indices', () => {
    const a = new MerkleLog(dbs.open('shared.db'));
    const b = new MerkleLog(dbs.open('shared.db'));
    const indices: number[] = [];
    for (let i = 0; i < 40; i += 1) indices.push((i % 3 === 0 ? b : a).append(entry(i)).index);
    expect(indices).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(a.root()).toEqual(rootFromLeaves(entries(0, 40).map(leafHash)));
    expect(b.verifyIntegrity().ok).toBe(true);
  });

  it('appendMany is all or nothing', () => {
    const db = dbs.open('a.db');
    const log = new MerkleLog(db);
    log.appendMany(entries(0, 6));
    const root = log.root();
    // A stray row where the third new leaf would go makes the batch fail half-way.
    db.prepare('INSERT INTO merkle_leaves (leaf_index, leaf_hash, leaf_bytes) VALUES (8, ?, ?)').run(leafHash(entry(8)), entry(8));
    expect(codeOf(() => log.appendMany(entries(6, 12)))).toBe('STORE_CORRUPT');
    expect(log.size()).toBe(6);
    expect(log.root()).toEqual(root);
    expect(db.prepare('SELECT count(*) FROM merkle_leaves WHERE leaf_index IN (6, 7)').pluck().get()).toBe(0);
    expect(() => log.appendMany([entry(6), 'not bytes' as unknown as Buffer])).toThrow(TypeError);
    expect(log.size()).toBe(6);
  });

  it('joins a caller transaction: rolled back with it', () => {
    const db = dbs.open('a.db');
    const log = new MerkleLog(db);
    log.append(entry(0));
    const withAudit = db.transaction((fail: boolean) => {
      log.append(entry(1));
      if (fail) throw new Error('the caller failed after appending');
    });
    expect(() => withAudit(true)).toThrow('the caller failed');
    expect(log.size()).toBe(1);
    withAudit(false);
    expect(log.size()).toBe(2);
    expect(log.root()).toEqual(rootFromLeaves([entry(0), entry(1)].map(leafHash)));
  });

  it('rejects out-of-range arguments with stable codes', () => {
    const log = new MerkleLog(dbs.open('a.db'));
    log.appendMany(entries(0, 5));
    expect(codeOf(() => log.leaf(5))).toBe('BAD_INDEX');
    expect(codeOf(() => log.leaf(-1))).toBe('BAD_INDEX');
    expect(codeOf(() => log.leaf(1.5))).toBe('BAD_INDEX');
    expect(codeOf(() => log.root(6))).toBe('BAD_SIZE');
    expect(codeOf(() => log.root(-1))).toBe('BAD_SIZE');
    expect(codeOf(() => log.inclusionProof(5))).toBe('BAD_INDEX');
    expect(codeOf(() => log.inclusionProof(0, 0))).toBe('BAD_INDEX');
    expect(codeOf(() => log.inclusionProof(0, 6))).toBe('BAD_SIZE');
    expect(codeOf(() => log.consistencyProof(0, 5))).toBe('BAD_SIZE');
    expect(codeOf(() => log.consistencyProof(4, 3))).toBe('BAD_SIZE');
    expect(codeOf(() => log.consistencyProof(2, 6))).toBe('BAD_SIZE');
    expect(log.consistencyProof(5)).toEqual([]);
    expect(codeOf(() => verifyConsistency(5, 5, [], log.root(), log.root()))).toBe('no error');
  });
});

describe('trees far beyond 2^31 leaves (virtual tree of identical leaves)', () => {
  // With every leaf equal, a perfect subtree's hash depends only on its level, so any size is cheap.
  const perfect: Buffer[] = [leafHash(Buffer.from('same'))];
  for (let level = 1; level <= 53; level += 1) perfect.push(nodeHash(perfect[level - 1] as Buffer, perfect[level - 1] as Buffer));
  const source: SubtreeHashSource = { subtreeHash: (level) => perfect[level] as Buffer };

  it.each([
    [2 ** 31 + 5, 2 ** 32 + 3],
    [2 ** 40 - 1, 2 ** 40 + 7],
    [2 ** 52 + 3, Number.MAX_SAFE_INTEGER],
  ])('inclusion and consistency proofs verify between sizes %d and %d', (size1, size2) => {
    const root1 = rangeRoot(source, 0, size1);
    const root2 = rangeRoot(source, 0, size2);
    for (const index of [0, 2 ** 31 - 1, 2 ** 31, size1 - 2, size1 - 1]) {
      const proof = inclusionProof(index, size2, source);
      expect(codeOf(() => verifyInclusion(perfect[0] as Buffer, index, size2, proof, root2))).toBe('no error');
      expect(codeOf(() => verifyInclusion(perfect[0] as Buffer, index, size2, proof.slice(1), root2))).toBe('PROOF_INVALID');
    }
    const proof = consistencyProof(size1, size2, source);
    expect(codeOf(() => verifyConsistency(size1, size2, proof, root1, root2))).toBe('no error');
    expect(codeOf(() => verifyConsistency(size1, size2, proof, root2, root1))).toBe('ROOT_MISMATCH');
    expect(codeOf(() => verifyConsistency(size1, size2, [...proof, perfect[0] as Buffer], root1, root2))).toBe('PROOF_INVALID');
  });
});
