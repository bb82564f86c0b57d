/** The provisioning plan is the ACL table of the README: each principal gets exactly its grants. */
import { provisionPlan } from '../../services/core/src/kafka/provision.ts';
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

test('the audit service only reads mx.audit with its group; mx.audit is created with LogAppendTime', () => {
  expect(grantsOf('mx-audit')).toEqual(['READ group p.mx-audit', 'READ topic p.mx.audit']);
  const audit = plan.topics.find((t) => t.topic === 'p.mx.audit');
  expect(audit?.configEntries).toEqual([{ name: 'message.timestamp.type', value: 'LogAppendTime' }]);
  expect(audit?.enforceConfig).toBe(true);
});
