/**
 * Tampering with a real log file behind the service's back, through a second SQLite connection:
 * verifyIntegrity must name what was changed and where.
 */
import type Database from 'better-sqlite3';
import {
  isMerkleError,
  leafHash,
  MerkleLog,
  verifyInclusion,
  type IntegrityProblem,
  type MerkleErrorCode,
} from '../../services/audit/src/merkle/index.ts';
import { tempDbs, type TempDbs } from './support/temp-db.ts';

const SIZE = 37; // perfect subtrees of 32, 4 and 1 leaves
const entry = (i: number): Buffer => Buffer.from(JSON.stringify({ seq: i, action: 'delivered', digest: 'ab'.repeat(16) }));

let dbs: TempDbs;
let log: MerkleLog;
let attacker: Database.Database;
let signedRoot: Buffer;

beforeEach(() => {
  dbs = tempDbs('tamper');
  log = new MerkleLog(dbs.open('audit.db'));
  log.appendMany(Array.from({ length: SIZE }, (_, i) => entry(i)));
  signedRoot = log.root();
  attacker = dbs.open('audit.db');
});
afterEach(() => dbs.cleanup());

const checkpoint = (): { treeSize: number; rootHash: Buffer } => ({ treeSize: SIZE, rootHash: signedRoot });
const kinds = (problems: readonly IntegrityProblem[]): string[] => problems.map((p) => p.kind);

function codeOf(fn: () => unknown): MerkleErrorCode | 'no error' | 'not a MerkleError' {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return isMerkleError(error) ? error.code : 'not a MerkleError';
  }
}

