/**
 * Tampering with a real audit store behind the service's back (a second SQLite connection, as an
 * operator with file access could): `mx audit verify` must fail and name what was touched, and
 * the service must refuse to sign a checkpoint over a corrupted tree.
 *
 * The log is built once through the real broker (two gateways, 32 events, checkpoints at 24 and
 * 32); each test works on a fresh copy of that SQLite file, served by an audit service that does
 * not consume.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditDeployment, Deployment } from '../../services/cli/src/deployment/setup.ts';
import { AUDIT_DB_FILE } from '../../services/audit/src/service.ts';
import type { VerifyCheck, VerifyFailure } from '../../services/cli/src/commands/audit-verify.ts';
import { auditDeployment, AuditTopic, freshPrefix, GatewayTrail, incoming, startAudit, type RunningAudit } from '../support/audit.ts';
import { eventually } from '../support/kafka.ts';

let dep: Deployment;
let audit: AuditDeployment;
let pristine: string;
let la: GatewayTrail;
let th: GatewayTrail;

beforeAll(async () => {
  ({ dep, audit } = await auditDeployment(['LA', 'TH']));
  const prefix = freshPrefix();
  const topic = new AuditTopic(prefix);
  await topic.create();
  pristine = mkdtempSync(join(tmpdir(), 'mx-audit-pristine-'));
  const svc = await startAudit(dep, audit, { prefix, dataDir: pristine });
  la = await GatewayTrail.of(dep, 'LA');
  th = await GatewayTrail.of(dep, 'TH');
  const waitFor = (n: number): Promise<number> => eventually(() => (svc.service.store.log.size() === n ? n : undefined), 20_000, `size ${n}`);
  await topic.publish('LA', await la.many(12));
  await topic.publish('TH', await th.many(12));
  await waitFor(24);
  expect((await svc.service.checkpointer.signNow()).kind).toBe('signed');
  await topic.publish('LA', await la.many(4));
  await topic.publish('TH', await th.many(4));
  await waitFor(32);
  expect((await svc.service.checkpointer.signNow()).kind).toBe('signed');
  await svc.stop();
  await topic.close();
});

let svc: RunningAudit;
let attacker: Database.Database;
let dir: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mx-audit-copy-'));
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(join(pristine, AUDIT_DB_FILE + suffix))) copyFileSync(join(pristine, AUDIT_DB_FILE + suffix), join(dir, AUDIT_DB_FILE + suffix));
  }
  svc = await startAudit(dep, audit, { prefix: freshPrefix(), dataDir: dir, consume: false });
  attacker = new Database(join(dir, AUDIT_DB_FILE));
});
afterEach(async () => {
  attacker?.close();
  await svc?.stop();
});

/** The failures of one check, as `where` strings. */
function where(failures: readonly VerifyFailure[], check: VerifyCheck): string[] {
  return failures.filter((f) => f.check === check).map((f) => f.where);
}

/** Appends events straight through the ingestor (verification and all), without the broker. */
async function ingest(records: Buffer[]): Promise<void> {
  let offset = 1000;
  for (const r of records) expect(await svc.service.ingestor.handle(incoming(r, offset++))).toBe('appended');
}

test('the untouched log verifies: checkpoints, consistency, every leaf, every signature, both chains', async () => {
  const r = await svc.verify();
  expect(r.failures).toEqual([]);
  expect(r.exitCode).toBe(0);
  expect(r.stats).toMatchObject({ checkpoints: 2, leavesChecked: 32, eventsVerified: 32, gateways: { LA: { from: 1, to: 16, events: 16 }, TH: { from: 1, to: 16, events: 16 } } });
  expect(r.lines.at(-1)).toMatch(/^VERDICT: PASS/);
});

test('one changed byte of a stored leaf is named', async () => {
  const bytes = attacker.prepare('SELECT leaf_bytes FROM merkle_leaves WHERE leaf_index = 13').pluck().get() as Buffer;
  const at = bytes.indexOf('"payload":"') + 40;
  bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
  attacker.prepare('UPDATE merkle_leaves SET leaf_bytes = ? WHERE leaf_index = 13').run(bytes);
  const r = await svc.verify();
  expect(r.exitCode).toBe(1);
  expect(where(r.failures, 'inclusion')).toEqual(['leaf 13']);
  expect(where(r.failures, 'leaf-hash')).toEqual(['leaf 13']);
  expect(where(r.failures, 'event-signature')).toEqual(['leaf 13']);
  // The leaves served no longer hash to what either checkpoint signed.
  expect(where(r.failures, 'checkpoint-root')).toEqual(['checkpoint size 24', 'checkpoint size 32']);
  expect(r.lines.at(-1)).toMatch(/^VERDICT: FAIL: .*leaf 13/);
});

