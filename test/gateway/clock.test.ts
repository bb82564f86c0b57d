/**
 * Time-dependent rules with an injected clock: expiry of a received notice and the retention of an
 * `Idempotency-Key` are tested by moving the gateway's clock, not by waiting.
 */
import { ManualClock } from '../../services/core/src/clock/clock.ts';
import { buildDocument, loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';
import { digestOf, signAs, Wire } from '../support/wire.ts';

const HOUR = 3_600_000;
const clocks = { LA: new ManualClock(), TH: new ManualClock() };
let c: Cluster;
let wire: Wire;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  c = await startCluster(['LA', 'TH'], { clocks });
  wire = new Wire(c);
  tokens.LA = await c.token('LA', ['liaison-officer']);
  tokens.TH = await c.token('TH', ['liaison-officer']);
});
afterAll(async () => {
  await wire?.close();
  await c?.stop();
});
beforeEach(() => {
  clocks.LA.set(Date.now());
  clocks.TH.set(Date.now());
});

async function deadLetter(at: string, digest: string): Promise<{ reasonCode: string }> {
  return eventually(async () => {
    const r = await c.call(at, 'GET', '/v1/dead-letters?limit=200', { token: tokens[at]! });
    return (r.body.items as { digest: string; reasonCode: string }[]).find((i) => i.digest === digest);
  }, 20_000, `dead letter at ${at}`);
}

test('a notice that expired by the receiver\'s clock is quarantined EXPIRED; the same kind of notice in time is stored', async () => {
  const caseRef = 'TH-2026-300001';
  const expiresAt = new Date(Date.now() + HOUR);
  const late = await signAs(c, 'TH', buildDocument('victim-repatriation-notice', { from: 'TH', to: ['LA'], caseRef, expiresAt }));
  clocks.LA.advance(2 * HOUR); // past expiresAt plus the skew allowance
  await wire.write(wire.inbox('LA'), caseRef, late);
  expect((await deadLetter('LA', digestOf(late))).reasonCode).toBe('EXPIRED');

  clocks.LA.set(Date.now());
  const doc = buildDocument('victim-repatriation-notice', { from: 'TH', to: ['LA'], caseRef: 'TH-2026-300002', expiresAt });
  await wire.write(wire.inbox('LA'), 'TH-2026-300002', await signAs(c, 'TH', doc));
  await eventually(() => c.gateways.LA!.gateway.store.inboxByKey('TH', doc.id), 20_000, 'stored in time');
  expect(c.gateways.LA!.gateway.store.inboxByDigest(digestOf(late))).toBeUndefined();
});

test('an Idempotency-Key is forgotten after its retention period (24 h by default)', async () => {
  const post = async (body: unknown) => {
    const res = await fetch(`${c.gateways.TH!.url}/v1/notices`, { method: 'POST', headers: { authorization: `Bearer ${tokens.TH}`, 'content-type': 'application/json', 'idempotency-key': 'k-retention' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { id: string; code?: string } };
  };
  const first = { type: 'victim-repatriation-notice', to: ['LA'], body: loadBody('victim-repatriation-notice') };
  const other = { ...first, expiresAt: new Date(Date.now() + 48 * HOUR).toISOString() };
  expect((await post(first)).status).toBe(202);
  clocks.TH.advance(23 * HOUR);
  expect((await post(other)).body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  clocks.TH.advance(HOUR + 1000);
  const again = await post({ ...other, expiresAt: new Date(clocks.TH.now().getTime() + 48 * HOUR).toISOString() });
  expect(again.status).toBe(202);
});