describe('verifyIntegrity', () => {
  it('passes an untouched log, checking every leaf and every complete node', () => {
    const report = log.verifyIntegrity({ trustedRoots: [checkpoint()], maxProblems: 100 });
    expect(report).toMatchObject({ ok: true, size: SIZE, leavesChecked: SIZE, nodesChecked: SIZE - 3, problems: [] });
  });

  it('finds one changed byte in a stored leaf', () => {
    const bytes = entry(13);
    bytes[5] = (bytes[5] as number) ^ 0x01;
    attacker.prepare('UPDATE merkle_leaves SET leaf_bytes = ? WHERE leaf_index = 13').run(bytes);
    const report = log.verifyIntegrity({ maxProblems: 100 });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { kind: 'leaf-hash-mismatch', index: 13, stored: leafHash(entry(13)), computed: leafHash(bytes) },
    ]);
    // An incremental check over a range without the leaf does not see it; one with it does.
    expect(log.verifyIntegrity({ from: 14 }).ok).toBe(true);
    expect(log.verifyIntegrity({ from: 10, to: 14 }).problems[0]).toMatchObject({ kind: 'leaf-hash-mismatch', index: 13 });
  });

  it('finds a deleted leaf row', () => {
    attacker.prepare('DELETE FROM merkle_leaves WHERE leaf_index = 20').run();
    const report = log.verifyIntegrity();
    expect(report.problems).toEqual([{ kind: 'leaf-missing', index: 20 }]);
    expect(log.size()).toBe(SIZE);
    expect(codeOf(() => log.leaf(20))).toBe('STORE_CORRUPT');
    expect(codeOf(() => log.inclusionProof(21))).toBe('STORE_CORRUPT');
  });

  it('finds a deleted last leaf (the size is stored, not counted)', () => {
    attacker.prepare('DELETE FROM merkle_leaves WHERE leaf_index = ?').run(SIZE - 1);
    expect(log.verifyIntegrity().problems).toEqual([{ kind: 'leaf-missing', index: SIZE - 1 }]);
  });

  it('finds two swapped leaf rows at the nodes above them', () => {
    const swap = attacker.transaction(() => {
      attacker.prepare('UPDATE merkle_leaves SET leaf_index = -1 WHERE leaf_index = 5').run();
      attacker.prepare('UPDATE merkle_leaves SET leaf_index = 5 WHERE leaf_index = 26').run();
      attacker.prepare('UPDATE merkle_leaves SET leaf_index = 26 WHERE leaf_index = -1').run();
    });
    swap();
    const report = log.verifyIntegrity({ maxProblems: 100 });
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'node-hash-mismatch', level: 1, index: 2, firstLeaf: 4, endLeaf: 6 }),
      expect.objectContaining({ kind: 'node-hash-mismatch', level: 1, index: 13, firstLeaf: 26, endLeaf: 28 }),
    ]);
  });

  it('finds two swapped leaf contents at the leaves', () => {
    attacker.prepare('UPDATE merkle_leaves SET leaf_bytes = ? WHERE leaf_index = 5').run(entry(26));
    attacker.prepare('UPDATE merkle_leaves SET leaf_bytes = ? WHERE leaf_index = 26').run(entry(5));
    expect(kinds(log.verifyIntegrity({ maxProblems: 100 }).problems)).toEqual(['leaf-hash-mismatch', 'leaf-hash-mismatch']);
    expect(log.verifyIntegrity({ maxProblems: 100 }).problems.map((p) => ('index' in p ? p.index : null))).toEqual([5, 26]);
  });

  it('finds a corrupted node hash at that node, and its proofs no longer verify against the signed root', () => {
    attacker.prepare('UPDATE merkle_nodes SET hash = ? WHERE level = 3 AND node_index = 2').run(Buffer.alloc(32, 7));
    const first = log.verifyIntegrity();
    expect(first.ok).toBe(false);
    expect(first.problems).toEqual([
      expect.objectContaining({ kind: 'node-hash-mismatch', level: 3, index: 2, firstLeaf: 16, endLeaf: 24, stored: Buffer.alloc(32, 7) }),
    ]);
    // Its parent was computed from the genuine value, so it now disagrees with the corrupted child.
    expect(log.verifyIntegrity({ maxProblems: 100 }).problems).toEqual([
      expect.objectContaining({ kind: 'node-hash-mismatch', level: 3, index: 2 }),
      expect.objectContaining({ kind: 'node-hash-mismatch', level: 4, index: 1, firstLeaf: 16, endLeaf: 32 }),
    ]);
    // Why the service checks before serving or signing: a proof through the corrupted node fails.
    const proof = log.inclusionProof(25);
    expect(codeOf(() => verifyInclusion(leafHash(entry(25)), 25, SIZE, proof, signedRoot))).toBe('ROOT_MISMATCH');
  });

  it('finds a deleted node row', () => {
    attacker.prepare('DELETE FROM merkle_nodes WHERE level = 2 AND node_index = 5').run();
    expect(log.verifyIntegrity().problems).toEqual([{ kind: 'node-missing', level: 2, index: 5, firstLeaf: 20, endLeaf: 24 }]);
    expect(codeOf(() => log.inclusionProof(17))).toBe('STORE_CORRUPT');
    expect(codeOf(() => log.inclusionProof(3))).toBe('no error');
  });

  it('finds a rollback of the committed size', () => {
    attacker.prepare('UPDATE merkle_state SET tree_size = 30').run();
    const report = log.verifyIntegrity({ trustedRoots: [checkpoint()], maxProblems: 100 });
    expect(report.problems[0]).toEqual({ kind: 'leaf-beyond-size', index: 30 });
    expect(kinds(report.problems)).toContain('node-beyond-size');
    expect(report.problems.at(-1)).toEqual({ kind: 'trusted-size-beyond-log', treeSize: SIZE, size: 30 });
  });

  it('a consistent rewrite of a leaf and all its ancestors is caught only by a signed root', () => {
    const forged = new MerkleLog(attacker, { tablePrefix: 'forged_' });
    forged.appendMany(Array.from({ length: SIZE }, (_, i) => (i === 13 ? Buffer.from('forged') : entry(i))));
    attacker.exec(`
      DELETE FROM merkle_leaves; INSERT INTO merkle_leaves SELECT * FROM forged_leaves;
      DELETE FROM merkle_nodes; INSERT INTO merkle_nodes SELECT * FROM forged_nodes;`);
    expect(log.verifyIntegrity().ok).toBe(true);
    const report = log.verifyIntegrity({ trustedRoots: [checkpoint()] });
    expect(report.problems).toEqual([
      { kind: 'trusted-root-mismatch', treeSize: SIZE, expected: signedRoot, computed: forged.root() },
    ]);
  });

  it('refuses to append over a stray row beyond the committed size', () => {
    attacker.prepare('INSERT INTO merkle_nodes (level, node_index, hash) VALUES (1, 30, ?)').run(Buffer.alloc(32));
    expect(log.verifyIntegrity().problems).toEqual([{ kind: 'node-beyond-size', level: 1, index: 30, firstLeaf: 60, endLeaf: 62 }]);
    attacker.prepare('INSERT INTO merkle_leaves (leaf_index, leaf_hash, leaf_bytes) VALUES (?, ?, ?)').run(SIZE, Buffer.alloc(32), Buffer.alloc(1));
    expect(codeOf(() => log.append(entry(SIZE)))).toBe('STORE_CORRUPT');
    expect(log.size()).toBe(SIZE);
  });
});