test('a deleted leaf is named', async () => {
  attacker.prepare('DELETE FROM merkle_leaves WHERE leaf_index = 20').run();
  const r = await svc.verify();
  expect(r.exitCode).toBe(1);
  // Leaf 20 is gone; leaf 21's proof needs its hash, so the service cannot prove 21 either.
  expect(where(r.failures, 'leaf-unavailable')).toEqual(['leaf 20', 'leaf 21']);
  expect(r.failures[0]).toMatchObject({ check: 'leaf-unavailable', where: 'leaf 20' });
  // The gateway's chain misses the event that leaf held.
  expect(where(r.failures, 'seq-gap')).toHaveLength(1);
});

test('two reordered leaves are named', async () => {
  const swap = attacker.transaction(() => {
    const row = attacker.prepare('SELECT leaf_hash, leaf_bytes FROM merkle_leaves WHERE leaf_index = ?');
    const a = row.get(3) as { leaf_hash: Buffer; leaf_bytes: Buffer };
    const b = row.get(17) as { leaf_hash: Buffer; leaf_bytes: Buffer };
    const put = attacker.prepare('UPDATE merkle_leaves SET leaf_hash = ?, leaf_bytes = ? WHERE leaf_index = ?');
    put.run(b.leaf_hash, b.leaf_bytes, 3);
    put.run(a.leaf_hash, a.leaf_bytes, 17);
  });
  swap();
  const r = await svc.verify();
  expect(r.exitCode).toBe(1);
  // The moved leaves, and their siblings, whose proofs use the moved leaf hashes.
  expect(where(r.failures, 'inclusion')).toEqual(['leaf 2', 'leaf 3', 'leaf 16', 'leaf 17']);
  // The index still says which event belongs where: exactly the two moved leaves differ from it.
  expect(where(r.failures, 'index-mismatch')).toEqual(['leaf 3', 'leaf 17']);
});

test('a corrupted node hash is named by the leaves whose proofs use it', async () => {
  // Node (level 1, index 2) covers leaves 4 and 5; it is the sibling on the paths of leaves 6 and 7.
  attacker.prepare('UPDATE merkle_nodes SET hash = ? WHERE level = 1 AND node_index = 2').run(randomBytes(32));
  const r = await svc.verify();
  expect(r.exitCode).toBe(1);
  expect(where(r.failures, 'inclusion')).toEqual(['leaf 6', 'leaf 7']);
  expect(r.failures.every((f) => f.check === 'inclusion')).toBe(true);
});

test('a corrupted node on the consistency path between two checkpoints is named by a sampling auditor', async () => {
  // PROOF(24, 32) is [node (3, 2), node (3, 3), node (4, 0)]; node (3, 3) covers leaves 24..31.
  attacker.prepare('UPDATE merkle_nodes SET hash = ? WHERE level = 3 AND node_index = 3').run(randomBytes(32));
  const sampled = await svc.verify({ sample: 1 });
  expect(sampled.exitCode).toBe(1);
  expect(sampled.failures.filter((f) => f.check !== 'inclusion')).toEqual([expect.objectContaining({ check: 'checkpoint-consistency', where: 'checkpoints size 24 -> 32' })]);
  // Every leaf: the proofs of leaves 16..23 use the node.
  const full = await svc.verify();
  expect(where(full.failures, 'inclusion')).toEqual(Array.from({ length: 8 }, (_, i) => `leaf ${16 + i}`));
});

test('the service refuses to sign a checkpoint over a corrupted node, and says so', async () => {
  await ingest([...(await la.many(4)), ...(await th.many(4))]);
  // Node (1, 17) covers leaves 34 and 35, appended since the last checkpoint (32).
  attacker.prepare('UPDATE merkle_nodes SET hash = ? WHERE level = 1 AND node_index = 17').run(randomBytes(32));
  const result = await svc.service.checkpointer.signNow();
  expect(result).toMatchObject({ kind: 'refused', treeSize: 40 });
  expect(result.kind === 'refused' && result.problem).toMatch(/^node-hash-mismatch level 1 index 17 \(leaves 34\.\.35\)/);
  const status = await svc.get('/v1/status');
  expect(status.body).toMatchObject({ treeSize: 40, latestCheckpoint: { treeSize: 32 }, checkpointing: { state: 'refusing', refusals: 1, lastRefusal: { treeSize: 40 } } });
  expect(status.body.checkpointing.lastRefusal.problem).toContain('level 1 index 17');
  expect((await svc.get('/v1/checkpoints')).body.items.map((c: { treeSize: number }) => c.treeSize)).toEqual([24, 32]);
  // An evidence request that needs a new checkpoint is refused too (503), not answered with a stale proof.
  const lastEvent = svc.service.store.eventAt(39)!;
  expect((await svc.get(`/v1/messages/${lastEvent.message_id}/evidence`)).body.code).toBe('UNAVAILABLE');
});

