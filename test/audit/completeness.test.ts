/**
 * A gateway event dropped before it reaches the log (withheld by an operator, lost on the way) is
 * seen as a gap in that gateway's sequence: by the service (`GET /v1/gaps`) and by the auditor's
 * own check of the signed events (`mx audit verify`), which names the gateway and the sequence
 * number. When the event turns up, both are satisfied again.
 */
import type { AuditDeployment, Deployment } from '../../services/cli/src/deployment/setup.ts';
import { auditDeployment, AuditTopic, freshPrefix, GatewayTrail, startAudit, type RunningAudit } from '../support/audit.ts';
import { eventually } from '../support/kafka.ts';

let dep: Deployment;
let audit: AuditDeployment;
let topic: AuditTopic;
let svc: RunningAudit;

beforeAll(async () => {
  ({ dep, audit } = await auditDeployment(['LA', 'TH']));
  const prefix = freshPrefix();
  topic = new AuditTopic(prefix);
  await topic.create();
  svc = await startAudit(dep, audit, { prefix });
});
afterAll(async () => {
  await svc?.stop();
  await topic?.close();
});

test('a dropped event is a named sequence gap until it arrives', async () => {
  const th = await GatewayTrail.of(dep, 'TH');
  const la = await GatewayTrail.of(dep, 'LA');
  const events = await th.many(10);
  const dropped = events[4]!; // seq 5
  await topic.publish('TH', events.filter((e) => e !== dropped));
  await topic.publish('LA', await la.many(3));
  await eventually(() => (svc.service.store.log.size() === 12 ? true : undefined), 20_000, '12 leaves');

  const gaps = await svc.get('/v1/gaps');
  expect(gaps.body.items).toEqual([{ gateway: 'TH', kind: 'missing', fromSeq: 5, toSeq: 5, detectedAt: expect.any(String) }]);
  expect(await svc.service.checkpointer.signNow()).toMatchObject({ kind: 'signed' });

  const r = await svc.verify();
  expect(r.exitCode).toBe(1);
  expect(r.failures).toEqual([{ check: 'seq-gap', where: 'gateway TH seq 5', detail: expect.stringMatching(/^seq 5 missing from the log \(seq 4 is leaf \d+, seq 6 is leaf \d+\)$/) }]);
  expect(r.lines).toContain('ok   gateway LA: seq 1..3 complete and linked (3 events, from the signed events)');
  // A sample cannot see the hole from the leaves it drew, but the chain check from the index does.
  const sampled = await svc.verify({ sample: 3 });
  expect(sampled.failures.map((f) => f.where)).toEqual(['gateway TH seq 5']);

  await topic.publish('TH', [dropped]);
  await eventually(async () => ((await svc.get('/v1/gaps')).body.items.length === 0 ? true : undefined), 20_000, 'the gap closed');
  expect(await svc.service.checkpointer.signNow()).toMatchObject({ kind: 'signed', checkpoint: { treeSize: 13 } });
  const again = await svc.verify();
  expect(again.failures).toEqual([]);
  expect(again.stats.gateways.TH).toEqual({ from: 1, to: 10, events: 10 });
});
