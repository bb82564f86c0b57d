/**
 * `GET /v1/inbox/events` (Server-Sent Events) on four real gateways and the real broker: an
 * arrival is pushed promptly, lifecycle changes of what an endpoint sent reach its stream, a
 * reconnecting client gets exactly what it missed, the INTERPOL desk never hears of a victim
 * notice, and the stream's bounds (token, heartbeat, open streams per officer, token expiry).
 */
import { loadBody } from '../fixtures/documents/index.ts';
import { componentProblems } from '../support/contract.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';
import { SseClient, type SseEvent } from '../support/sse.ts';
import { expectNoPersonalData } from '../support/wire.ts';
import { mintToken, gatewayAudience } from '../../services/core/src/idp/dev-idp.ts';
import type { EventStreams } from '../../services/gateway/src/events.ts';

let c: Cluster;
const open: SseClient[] = [];
const VICTIM_TYPES = ['victim-repatriation-notice', 'repatriation-status-update'];

beforeAll(async () => {
  c = await startCluster(['LA', 'TH', 'INTERPOL'], { env: { MX_SSE_HEARTBEAT_SECONDS: '1', MX_SSE_MAX_STREAMS_PER_OFFICER: '3' } });
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
afterAll(async () => {
  await c?.stop();
});

async function stream(endpoint: string, token: string, lastEventId?: string): Promise<SseClient> {
  const s = await SseClient.open(c.gateways[endpoint]!.url, '/v1/inbox/events', { token, ...(lastEventId !== undefined ? { lastEventId } : {}) });
  open.push(s);
  return s;
}

async function send(from: string, token: string, body: Record<string, unknown>): Promise<string> {
  const r = await c.call(from, 'POST', '/v1/notices', { token, body });
  expect({ status: r.status, code: r.body.code }).toEqual({ status: 202, code: undefined });
  return r.body.id as string;
}

function about(s: SseClient, id: string, kind?: string, status?: string): SseEvent[] {
  return s.events.filter((e) => e.data.messageId === id && (kind === undefined || e.event === kind) && (status === undefined || e.data.status === status));
}

function waitFor(s: SseClient, id: string, kind: string, status?: string, what = `${kind} of ${id}`): Promise<SseEvent> {
  return eventually(() => about(s, id, kind, status)[0], 20_000, what);
}

/** Every event seen is metadata that conforms to the document, with no personal data. */
function expectWellFormed(s: SseClient): void {
  for (const e of s.events) {
    expect(componentProblems('gateway', 'InboxEvent', e.data)).toEqual([]);
    expect(e.id).toBe(e.data.id);
    expect(e.event).toBe(e.data.kind);
  }
  expectNoPersonalData(JSON.stringify(s.events));
}

test('a stream without a token, or with a bad Last-Event-ID, is refused with problem+json', async () => {
  const none = await SseClient.probe(c.gateways.LA!.url, '/v1/inbox/events', '');
  expect({ status: none.status, code: none.body.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
  expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const bad = await SseClient.open(c.gateways.LA!.url, '/v1/inbox/events', { token: await c.token('LA', ['liaison-officer']), lastEventId: 'abc' }).catch((e: { response: { status: number; body: any } }) => e.response);
  expect({ status: (bad as { status: number }).status, code: (bad as { body: any }).body.code }).toEqual({ status: 400, code: 'INVALID_PARAMETER' });
  // An auditor reads the audit service, not the desks' stream.
  const auditor = await SseClient.probe(c.gateways.LA!.url, '/v1/inbox/events', await c.token('LA', ['auditor']));
  expect({ status: auditor.status, code: auditor.body.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
});

test("LA's stream gets an arrival promptly after delivery; TH's stream follows its notice through delivered, read, responded", async () => {
  const la = await c.token('LA', ['liaison-officer']);
  const th = await c.token('TH', ['liaison-officer']);
  const laStream = await stream('LA', la);
  const thStream = await stream('TH', th);
  const id = await send('TH', th, { type: 'victim-repatriation-notice', to: ['LA'], caseRef: 'TH-2026-500001', body: loadBody('victim-repatriation-notice') });

  const arrival = await waitFor(laStream, id, 'arrival');
  expect(arrival.data).toEqual({ id: arrival.id, kind: 'arrival', messageId: id, type: 'victim-repatriation-notice', counterpart: 'TH', caseRef: 'TH-2026-500001', status: 'unread', at: expect.any(String) });
  // `at` is the commit's instant on LA's clock (same process, same clock as this client).
  const latencyMs = arrival.receivedAt - Date.parse(arrival.data.at);
  // eslint-disable-next-line no-console
  console.log(`SSE arrival latency (LA store commit -> client parsed): ${latencyMs} ms`);
  expect(latencyMs).toBeGreaterThanOrEqual(0);
  // The row the event reports is committed: the inbox lists it.
  const inbox = await c.call('LA', 'GET', '/v1/inbox?type=victim-repatriation-notice', { token: la });
  expect(inbox.body.items.map((i: { id: string }) => i.id)).toContain(id);

  await waitFor(thStream, id, 'lifecycle', 'delivered');
  expect((await c.call('LA', 'GET', `/v1/inbox/${id}`, { token: la })).status).toBe(200);
  await waitFor(thStream, id, 'lifecycle', 'read');
  const update = await c.call('LA', 'POST', `/v1/inbox/${id}/responses`, { token: la, body: { type: 'repatriation-status-update', body: loadBody('repatriation-status-update') } });
  expect(update.status).toBe(202);
  const responded = await waitFor(thStream, id, 'lifecycle', 'responded');
  expect(responded.data).toMatchObject({ counterpart: 'LA', type: 'victim-repatriation-notice', caseRef: 'TH-2026-500001' });
  await waitFor(thStream, update.body.id, 'arrival');
  // One event per change: the lifecycle of TH's notice, in order, once each.
  expect(about(thStream, id, 'lifecycle').map((e) => e.data.status)).toEqual(['delivered', 'read', 'responded']);
  // Ids grow on each gateway's stream.
  for (const s of [laStream, thStream]) {
    const ids = s.events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expectWellFormed(s);
  }
});

test('reconnecting with Last-Event-ID delivers what was missed while disconnected, exactly once, then live events', async () => {
  const la = await c.token('LA', ['liaison-officer']);
  const th = await c.token('TH', ['liaison-officer']);
  const first = await stream('LA', la);
  const before = await send('TH', th, { type: 'offender-travel-alert', to: ['LA'], body: loadBody('offender-travel-alert') });
  const seen = await waitFor(first, before, 'arrival');
  first.close();
  await eventually(() => ((c.gateways.LA!.gateway.app.locals.eventStreams as EventStreams).openCount() === 0 ? true : undefined), 10_000, 'the first stream closed at LA');

  const missed = [
    await send('TH', th, { type: 'offender-travel-alert', to: ['LA'], body: loadBody('offender-travel-alert') }),
    await send('TH', th, { type: 'victim-repatriation-notice', to: ['LA'], caseRef: 'TH-2026-500002', body: loadBody('victim-repatriation-notice') }),
  ];
  for (const id of missed) await eventually(() => c.gateways.LA!.gateway.store.inboxById(id), 20_000, `${id} stored at LA`);

  const again = await stream('LA', la, seen.id);
  for (const id of missed) await waitFor(again, id, 'arrival');
  const live = await send('TH', th, { type: 'offender-travel-alert', to: ['LA'], body: loadBody('offender-travel-alert') });
  await waitFor(again, live, 'arrival');

  // Nothing at or before the resume point comes again; each missed arrival comes once.
  expect(again.events.filter((e) => Number(e.id) <= Number(seen.id))).toEqual([]);
  expect(about(again, before)).toEqual([]);
  for (const id of [...missed, live]) expect(about(again, id, 'arrival')).toHaveLength(1);
  const order = [...missed, live].map((id) => Number(about(again, id, 'arrival')[0]!.id));
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expectWellFormed(again);

  // The query parameter does the same for clients that cannot set the header.
  const viaQuery = await SseClient.open(c.gateways.LA!.url, `/v1/inbox/events?lastEventId=${seen.id}`, { token: la });
  open.push(viaQuery);
  for (const id of [...missed, live]) await waitFor(viaQuery, id, 'arrival');
});

test('the INTERPOL desk never hears of a victim notice or status update, at its own gateway or at a country gateway', async () => {
  const la = await c.token('LA', ['liaison-officer']);
  const th = await c.token('TH', ['liaison-officer']);
  const deskAtLa = await stream('LA', await c.token('LA', ['interpol-desk']));
  const deskAtTh = await stream('TH', await c.token('TH', ['interpol-desk']));
  const laOfficer = await stream('LA', la);
  const interpol = await stream('INTERPOL', await c.token('INTERPOL', ['interpol-desk']));

  const victim = await send('TH', th, { type: 'victim-repatriation-notice', to: ['LA'], caseRef: 'TH-2026-500003', body: loadBody('victim-repatriation-notice') });
  const alert = await send('TH', th, { type: 'offender-travel-alert', to: ['LA', 'INTERPOL'], body: loadBody('offender-travel-alert') });
  await waitFor(laOfficer, victim, 'arrival');
  await waitFor(laOfficer, alert, 'arrival');
  const update = await c.call('LA', 'POST', `/v1/inbox/${victim}/responses`, { token: la, body: { type: 'repatriation-status-update', body: loadBody('repatriation-status-update') } });
  expect(update.status).toBe(202);
  const response = await c.call('LA', 'POST', `/v1/inbox/${alert}/responses`, { token: la, body: { type: 'offender-alert-response', body: loadBody('offender-alert-response') } });
  expect(response.status).toBe(202);

  // Events after the victim ones, so everything about the victim notice has been committed by then.
  await waitFor(deskAtLa, alert, 'arrival');
  await waitFor(interpol, alert, 'arrival');
  const thOfficer = await stream('TH', th, '0');
  await waitFor(thOfficer, update.body.id, 'arrival');
  await waitFor(thOfficer, victim, 'lifecycle', 'responded');
  await waitFor(deskAtTh, response.body.id, 'arrival');
  await waitFor(deskAtTh, alert, 'lifecycle', 'responded');

  for (const desk of [deskAtLa, deskAtTh, interpol]) {
    expect(desk.events.map((e) => e.data.type).filter((t: string) => VICTIM_TYPES.includes(t))).toEqual([]);
    const text = JSON.stringify(desk.events);
    for (const id of [victim, update.body.id]) expect(text).not.toContain(id);
    expect(text).not.toContain('TH-2026-500003');
    expectWellFormed(desk);
  }
  // The same gateways did carry them, to those allowed: the check above is not vacuous.
  expect(about(thOfficer, victim, 'lifecycle').length).toBeGreaterThan(0);
  expect(about(laOfficer, victim, 'arrival')).toHaveLength(1);
});

test('heartbeats keep an idle stream alive; more than the allowed streams per officer is 429; the stream ends when the token expires', async () => {
  const la = await c.token('LA', ['liaison-officer'], 'busy-officer@LA');
  const streams = [await stream('LA', la), await stream('LA', la), await stream('LA', la)];
  await eventually(() => (streams[0]!.comments.includes('heartbeat') ? true : undefined), 10_000, 'a heartbeat comment');
  const fourth = await SseClient.probe(c.gateways.LA!.url, '/v1/inbox/events', la);
  expect({ status: fourth.status, code: fourth.body.code }).toEqual({ status: 429, code: 'RATE_LIMITED' });
  expect(fourth.headers.get('retry-after')).toMatch(/^[0-9]+$/);
  // Another officer is not held back by this one's streams.
  const other = await stream('LA', await c.token('LA', ['liaison-officer'], 'other-officer@LA'));
  expect(other.status).toBe(200);
  // A closed stream frees its place.
  streams[0]!.close();
  const streamsAtLa = c.gateways.LA!.gateway.app.locals.eventStreams as EventStreams;
  await eventually(() => (streamsAtLa.openCount() === 3 ? true : undefined), 10_000, 'the closed stream released');
  expect((await stream('LA', la)).status).toBe(200);

  // A token valid for two more seconds: the server ends the stream then, without a client action.
  const short = await mintToken(c.dep.idpPrivateJwks, { subject: 'short@LA', endpoint: 'LA', agency: 'LA test agency', roles: ['liaison-officer'], audience: gatewayAudience('LA'), ttlSeconds: 2 });
  const expiring = await stream('LA', short);
  expect(expiring.ended).toBe(false);
  await eventually(() => (expiring.ended ? true : undefined), 15_000, 'the stream ended at token expiry');
});

test('an escalation is pushed at both ends: the sender per recipient, the receiver for its own unanswered alert', async () => {
  const la = await c.token('LA', ['liaison-officer']);
  const th = await c.token('TH', ['liaison-officer']);
  const deskAtLa = await stream('LA', await c.token('LA', ['interpol-desk']));
  const thStream = await stream('TH', th);
  // Arrival at the start of tomorrow (UTC): under MX_ALERT_ESCALATE_HOURS (24) away, so it escalates at once.
  const day = (n: number): string => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  const body = loadBody('offender-travel-alert') as { travel: Record<string, unknown> };
  const alert = await send('TH', th, { type: 'offender-travel-alert', to: ['LA'], body: { ...body, travel: { ...body.travel, arrivalDate: day(1), expectedDepartureDate: day(5) } } });
  await eventually(() => c.gateways.LA!.gateway.store.inboxById(alert), 20_000, 'the alert stored at LA');
  // Escalations are looked for before these reads (and every minute).
  expect((await c.call('LA', 'GET', '/v1/inbox', { token: la })).status).toBe(200);
  expect((await c.call('TH', 'GET', `/v1/messages/${alert}`, { token: th })).status).toBe(200);
  const atLa = await waitFor(deskAtLa, alert, 'escalation');
  expect(atLa.data).toMatchObject({ kind: 'escalation', messageId: alert, type: 'offender-travel-alert', counterpart: 'TH', status: 'escalated' });
  const atTh = await waitFor(thStream, alert, 'escalation');
  expect(atTh.data).toMatchObject({ counterpart: 'LA', status: 'escalated' });
  expectWellFormed(deskAtLa);
  expectWellFormed(thStream);
});
