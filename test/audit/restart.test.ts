/**
 * Restarting the audit service mid-stream: it picks up where it stopped (events published while it
 * was down are appended, none twice), its new checkpoint provably extends the one before, and a
 * replay of the whole topic (a new consumer group, as a rebuilt read replica would start) adds
 * nothing to an existing log.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyConsistency } from '../../services/audit/src/merkle/index.ts';
import type { AuditDeployment, Deployment } from '../../services/cli/src/deployment/setup.ts';
import { auditDeployment, AuditTopic, freshPrefix, GatewayTrail, startAudit, type RunningAudit } from '../support/audit.ts';
import { eventually } from '../support/kafka.ts';

let dep: Deployment;
let audit: AuditDeployment;
let topic: AuditTopic;
let prefix: string;
let dataDir: string;
let svc: RunningAudit | undefined;

beforeAll(async () => {
  ({ dep, audit } = await auditDeployment(['LA', 'TH']));
  prefix = freshPrefix();
  topic = new AuditTopic(prefix);
  await topic.create();
  dataDir = mkdtempSync(join(tmpdir(), 'mx-audit-restart-'));
});
afterAll(async () => {
  await svc?.stop();
  await topic?.close();
});

const waitForSize = (s: RunningAudit, n: number): Promise<number> =>
  eventually(() => (s.service.store.log.size() === n ? n : undefined), 30_000, `tree size ${n}`);

test('tree size and root continue consistently across a restart; redelivery and replay add nothing', async () => {
  const la = await GatewayTrail.of(dep, 'LA');
  const th = await GatewayTrail.of(dep, 'TH');
  const first = [...(await la.many(10)), ...(await th.many(5))];
  svc = await startAudit(dep, audit, { prefix, dataDir });
  await topic.publish('LA', first.slice(0, 10));
  await topic.publish('TH', first.slice(10));
  await waitForSize(svc, 15);
  const before = await svc.service.checkpointer.signNow();
  if (before.kind !== 'signed') throw new Error(`no checkpoint: ${JSON.stringify(before)}`);
  const state = join(dataDir, 'auditor-state.json');
  expect((await svc.verify({ state })).exitCode).toBe(0);

  // Mid-stream: more events keep arriving while the service is down.
  const stopping = svc.stop();
  const more = [...(await la.many(5)), ...(await th.many(10))];
  await topic.publish('LA', more.slice(0, 5));
  await stopping;
  await topic.publish('TH', more.slice(5));

  svc = await startAudit(dep, audit, { prefix, dataDir });
  await waitForSize(svc, 30);
  // Records the first instance had handled but not committed come again; a gateway may re-send too.
  await topic.publish('LA', first.slice(0, 3));
  await eventually(() => (svc!.service.ingestor.counters.duplicates >= 3 ? true : undefined), 20_000, 'three duplicates');
  expect(svc.service.store.log.size()).toBe(30);

  const after = await svc.service.checkpointer.signNow();
  if (after.kind !== 'signed') throw new Error(`no checkpoint: ${JSON.stringify(after)}`);
  expect(after.checkpoint.treeSize).toBe(30);
  // The auditor's view: a consistency proof from before the restart to after it, against the signed roots.
  const proof = await svc.get(`/v1/proofs/consistency?from=15&to=30`);
  expect(proof.status).toBe(200);
  expect(proof.body.fromRoot).toBe(before.checkpoint.rootHash);
  expect(() =>
    verifyConsistency(15, 30, proof.body.proof.map((p: string) => Buffer.from(p, 'base64')), Buffer.from(before.checkpoint.rootHash, 'base64'), Buffer.from(after.checkpoint.rootHash, 'base64')),
  ).not.toThrow();
  const r = await svc.verify({ state });
  expect(r.failures).toEqual([]);
  expect(r.stats.gateways).toEqual({ LA: { from: 1, to: 15, events: 15 }, TH: { from: 1, to: 15, events: 15 } });
  await svc.stop();

  // A replay from the beginning of the topic (a new consumer group) finds every record already logged.
  svc = await startAudit(dep, audit, { prefix, dataDir, env: { MX_AUDIT_CONSUMER_GROUP: 'mx-audit-replay' } });
  await eventually(() => (svc!.service.ingestor.counters.duplicates >= 33 ? true : undefined), 30_000, 'the whole topic replayed');
  expect(svc.service.ingestor.counters.appended).toBe(0);
  expect(svc.service.store.log.size()).toBe(30);
  expect(svc.service.store.log.root(30).toString('base64')).toBe(after.checkpoint.rootHash);
});
