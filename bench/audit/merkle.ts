/**
 * Proof generation of the audit service's Merkle log (services/audit/src/merkle) at large sizes:
 * synthetic 256-byte leaves appended straight to a fresh SQLite store with `MerkleLog.appendMany`
 * (proofs read only stored hashes, so the leaf size does not change their cost), then inclusion
 * and consistency proofs for random positions, each checked once against the root.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MerkleLog, verifyConsistency, verifyInclusion } from '../../services/audit/src/merkle/index.ts';
import { distribution, type Distribution } from '../stats.ts';

export interface ProofFigures {
  leaves: number;
  /** Mean append cost while filling (µs per leaf, batches of 10,000). */
  appendUsPerLeaf: number;
  inclusionMs: Distribution;
  consistencyMs: Distribution;
  rootMs: Distribution;
}

export async function measureProofs(workDir: string, sizes: number[], queries: number, log: (line: string) => void): Promise<ProofFigures[]> {
  const dir = mkdtempSync(join(workDir, 'merkle-'));
  const db = new Database(join(dir, 'merkle.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const merkle = new MerkleLog(db);
  const filler = randomBytes(240);
  const out: ProofFigures[] = [];
  let appendMs = 0;
  try {
    for (const size of [...sizes].sort((a, b) => a - b)) {
      const startSize = merkle.size();
      const t = performance.now();
      while (merkle.size() < size) {
        const from = merkle.size();
        const n = Math.min(10_000, size - from);
        merkle.appendMany(Array.from({ length: n }, (_, i) => Buffer.concat([Buffer.from(`{"seq":${from + i},"x":"`), filler, Buffer.from('"}')])));
        // Let timers run (progress, the memory sampler) between batches.
        await new Promise((r) => setImmediate(r));
      }
      const fillMs = performance.now() - t;
      appendMs += fillMs;
      const root = merkle.root(size);
      const incl: number[] = [];
      const cons: number[] = [];
      const roots: number[] = [];
      for (let q = 0; q < queries; q++) {
        const index = Math.floor(Math.random() * size);
        let s = performance.now();
        const proof = merkle.inclusionProof(index, size);
        incl.push(performance.now() - s);
        if (q === 0) verifyInclusion(merkle.leaf(index).hash, index, size, proof, root);
        const size1 = 1 + Math.floor(Math.random() * (size - 1));
        s = performance.now();
        const cproof = merkle.consistencyProof(size1, size);
        cons.push(performance.now() - s);
        s = performance.now();
        const root1 = merkle.root(size1);
        roots.push(performance.now() - s);
        if (q === 0 && size1 < size) verifyConsistency(size1, size, cproof, root1, root);
      }
      const f: ProofFigures = {
        leaves: size,
        appendUsPerLeaf: (appendMs / size) * 1000,
        inclusionMs: distribution(incl),
        consistencyMs: distribution(cons),
        rootMs: distribution(roots),
      };
      out.push(f);
      log(
        `  Merkle log at ${size.toLocaleString('en-US')} leaves (filled ${(size - startSize).toLocaleString('en-US')} in ${(fillMs / 1000).toFixed(1)} s): ` +
          `inclusion proof p50 ${f.inclusionMs.p50.toFixed(3)} ms p99 ${f.inclusionMs.p99.toFixed(3)} ms, consistency proof p50 ${f.consistencyMs.p50.toFixed(3)} ms p99 ${f.consistencyMs.p99.toFixed(3)} ms (${queries} random each)`,
      );
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
