/**
 * A routing policy that names a pair: victim notices and status updates between TH and CN only
 * (`between`), alerts among everyone. The sending gateway refuses the rest with 403, the receiving
 * gateway quarantines what another party writes onto its inbox anyway.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDocument, loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';
import { digestOf, signAs, Wire } from '../support/wire.ts';

let c: Cluster;
let wire: Wire;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  const policy = join(mkdtempSync(join(tmpdir(), 'mx-pairs-')), 'routing-policy.json');
  writeFileSync(
    policy,
    JSON.stringify({
      version: 1,
      groups: { everyone: ['LA', 'TH', 'CN', 'INTERPOL'] },
      rules: [
        { type: 'victim-repatriation-notice', between: ['TH', 'CN'] },
        { type: 'repatriation-status-update', between: ['TH', 'CN'] },
        { type: 'offender-travel-alert', from: '@everyone', to: '@everyone' },
        { type: 'offender-alert-response', from: '@everyone', to: '@everyone' },
        { type: 'delivery-receipt', from: '@everyone', to: '@everyone' },
        { type: 'audit-event', from: '@everyone', to: [] },
      ],
    }),
  );
  c = await startCluster(['LA', 'TH', 'CN'], { env: { MX_ROUTING_POLICY: policy } });
  wire = new Wire(c);
  for (const e of ['LA', 'TH', 'CN']) tokens[e] = await c.token(e, ['liaison-officer']);
}, 120_000);
afterAll(async () => {
  await wire?.close();
  await c?.stop();
});

async function submit(from: string, to: string[], caseRef?: string) {
  return c.call(from, 'POST', '/v1/notices', { token: tokens[from]!, body: { type: 'victim-repatriation-notice', to, ...(caseRef ? { caseRef } : {}), body: loadBody('victim-repatriation-notice') } });
}

test('TH and CN exchange victim notices in both directions; LA may send them to neither', async () => {
  const th = await submit('TH', ['CN'], 'TH-2026-400001');
  expect(th.status).toBe(202);
  const cn = await submit('CN', ['TH'], 'CN-2026-400001');
  expect(cn.status).toBe(202);
  await eventually(() => c.gateways.CN!.gateway.store.inboxByKey('TH', th.body.id), 30_000, 'TH -> CN delivered');
  await eventually(() => c.gateways.TH!.gateway.store.inboxByKey('CN', cn.body.id), 30_000, 'CN -> TH delivered');

  for (const to of [['CN'], ['TH'], ['TH', 'CN']]) {
    const r = await submit('LA', to);
    expect({ to, status: r.status, code: r.body.code }).toEqual({ to, status: 403, code: 'ROUTE_FORBIDDEN' });
  }
  // Alerts keep their own rule: LA may still alert CN.
  const alert = await c.call('LA', 'POST', '/v1/notices', { token: tokens.LA!, body: { type: 'offender-travel-alert', to: ['CN'], body: loadBody('offender-travel-alert') } });
  expect(alert.status).toBe(202);
});

test('a victim notice LA signs and writes straight onto CN\'s inbox is quarantined ROUTE_FORBIDDEN', async () => {
  const caseRef = 'LA-2026-400001';
  const record = await signAs(c, 'LA', buildDocument('victim-repatriation-notice', { from: 'LA', to: ['CN'], caseRef }));
  await wire.write(wire.inbox('CN'), caseRef, record);
  const entry = await eventually(async () => {
    const r = await c.call('CN', 'GET', '/v1/dead-letters?limit=200', { token: tokens.CN! });
    return (r.body.items as { digest: string; reasonCode: string }[]).find((i) => i.digest === digestOf(record));
  }, 30_000, 'the dead letter at CN');
  expect(entry.reasonCode).toBe('ROUTE_FORBIDDEN');
  expect(c.gateways.CN!.gateway.store.inboxByDigest(digestOf(record))).toBeUndefined();
});
