/**
 * Offender alert timeliness and escalation on the real broker, with the gateways' clocks moved
 * (never waiting for hours): the class each recipient's delivery gets against the alert's travel,
 * and the escalation of an alert still unanswered 24 h before arrival (audit event, lifecycle and
 * inbox flags, once) but not of one that was answered.
 */
import { ManualClock } from '../../services/core/src/clock/clock.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const clocks = { LA: new ManualClock(), TH: new ManualClock() };
let c: Cluster;
const tokens: Record<string, string> = {};
// Both dates are day starts (UTC) ahead of today; the clocks only move forward through the file.
const today = Math.floor(Date.now() / DAY) * DAY;
const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

beforeAll(async () => {
  c = await startCluster(['LA', 'TH'], { clocks });
  tokens.LA = await c.token('LA', ['liaison-officer']);
  tokens.TH = await c.token('TH', ['liaison-officer']);
});
afterAll(async () => {
  await c?.stop();
});

function setClocks(ms: number): void {
  clocks.LA.set(ms);
  clocks.TH.set(ms);
}

async function sendAlert(arrivalMs: number, departureMs?: number): Promise<string> {
  const body = loadBody('offender-travel-alert');
  const travel = { ...body.travel, arrivalDate: dateOf(arrivalMs) } as typeof body.travel;
  if (departureMs === undefined) delete (travel as { expectedDepartureDate?: string }).expectedDepartureDate;
  else travel.expectedDepartureDate = dateOf(departureMs);
  const r = await c.call('LA', 'POST', '/v1/notices', { token: tokens.LA!, body: { type: 'offender-travel-alert', to: ['TH'], body: { ...body, travel } } });
  expect(r.status).toBe(202);
  return r.body.id as string;
}

async function recipient(id: string): Promise<any> {
  const r = await c.call('LA', 'GET', `/v1/messages/${id}`, { token: tokens.LA! });
  expect(r.status).toBe(200);
  return r.body.recipients[0];
}

async function deliveredAlert(id: string): Promise<any> {
  return eventually(async () => {
    const r = await recipient(id);
    return r.delivered ? r : undefined;
  }, 20_000, `receipt of ${id}`);
}

async function inboxAlert(id: string): Promise<any> {
  const r = await c.call('TH', 'GET', '/v1/inbox?type=offender-travel-alert&limit=200', { token: tokens.TH! });
  expect(r.status).toBe(200);
  return (r.body.items as { id: string; alert?: unknown }[]).find((i) => i.id === id)?.alert;
}

function escalatedEvents(at: 'LA' | 'TH', id: string): { counterpart: string }[] {
  return (
    c.gateways[at]!.gateway.db.prepare("SELECT fact FROM audit_events WHERE json_extract(fact, '$.action') = 'escalated' AND json_extract(fact, '$.messageId') = ?").all(id) as { fact: string }[]
  ).map((r) => JSON.parse(r.fact) as { counterpart: string });
}

test('an alert unanswered 24 h before arrival is escalated once, at the sender and at the receiver; an answered one is not', async () => {
  const arrival = today + 6 * DAY;
  setClocks(arrival - 72 * HOUR);
  const unanswered = await sendAlert(arrival);
  const answered = await sendAlert(arrival);
  await deliveredAlert(unanswered);
  await deliveredAlert(answered);
  const reply = await c.call('TH', 'POST', `/v1/inbox/${answered}/responses`, { token: tokens.TH!, body: { type: 'offender-alert-response', body: loadBody('offender-alert-response') } });
  expect(reply.status).toBe(202);
  await eventually(async () => ((await recipient(answered)).responded ? true : undefined), 20_000, 'the response reached LA');

  setClocks(arrival - 24 * HOUR - 1000);
  expect((await recipient(unanswered)).alert.escalated).toBe(false);
  expect((await inboxAlert(unanswered)).escalated).toBe(false);
  expect(escalatedEvents('LA', unanswered)).toEqual([]);

  setClocks(arrival - 24 * HOUR);
  const flagged = await recipient(unanswered);
  expect(flagged.alert).toMatchObject({ escalated: true, escalatedAt: new Date(arrival - 24 * HOUR).toISOString(), timeliness: 'timely', respondedBeforeArrival: false });
  expect(await inboxAlert(unanswered)).toMatchObject({ escalated: true, arrivalAt: new Date(arrival).toISOString() });
  const item = await c.call('TH', 'GET', `/v1/inbox/${unanswered}`, { token: tokens.TH! });
  expect(item.body.alert.escalated).toBe(true);

  const answeredView = await recipient(answered);
  expect(answeredView.alert).toMatchObject({ escalated: false, respondedBeforeArrival: true });
  expect((await inboxAlert(answered)).escalated).toBe(false);

  // Recorded once: more reads and a later check add nothing.
  setClocks(arrival - 23 * HOUR);
  await recipient(unanswered);
  await inboxAlert(unanswered);
  expect(escalatedEvents('LA', unanswered).map((e) => e.counterpart)).toEqual(['TH']);
  expect(escalatedEvents('TH', unanswered).map((e) => e.counterpart)).toEqual(['LA']);
  expect(escalatedEvents('LA', answered)).toEqual([]);
  expect(escalatedEvents('TH', answered)).toEqual([]);
});

test('each recipient\'s class comes from its delivery time: timely, short-notice, after-arrival, after-departure', async () => {
  const arrival = today + 8 * DAY;
  const departureDate = arrival + DAY; // its end, the departure instant, is arrival + 2 days
  const cases: [number, string][] = [
    [arrival - 72 * HOUR, 'timely'],
    [arrival - 10 * HOUR, 'short-notice'],
    [arrival + HOUR, 'after-arrival'],
    [arrival + 2 * DAY + HOUR, 'after-departure'],
  ];
  for (const [at, expected] of cases) {
    setClocks(at);
    const id = await sendAlert(arrival, departureDate);
    // Before its receipt (nearly always, this soon after the 202) a recipient is pending, predicted as delivered now.
    const early = await recipient(id);
    if (!early.delivered) expect(early.alert).toMatchObject({ timeliness: 'pending', predicted: expected });
    const r = await deliveredAlert(id);
    expect(r.alert).toMatchObject({
      timeliness: expected,
      arrivalAt: new Date(arrival).toISOString(),
      departureAt: new Date(arrival + 2 * DAY).toISOString(),
      respondedBeforeArrival: false,
    });
    expect(r.deliveredAt).toBe(new Date(at).toISOString());
    // The receiver's own view of the same delivery agrees.
    const received = await c.call('TH', 'GET', `/v1/messages/${id}`, { token: tokens.TH! });
    expect(received.body.recipients[0].alert.timeliness).toBe(expected);
  }
});

