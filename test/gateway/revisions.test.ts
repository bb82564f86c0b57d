/**
 * Withdrawals and corrections on three real gateways and the real broker: TH withdraws an offender
 * alert it sent to LA and INTERPOL (both show it withdrawn with the reason, pushed on their streams,
 * audited at every end); TH corrects a victim notice (LA lists v2 with v1 in its history; INTERPOL
 * never hears of either); TH corrects an alert, then withdraws the new version; HTTP refusals with their codes; and receivers that refuse, with a reason
 * code and a rejection receipt, a withdrawal from another sender, of something never received, and
 * a validly signed record of a type or schema version they do not know.
 */
import { buildDocument, loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';
import { SseClient } from '../support/sse.ts';
import { componentProblems } from '../support/contract.ts';
import { dlqEntry, digestOf, expectNoPersonalData, payloadOf, realSigner, receiptsAbout, signAs, signRaw, Wire, type TopicTap } from '../support/wire.ts';
import { bodySchemaId, SCHEMA_BASE } from '../../services/core/src/schemas/registry.ts';
import { uuidv7 } from '../../services/core/src/ids/uuidv7.ts';
import { setupAudit } from '../../services/cli/src/deployment/setup.ts';
import { startAudit, type RunningAudit } from '../support/audit.ts';

let c: Cluster;
let svc: RunningAudit;
let wire: Wire;
let laDlq: TopicTap;
let thInbox: TopicTap;
let interpolInbox: TopicTap;
const tokens: Record<string, string> = {};
const streams: SseClient[] = [];

beforeAll(async () => {
  c = await startCluster(['LA', 'TH', 'INTERPOL']);
  wire = new Wire(c);
  svc = await startAudit(c.dep, await setupAudit(c.dep), { prefix: c.prefix });
  [laDlq, thInbox, interpolInbox] = await Promise.all([wire.tap(wire.dlq('LA')), wire.tap(wire.inbox('TH')), wire.tap(wire.inbox('INTERPOL'))]);
  tokens.LA = await c.token('LA', ['liaison-officer']);
  tokens.TH = await c.token('TH', ['liaison-officer']);
  tokens.INTERPOL = await c.token('INTERPOL', ['interpol-desk']);
});
afterAll(async () => {
  for (const s of streams) s.close();
  await wire?.close();
  await svc?.stop();
  await c?.stop();
});

async function stream(endpoint: string): Promise<SseClient> {
  const s = await SseClient.open(c.gateways[endpoint]!.url, '/v1/inbox/events', { token: tokens[endpoint]! });
  streams.push(s);
  return s;
}

async function post(endpoint: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  return c.call(endpoint, 'POST', path, { token: tokens[endpoint]!, body });
}

async function sendAlert(to: string[]): Promise<string> {
  const r = await post('TH', '/v1/notices', { type: 'offender-travel-alert', to, body: loadBody('offender-travel-alert') });
  expect({ status: r.status, code: r.body.code }).toEqual({ status: 202, code: undefined });
  return r.body.id as string;
}

async function get(endpoint: string, path: string): Promise<any> {
  const r = await c.call(endpoint, 'GET', path, { token: tokens[endpoint]! });
  expect(r.status).toBe(200);
  return r.body;
}

function auditFacts(endpoint: string, action: string, messageId: string): Record<string, unknown>[] {
  const rows = c.gateways[endpoint]!.gateway.db.prepare("SELECT fact FROM audit_events WHERE json_extract(fact, '$.action') = ? AND json_extract(fact, '$.messageId') = ?").all(action, messageId) as { fact: string }[];
  return rows.map((r) => JSON.parse(r.fact) as Record<string, unknown>);
}

function received(endpoint: string, from: string, id: string): unknown {
  return c.gateways[endpoint]!.gateway.store.inboxByKey(from, id);
}

test('TH withdraws an alert sent to LA and INTERPOL: both show it withdrawn with the reason, stream a lifecycle event, and audit it; TH shows the same', async () => {
  const laStream = await stream('LA');
  const desk = await stream('INTERPOL');
  const alert = await sendAlert(['LA', 'INTERPOL']);
  await eventually(() => received('LA', 'TH', alert) && received('INTERPOL', 'TH', alert), 20_000, 'the alert at LA and INTERPOL');

  const w = await post('TH', `/v1/messages/${alert}/withdrawal`, { reason: 'travel-cancelled' });
  expect({ status: w.status, code: w.body.code }).toEqual({ status: 202, code: undefined });
  const withdrawal = w.body.id as string;

  for (const at of ['LA', 'INTERPOL']) {
    const item = await eventually(async () => {
      const page = await get(at, '/v1/inbox?type=offender-travel-alert&limit=200');
      const found = (page.items as { id: string; revision?: { withdrawn: boolean } }[]).find((i) => i.id === alert);
      return found?.revision?.withdrawn ? found : undefined;
    }, 20_000, `the alert withdrawn at ${at}`);
    expect(componentProblems('gateway', 'InboxSummary', item)).toEqual([]);
    expect(item.revision).toMatchObject({ version: 1, current: true, currentId: alert, corrected: false, withdrawn: true, withdrawal: { id: withdrawal, reason: 'travel-cancelled', from: 'TH' } });
    // The withdrawal is shown on its alert, not as an inbox item of its own.
    const all = await get(at, '/v1/inbox?limit=200');
    expect((all.items as { id: string }[]).map((i) => i.id)).not.toContain(withdrawal);
    const lifecycle = await get(at, `/v1/messages/${alert}`);
    expect(componentProblems('gateway', 'MessageLifecycle', lifecycle)).toEqual([]);
    expect(lifecycle.revision.history).toEqual([{ id: alert, version: 1, from: 'TH', officer: expect.any(String), issuedAt: expect.any(String), receivedAt: expect.any(String), current: true }]);
    expect(lifecycle.revision.withdrawal).toMatchObject({ id: withdrawal, reason: 'travel-cancelled', officer: lifecycle.revision.history[0].officer });
    expect(auditFacts(at, 'withdrawn', alert)).toEqual([expect.objectContaining({ messageType: 'offender-travel-alert', counterpart: 'TH', relatedMessageId: withdrawal, withdrawalReason: 'travel-cancelled' })]);
    expect(auditFacts(at, 'delivered', withdrawal)).toHaveLength(1);
    // The withdrawal itself (its note, when there is one) is opened like any received message.
    const opened = await get(at, `/v1/inbox/${withdrawal}`);
    expect(opened.document).toMatchObject({ type: 'offender-alert-withdrawal', supersedes: alert, body: { reason: 'travel-cancelled' } });
  }
  for (const s of [laStream, desk]) {
    const e = await eventually(() => s.events.find((x) => x.data.messageId === alert && x.data.status === 'withdrawn'), 20_000, 'a withdrawn lifecycle event');
    expect(e.data).toMatchObject({ kind: 'lifecycle', type: 'offender-travel-alert', counterpart: 'TH' });
    expect(s.events.filter((x) => x.data.messageId === withdrawal)).toEqual([]);
    expectNoPersonalData(JSON.stringify(s.events));
  }

  // The sender's view: the alert withdrawn, the withdrawal delivered to both recipients.
  const mine = await get('TH', `/v1/messages/${alert}`);
  expect(mine.revision).toMatchObject({ withdrawn: true, withdrawal: { id: withdrawal, reason: 'travel-cancelled', from: 'TH' } });
  await eventually(async () => ((await get('TH', `/v1/messages/${withdrawal}`)).recipients.every((r: { delivered: boolean }) => r.delivered) ? true : undefined), 20_000, 'the withdrawal delivered to both');
  const sentWithdrawal = await get('TH', `/v1/messages/${withdrawal}`);
  expect(sentWithdrawal).toMatchObject({ type: 'offender-alert-withdrawal', supersedes: alert, to: ['LA', 'INTERPOL'] });
  expect(auditFacts('TH', 'withdrawn', alert)).toEqual([expect.objectContaining({ relatedMessageId: withdrawal, withdrawalReason: 'travel-cancelled', officer: expect.any(String) })]);

  // The audit service has the withdrawal in the alert's history, from all three gateways, and the log verifies.
  const history = await eventually(async () => {
    const r = await svc.get(`/v1/messages/${alert}/history`);
    const events = r.status === 200 ? (r.body.events as { gateway: string; action: string; event: Record<string, unknown> }[]) : [];
    return events.filter((e) => e.action === 'withdrawn').length === 3 ? events : undefined;
  }, 30_000, 'three withdrawn events at the audit service');
  expect(history.filter((e) => e.action === 'withdrawn').map((e) => [e.gateway, e.event.relatedMessageId, e.event.withdrawalReason]).sort()).toEqual([
    ['INTERPOL', withdrawal, 'travel-cancelled'],
    ['LA', withdrawal, 'travel-cancelled'],
    ['TH', withdrawal, 'travel-cancelled'],
  ]);
  expect((await svc.service.checkpointer.signNow()).kind).toMatch(/signed|unchanged/);
  expect((await svc.verify()).failures).toEqual([]);

  // Once only; and a withdrawn alert is not corrected either.
  const again = await post('TH', `/v1/messages/${alert}/withdrawal`, { reason: 'issued-in-error' });
  expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'ALREADY_WITHDRAWN' });
  const fix = await post('TH', `/v1/messages/${alert}/corrections`, { body: loadBody('offender-travel-alert') });
  expect({ status: fix.status, code: fix.body.code }).toEqual({ status: 409, code: 'ALREADY_WITHDRAWN' });
});

