/**
 * Rough timings of the Merkle log (not a test; nothing is asserted):
 *   npx tsx test/merkle/bench.ts [leaves=1000000]
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leafHash, MerkleLog, verifyConsistency, verifyInclusion } from '../../services/audit/src/merkle/index.ts';

const total = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'mx-merkle-bench-'));
const file = join(dir, 'bench.db');
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const log = new MerkleLog(db);
const event = (i: number): Buffer => Buffer.concat([Buffer.from(`{"seq":${i},"sig":"`), randomBytes(220), Buffer.from('"}')]);

const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
const time = <T>(fn: () => T): [T, number] => {
  const start = process.hrtime.bigint();
  const result = fn();
  return [result, ms(start)];
};
const randomInt = (n: number): number => Math.floor(Math.random() * n);

function measureProofs(size: number): void {
  const runs = 1000;
  const [, incl] = time(() => {
    for (let i = 0; i < runs; i += 1) log.inclusionProof(randomInt(size), size);
  });
  const [, cons] = time(() => {
    for (let i = 0; i < runs; i += 1) log.consistencyProof(1 + randomInt(size - 1), size);
  });
  const [, root] = time(() => {
    for (let i = 0; i < runs; i += 1) log.root(1 + randomInt(size));
  });
  const [, verify] = time(() => {
    for (let i = 0; i < runs; i += 1) {
      const index = randomInt(size);
      const size1 = 1 + randomInt(size - 1);
      verifyInclusion(log.leaf(index).hash, index, size, log.inclusionProof(index, size), log.root(size));
      verifyConsistency(size1, size, log.consistencyProof(size1, size), log.root(size1), log.root(size));
    }
  });
  console.log(
    `size ${size}: inclusionProof ${(incl / runs).toFixed(3)} ms, consistencyProof ${(cons / runs).toFixed(3)} ms, ` +
      `root(any size) ${(root / runs).toFixed(3)} ms (mean of ${runs}); read leaf + generate + verify both ${(verify / runs).toFixed(3)} ms`,
  );
}

const singles = 2000;
const [, singleMs] = time(() => {
  for (let i = 0; i < singles; i += 1) log.append(event(i));
});
const [, shaMs] = time(() => {
  const sample = event(0);
  for (let i = 0; i < 100_000; i += 1) leafHash(sample);
});
console.log(`this machine: leafHash of a 250-byte event ${((shaMs / 100_000) * 1000).toFixed(2)} µs`);
console.log(`append one by one (own transaction each, WAL, synchronous=NORMAL): ${((singleMs / singles) * 1000).toFixed(1)} µs/leaf`);

const checkpoints = [100_000, 1_000_000, 10_000_000].filter((n) => n <= total);
let appendedMs = 0;
for (const target of checkpoints) {
  const [, batchMs] = time(() => {
    while (log.size() < target) {
      const n = Math.min(10_000, target - log.size());
      log.appendMany(Array.from({ length: n }, (_, i) => event(log.size() + i)));
    }
  });
  appendedMs += batchMs;
  console.log(`appendMany in batches of 10000 up to ${target}: ${(appendedMs / 1000).toFixed(2)} s total (${((appendedMs / target) * 1000).toFixed(1)} µs/leaf)`);
  measureProofs(target);
  const [report, integrityMs] = time(() => log.verifyIntegrity());
  console.log(`verifyIntegrity over ${target} leaves: ${(integrityMs / 1000).toFixed(2)} s, ok=${report.ok}, nodes checked ${report.nodesChecked}`);
  const [, incrementalMs] = time(() => log.verifyIntegrity({ from: target - 1000 }));
  console.log(`verifyIntegrity of the last 1000 leaves: ${incrementalMs.toFixed(1)} ms`);
}
db.pragma('wal_checkpoint(TRUNCATE)');
console.log(`db file: ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB for ${log.size()} leaves of ~250 bytes`);
db.close();
rmSync(dir, { recursive: true, force: true });
