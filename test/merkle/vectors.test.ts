/**
 * Every published probe of transparency-dev/merkle: valid ones verify, `wantErr` ones are rejected
 * with a MerkleError. The last test checks that every file found was run.
 */
import { isMerkleError, MERKLE_ERROR_MEANINGS, verifyConsistency, verifyInclusion } from '../../services/audit/src/merkle/index.ts';
import { loadConsistency, loadInclusion, probeFiles, vectorsDir } from './support/vectors.ts';

const inclusionFiles = probeFiles('inclusion');
const consistencyFiles = probeFiles('consistency');
const ran = { inclusion: 0, consistency: 0, accepted: 0, rejected: 0 };

function outcome(verify: () => void): { ok: true } | { ok: false; error: unknown } {
  try {
    verify();
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

function expectOutcome(result: ReturnType<typeof outcome>, wantErr: boolean): void {
  if (wantErr) {
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(isMerkleError(result.error)).toBe(true);
      expect(Object.keys(MERKLE_ERROR_MEANINGS)).toContain((result.error as { code: string }).code);
    }
    ran.rejected += 1;
  } else {
    if (!result.ok) throw result.error;
    ran.accepted += 1;
  }
}

describe(`Merkle vectors in ${vectorsDir}`, () => {
  it('finds both kinds of probes', () => {
    expect(inclusionFiles.length).toBeGreaterThan(0);
    expect(consistencyFiles.length).toBeGreaterThan(0);
  });

  it.each(inclusionFiles)('inclusion %s', (file) => {
    const p = loadInclusion(file);
    expectOutcome(outcome(() => verifyInclusion(p.leafHash, p.leafIdx, p.treeSize, p.proof, p.root)), p.wantErr);
    ran.inclusion += 1;
  });

  it.each(consistencyFiles)('consistency %s', (file) => {
    const p = loadConsistency(file);
    expectOutcome(outcome(() => verifyConsistency(p.size1, p.size2, p.proof, p.root1, p.root2)), p.wantErr);
    ran.consistency += 1;
  });

  it('ran every probe found, accepting some and rejecting others', () => {
    expect(ran.inclusion).toBe(inclusionFiles.length);
    expect(ran.consistency).toBe(consistencyFiles.length);
    expect(ran.accepted).toBeGreaterThan(0);
    expect(ran.rejected).toBeGreaterThan(0);
    expect(ran.accepted + ran.rejected).toBe(inclusionFiles.length + consistencyFiles.length);
  });
});