test('TH corrects a victim notice: LA lists v2 as current with v1 in its history; INTERPOL never hears of either', async () => {
  const desk = await stream('INTERPOL');
  const caseRef = 'TH-2026-700001';
  const v1r = await post('TH', '/v1/notices', { type: 'victim-repatriation-notice', to: ['LA'], caseRef, body: loadBody('victim-repatriation-notice') });
  expect(v1r.status).toBe(202);
  const v1 = v1r.body.id as string;
  await eventually(() => received('LA', 'TH', v1), 20_000, 'v1 at LA');

  const body = loadBody('victim-repatriation-notice');
  body.handover.plannedDate = '2026-04-20';
  const v2r = await post('TH', `/v1/messages/${v1}/corrections`, { body });
  expect({ status: v2r.status, code: v2r.body.code }).toEqual({ status: 202, code: undefined });
  const v2 = v2r.body.id as string;
  expect(v2r.body.caseRef).toBe(caseRef);

  const listed = await eventually(async () => {
    const page = await get('LA', '/v1/inbox?type=victim-repatriation-notice&limit=200');
    const ids = (page.items as { id: string }[]).map((i) => i.id);
    return ids.includes(v2) ? page : undefined;
  }, 20_000, 'v2 listed at LA');
  const items = listed.items as { id: string; revision?: any }[];
  expect(items.map((i) => i.id)).not.toContain(v1);
  const current = items.find((i) => i.id === v2)!;
  expect(current.revision).toMatchObject({ version: 2, current: true, currentId: v2, corrected: true, withdrawn: false, supersedes: v1 });
  expect(current.revision.history.map((h: { id: string; version: number; current: boolean; from: string }) => [h.id, h.version, h.current, h.from])).toEqual([
    [v1, 1, false, 'TH'],
    [v2, 2, true, 'TH'],
  ]);
  const old = await get('LA', `/v1/messages/${v1}`);
  expect(old.revision).toMatchObject({ version: 1, current: false, currentId: v2, supersededBy: v2 });
  const opened = await get('LA', `/v1/inbox/${v2}`);
  expect(opened.document).toMatchObject({ supersedes: v1, caseRef, body: { handover: { plannedDate: '2026-04-20' } } });
  expect(auditFacts('LA', 'corrected', v1)).toEqual([expect.objectContaining({ relatedMessageId: v2, counterpart: 'TH', messageType: 'victim-repatriation-notice' })]);
  expect(auditFacts('TH', 'corrected', v1)).toEqual([expect.objectContaining({ relatedMessageId: v2 })]);
  const mine = await get('TH', `/v1/messages/${v2}`);
  expect(mine).toMatchObject({ to: ['LA'], caseRef, supersedes: v1, revision: { version: 2, current: true } });

  // Only the current version is corrected.
  const stale = await post('TH', `/v1/messages/${v1}/corrections`, { body });
  expect({ status: stale.status, code: stale.body.code }).toEqual({ status: 409, code: 'SUPERSEDED' });

  // Nothing of the case at INTERPOL: not on its topic, in its store, or on its desk's stream.
  const ids = new Set([v1, v2]);
  for (const r of interpolInbox.records) {
    const doc = payloadOf<{ id: string; type: string; supersedes?: string; body?: { messageId?: string } }>(r.value);
    expect(ids.has(doc.id) || ids.has(doc.supersedes ?? '') || ids.has(doc.body?.messageId ?? '')).toBe(false);
    expect(['victim-repatriation-notice', 'repatriation-status-update']).not.toContain(doc.type);
  }
  expect(received('INTERPOL', 'TH', v1) ?? received('INTERPOL', 'TH', v2)).toBeUndefined();
  expect(desk.events.filter((e) => ids.has(e.data.messageId as string))).toEqual([]);
});

