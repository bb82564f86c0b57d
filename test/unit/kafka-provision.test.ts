/** The provisioning plan is the ACL table of the README: each principal gets exactly its grants. */
import { provisionPlan } from '../../services/core/src/kafka/provision.ts';
import { minInsyncReplicas } from '../../services/core/src/kafka/transport.ts';
import { sendsTo } from '../../services/cli/src/deployment/kafka.ts';
import { DEFAULT_ROUTING_POLICY } from '../../services/gateway/src/config.ts';
import { RoutingPolicy } from '../../services/gateway/src/policy.ts';

const endpoints = ['LA', 'TH', 'CN', 'INTERPOL'];
const plan = provisionPlan({ prefix: 'p.', sendsTo: sendsTo(RoutingPolicy.fromFile(DEFAULT_ROUTING_POLICY), endpoints) });
const grantsOf = (principal: string) =>
  plan.grants.filter((g) => g.principal === principal).flatMap((g) => g.operations.map((op) => `${op} ${g.resource} ${g.name}`)).sort();

test('a gateway writes the inboxes it may send to, its own DLQ and mx.audit, and reads only its own inbox with its own group', () => {
  expect(grantsOf('gw-LA')).toEqual(
    [
      'READ group p.mx-gateway-LA',
      'READ topic p.mx.inbox.LA',
      'WRITE topic p.mx.audit',
      'WRITE topic p.mx.dlq.LA',
      // The default policy lets every endpoint send alerts and receipts to every other.
      'WRITE topic p.mx.inbox.CN',
      'WRITE topic p.mx.inbox.INTERPOL',
      'WRITE topic p.mx.inbox.TH',
    ].sort(),
  );
});

test('a policy that forbids a route leaves its inbox unwritable', () => {
  const narrow = RoutingPolicy.fromObject({
    version: 1,
    rules: [
      { type: 'victim-repatriation-notice', from: ['TH'], to: ['LA'] },
      { type: 'repatriation-status-update', from: ['LA'], to: ['TH'] },
      { type: 'offender-travel-alert', from: ['TH'], to: ['LA'] },
      { type: 'offender-alert-response', from: ['LA'], to: ['TH'] },
      { type: 'delivery-receipt', from: ['LA', 'TH'], to: ['LA', 'TH'] },
      { type: 'audit-event', from: ['LA', 'TH', 'CN'], to: [] },
    ],
  });
  const p = provisionPlan({ sendsTo: sendsTo(narrow, ['LA', 'TH', 'CN']) });
  const cnWrites = p.grants.filter((g) => g.principal === 'gw-CN' && g.operations.includes('WRITE')).map((g) => g.name).sort();
  expect(cnWrites).toEqual(['mx.audit', 'mx.dlq.CN']);
});

test('the audit service only reads mx.audit with its group; mx.audit is created with LogAppendTime and kept indefinitely', () => {
  expect(grantsOf('mx-audit')).toEqual(['READ group p.mx-audit', 'READ topic p.mx.audit']);
  const audit = plan.topics.find((t) => t.topic === 'p.mx.audit');
  expect(audit?.configEntries).toEqual([
    { name: 'message.timestamp.type', value: 'LogAppendTime' },
    { name: 'retention.ms', value: '-1' },
    { name: 'retention.bytes', value: '-1' },
  ]);
  expect(audit?.enforceConfig).toBe(true);
});

test('every topic has an explicit retention, enforced on topics that exist already: inboxes 30 days, DLQs 90 days', () => {
  const retention = (topic: string) => Object.fromEntries((plan.topics.find((t) => t.topic === topic)?.configEntries ?? []).filter((c) => c.name.startsWith('retention.')).map((c) => [c.name, c.value]));
  for (const e of endpoints) {
    expect(retention(`p.mx.inbox.${e}`)).toEqual({ 'retention.ms': String(30 * 86_400_000), 'retention.bytes': '-1' });
    expect(retention(`p.mx.dlq.${e}`)).toEqual({ 'retention.ms': String(90 * 86_400_000), 'retention.bytes': '-1' });
  }
  expect(plan.topics).toHaveLength(2 * endpoints.length + 1);
  expect(plan.topics.filter((t) => !t.enforceConfig || !t.configEntries?.some((c) => c.name === 'retention.ms'))).toEqual([]);
});

test('the replication factor is 1 unless given, and applies to every topic; min ISR is 2 from 3 replicas up', () => {
  expect(new Set(plan.topics.map((t) => t.replicationFactor))).toEqual(new Set([1]));
  const three = provisionPlan({ sendsTo: sendsTo(RoutingPolicy.fromFile(DEFAULT_ROUTING_POLICY), endpoints), replicationFactor: 3 });
  expect(new Set(three.topics.map((t) => t.replicationFactor))).toEqual(new Set([3]));
  expect([1, 2, 3, 5].map(minInsyncReplicas)).toEqual([1, 1, 2, 2]);
});