test('the start-up check finds a corrupted node below the last checkpoint and blocks signing', async () => {
  attacker.prepare('UPDATE merkle_nodes SET hash = ? WHERE level = 1 AND node_index = 2').run(randomBytes(32));
  // The incremental check before the next checkpoint would not look below size 32; the full one does.
  const problem = svc.service.checkpointer.verifyAll();
  expect(problem).toMatch(/node-hash-mismatch level 2 index 1|node-hash-mismatch level 1 index 2/);
  await ingest(await la.many(2));
  expect(await svc.service.checkpointer.signNow()).toMatchObject({ kind: 'refused', treeSize: 34 });
});

test('a replaced root of the latest checkpoint is named', async () => {
  attacker.prepare('UPDATE checkpoints SET root_hash = ? WHERE tree_size = 32').run(randomBytes(32));
  const r = await svc.verify();
  expect(r.exitCode).toBe(1);
  expect(r.failures[0]).toMatchObject({ check: 'checkpoint-signature', where: 'checkpoint size 32' });
  expect(r.failures[0]!.detail).toMatch(/STATEMENT_MISMATCH/);
});

/** Cuts the log back to its first `size` leaves, checkpoints and index included, consistently. */
function rollBack(size: number): void {
  attacker.transaction(() => {
    attacker.prepare('DELETE FROM merkle_leaves WHERE leaf_index >= ?').run(size);
    attacker.prepare('DELETE FROM merkle_nodes WHERE (node_index + 1) * (1 << level) > ?').run(size);
    attacker.prepare('UPDATE merkle_state SET tree_size = ?').run(size);
    attacker.prepare('DELETE FROM events WHERE leaf_index >= ?').run(size);
    attacker.prepare('DELETE FROM checkpoints WHERE tree_size > ?').run(size);
  })();
}

test('a rollback to a shorter tree is seen by --state (and only by it)', async () => {
  const state = join(dir, 'auditor-state.json');
  expect((await svc.verify({ state })).exitCode).toBe(0);
  rollBack(24);
  // The shortened log is self-consistent: without memory of the past, nothing is wrong with it.
  expect((await svc.verify()).exitCode).toBe(0);
  const r = await svc.verify({ state });
  expect(r.exitCode).toBe(1);
  expect(r.failures).toEqual([expect.objectContaining({ check: 'rollback' })]);
  expect(r.failures[0]!.detail).toMatch(/size 24, smaller than the 32 accepted before/);
});

test('a forked history (rolled back, then grown differently) is seen by --state', async () => {
  const state = join(dir, 'auditor-state.json');
  expect((await svc.verify({ state })).exitCode).toBe(0);
  rollBack(24);
  const other = await GatewayTrail.of(dep, 'LA');
  await ingest(await other.many(10)); // a different LA trail: the service signs it, as the store is sound
  expect((await svc.service.checkpointer.signNow()).kind).toBe('signed');
  const r = await svc.verify({ state });
  expect(r.exitCode).toBe(1);
  expect(where(r.failures, 'state-fork')).toHaveLength(1);
  expect(r.failures.find((f) => f.check === 'state-fork')!.detail).toMatch(/size 34\) does not provably extend it/);
});

test('a state file is only updated when everything passed', async () => {
  const state = join(dir, 'auditor-state.json');
  writeFileSync(state, JSON.stringify({ format: 'mx-audit-verify-state/v1', acceptedAt: '2026-01-01T00:00:00.000Z', checkpoint: { origin: 'mx-audit.example/log', treeSize: 24, rootHash: svc.service.store.allCheckpoints()[0]!.rootHash, time: 'x', signature: 'x' } }));
  attacker.prepare('UPDATE checkpoints SET root_hash = ? WHERE tree_size = 32').run(randomBytes(32));
  const r = await svc.verify({ state });
  expect(r.exitCode).toBe(1);
  const kept = JSON.parse((await import('node:fs')).readFileSync(state, 'utf8')) as { checkpoint: { treeSize: number } };
  expect(kept.checkpoint.treeSize).toBe(24);
});