test('TH corrects an alert sent to LA and INTERPOL: both list the new version with the first in its history; then withdraws the correction', async () => {
  const v1 = await sendAlert(['LA', 'INTERPOL']);
  await eventually(() => received('LA', 'TH', v1) && received('INTERPOL', 'TH', v1), 20_000, 'the alert at LA and INTERPOL');
  const body = loadBody('offender-travel-alert');
  body.travel.flightNumber = 'TG574';
  const r = await post('TH', `/v1/messages/${v1}/corrections`, { body });
  expect({ status: r.status, code: r.body.code }).toEqual({ status: 202, code: undefined });
  const v2 = r.body.id as string;
  for (const at of ['LA', 'INTERPOL']) {
    const item = await eventually(async () => {
      const page = await get(at, '/v1/inbox?type=offender-travel-alert&limit=200');
      return (page.items as { id: string; revision?: any }[]).find((i) => i.id === v2);
    }, 20_000, `v2 at ${at}`);
    expect(item.revision).toMatchObject({ version: 2, current: true, corrected: true, supersedes: v1 });
    expect(item.revision.history.map((h: { id: string }) => h.id)).toEqual([v1, v2]);
    expect(((await get(at, '/v1/inbox?type=offender-travel-alert&limit=200')).items as { id: string }[]).map((i) => i.id)).not.toContain(v1);
  }
  // The first version is no longer the one to withdraw; the current one is, and the whole chain shows it.
  const stale = await post('TH', `/v1/messages/${v1}/withdrawal`, { reason: 'issued-in-error' });
  expect({ status: stale.status, code: stale.body.code }).toEqual({ status: 409, code: 'SUPERSEDED' });
  const w = await post('TH', `/v1/messages/${v2}/withdrawal`, { reason: 'other', note: 'Duplicate of an earlier notification (test).' });
  expect(w.status).toBe(202);
  const old = await eventually(async () => {
    const m = await get('LA', `/v1/messages/${v1}`);
    return m.revision.withdrawn ? m : undefined;
  }, 20_000, 'the chain withdrawn at LA');
  expect(old.revision).toMatchObject({ version: 1, current: false, currentId: v2, withdrawn: true, withdrawal: { id: w.body.id, reason: 'other' } });
  const note = await get('LA', `/v1/inbox/${w.body.id}`);
  expect(note.document.body).toEqual({ reason: 'other', note: 'Duplicate of an earlier notification (test).' });
});

test('HTTP refusals: another endpoint\'s message, an unknown one, a type that is not withdrawn, a bad reason', async () => {
  const alert = await sendAlert(['LA']);
  await eventually(() => received('LA', 'TH', alert), 20_000, 'the alert at LA');
  const other = await post('LA', `/v1/messages/${alert}/withdrawal`, { reason: 'issued-in-error' });
  expect({ status: other.status, code: other.body.code }).toEqual({ status: 403, code: 'NOT_ORIGINAL_SENDER' });
  expect(other.body.detail).toContain('TH');
  const otherFix = await post('LA', `/v1/messages/${alert}/corrections`, { body: loadBody('offender-travel-alert') });
  expect({ status: otherFix.status, code: otherFix.body.code }).toEqual({ status: 403, code: 'NOT_ORIGINAL_SENDER' });
  const unknown = await post('TH', `/v1/messages/${uuidv7()}/withdrawal`, { reason: 'issued-in-error' });
  expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });

  const notice = await post('TH', '/v1/notices', { type: 'victim-repatriation-notice', to: ['LA'], caseRef: 'TH-2026-700002', body: loadBody('victim-repatriation-notice') });
  const notAlert = await post('TH', `/v1/messages/${notice.body.id}/withdrawal`, { reason: 'issued-in-error' });
  expect({ status: notAlert.status, code: notAlert.body.code }).toEqual({ status: 409, code: 'NOT_WITHDRAWABLE' });
  // The INTERPOL desk role at a country's gateway is told a victim notice does not exist.
  const deskAtTh = await c.token('TH', ['interpol-desk']);
  const hidden = await c.call('TH', 'POST', `/v1/messages/${notice.body.id}/corrections`, { token: deskAtTh, body: { body: loadBody('victim-repatriation-notice') } });
  expect({ status: hidden.status, code: hidden.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
  const badReason = await post('TH', `/v1/messages/${alert}/withdrawal`, { reason: 'changed-mind' });
  expect({ status: badReason.status, code: badReason.body.code }).toEqual({ status: 422, code: 'VALIDATION_FAILED' });
  const noNote = await post('TH', `/v1/messages/${alert}/withdrawal`, { reason: 'other' });
  expect({ status: noNote.status, code: noNote.body.code }).toEqual({ status: 422, code: 'VALIDATION_FAILED' });
  expect(noNote.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/body/note' })]));
  const badBody = await post('TH', `/v1/messages/${alert}/corrections`, { body: { travel: {} } });
  expect({ status: badBody.status, code: badBody.body.code }).toEqual({ status: 422, code: 'VALIDATION_FAILED' });
  // Each refusal is audited as `rejected`, the alert stays as it was.
  expect((await get('TH', `/v1/messages/${alert}`)).revision).toBeUndefined();
  expect(auditFacts('TH', 'withdrawn', alert)).toEqual([]);
});

test('receivers refuse a withdrawal from another sender, of something never received, and a record of an unknown type or version: quarantined with the code, a rejection receipt to the verified sender', async () => {
  const alert = await sendAlert(['LA']);
  await eventually(() => received('LA', 'TH', alert), 20_000, 'the alert at LA');
  const withdrawal = (from: string, supersedes: string) => buildDocument('offender-alert-withdrawal', { from, to: ['LA'], supersedes, body: { reason: 'issued-in-error' } });
  const stranger = withdrawal('INTERPOL', alert);
  const orphan = withdrawal('TH', uuidv7());
  const th = await realSigner(c, 'TH');
  const amendment = { ...buildDocument('offender-travel-alert', { from: 'TH', to: ['LA'] }), type: 'offender-alert-amendment', schema: `${SCHEMA_BASE}offender-alert-amendment.v1.json` };
  const v2 = { ...buildDocument('offender-travel-alert', { from: 'TH', to: ['LA'] }), schema: bodySchemaId('offender-travel-alert').replace('.v1.json', '.v2.json') };
  const cases: [string, string, string, Buffer][] = [
    ['NOT_ORIGINAL_SENDER', 'INTERPOL', stranger.id, await signAs(c, 'INTERPOL', stranger)],
    ['UNKNOWN_ORIGINAL', 'TH', orphan.id, await signAs(c, 'TH', orphan)],
    ['UNKNOWN_TYPE', 'TH', amendment.id, await signRaw(th, amendment)],
    ['UNSUPPORTED_VERSION', 'TH', v2.id, await signRaw(th, v2)],
  ];
  const genuine = buildDocument('offender-travel-alert', { from: 'TH', to: ['LA'] });
  const restartsBefore = c.gateways.LA!.gateway.consumer.state().restarts;
  await wire.write(wire.inbox('LA'), alert, ...cases.map(([, , , r]) => r), await signAs(c, 'TH', genuine));

  await eventually(() => received('LA', 'TH', genuine.id), 20_000, 'the genuine alert behind them');
  for (const [code, sender, id, record] of cases) {
    const entry = dlqEntry(await laDlq.waitFor((r) => dlqEntry(r)?.digest === digestOf(record), `dead letter ${code}`))!;
    expect(entry).toMatchObject({ reasonCode: code, verifiedSender: sender, messageId: id });
    const tap = sender === 'TH' ? thInbox : interpolInbox;
    const receipt = await eventually(() => receiptsAbout(tap.records, id)[0], 20_000, `rejection receipt for ${code}`);
    expect(receipt.body).toMatchObject({ outcome: 'rejected', reasonCode: code, messageDigest: digestOf(record) });
    expect(received('LA', sender, id)).toBeUndefined();
  }
  // The alert is untouched, and the consumer never restarted.
  expect((await get('LA', `/v1/messages/${alert}`)).revision).toBeUndefined();
  expect(c.gateways.LA!.gateway.consumer.state()).toMatchObject({ stalled: [], restarts: restartsBefore });
  const dead = await get('LA', '/v1/dead-letters?limit=200');
  expect((dead.items as { reasonCode: string }[]).map((d) => d.reasonCode)).toEqual(expect.arrayContaining(cases.map(([code]) => code)));
});
