/**
 * GET /v1/statistics on stores filled through the real path: LA, TH and INTERPOL gateways on the
 * real broker, on manual clocks, exchanging known victim notices, status updates, offender alerts
 * and alert responses. Then: the exact counts per cell at the sender and the receiver, suppression
 * of every cell under 5 and of figures from fewer than 5 durations, no identifying value anywhere
 * in the JSON or the CSV, the INTERPOL desk's alert-only statistics, the roles, the CSV shape and
 * the parameter errors.
 */
import { ManualClock } from '../../services/core/src/clock/clock.ts';
import { CSV_COLUMNS } from '../../services/gateway/src/statistics.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';
import { expectNoPersonalData } from '../support/wire.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const clocks = { LA: new ManualClock(), TH: new ManualClock(), INTERPOL: new ManualClock() };
let c: Cluster;
const tokens: Record<string, string> = {};
/** Every identifying value the fixtures put in: none may appear in any statistics output. */
const identifying: string[] = [];
/** Of those, the personal data in the bodies: not even the store's statistical facts hold them. */
const personal: string[] = [];

const T0 = Date.now();
const M1 = new Date(T0).toISOString().slice(0, 7);
const year = new Date(T0).getUTCFullYear();
const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** Noon on the 2nd of the month after M1: the second month of the fixtures. */
const T2 = Date.UTC(year, new Date(T0).getUTCMonth() + 1, 2, 12);
const M2 = new Date(T2).toISOString().slice(0, 7);

function setClocks(ms: number): void {
  for (const k of Object.values(clocks)) k.set(ms);
}

interface Child {
  sex: 'female' | 'male' | 'unknown';
  dateOfBirth?: string;
  estimatedAge?: { years: number; assessedOn: string };
  forms: string[];
  crossing?: string;
}

let serial = 0;
function victimBody(child: Child): Record<string, unknown> {
  const n = ++serial;
  const body = loadBody('victim-repatriation-notice') as unknown as Record<string, any>;
  const names = [{ lang: 'lo-Latn', value: `Statchild${n} Fixturevong` }];
  const document = `STATDOC${String(n).padStart(4, '0')}`;
  const { estimatedAge: _e, ...rest } = body.child;
  body.child = { ...rest, names, sex: child.sex, ...(child.dateOfBirth ? { dateOfBirth: child.dateOfBirth } : { estimatedAge: { ...child.estimatedAge!, basis: 'dental' } }) };
  body.identityDocuments = [{ kind: 'passport', status: 'valid', number: document, issuingCountry: 'LA' }];
  body.exploitation = child.forms.includes('other') ? { forms: child.forms, otherDescription: `Statother${n} means` } : { forms: child.forms };
  const { crossingPoint: _c, ...handover } = body.handover;
  body.handover = child.crossing ? { ...handover, crossingPoint: { code: child.crossing } } : handover;
  personal.push(names[0]!.value, document, `Statother${n}`);
  if (child.dateOfBirth) personal.push(child.dateOfBirth);
  if (child.estimatedAge) personal.push(child.estimatedAge.assessedOn);
  return body;
}

function alertBody(arrivalMs: number, departureMs?: number): Record<string, unknown> {
  const n = ++serial;
  const body = loadBody('offender-travel-alert') as unknown as Record<string, any>;
  body.subject = { ...body.subject, names: [{ lang: 'en', value: `Statoffender${n} Sample` }], dateOfBirth: '1961-07-13', passports: [{ number: `STATP${n}X`, issuingCountry: 'ZZ' }] };
  body.travel = { ...body.travel, arrivalDate: dateOf(arrivalMs) };
  if (departureMs === undefined) delete body.travel.expectedDepartureDate;
  else body.travel.expectedDepartureDate = dateOf(departureMs);
  personal.push(`Statoffender${n}`, `STATP${n}X`, '1961-07-13');
  return body;
}

async function send(from: string, type: string, to: string[], body: Record<string, unknown>): Promise<string> {
  const r = await c.call(from, 'POST', '/v1/notices', { token: tokens[from]!, body: { type, to, body } });
  expect({ status: r.status, code: r.body.code }).toEqual({ status: 202, code: undefined });
  identifying.push(r.body.id, r.body.digest, ...(r.body.caseRef ? [r.body.caseRef] : []));
  return r.body.id as string;
}

async function respond(at: string, id: string, type: string, body: Record<string, unknown>): Promise<string> {
  const r = await c.call(at, 'POST', `/v1/inbox/${id}/responses`, { token: tokens[at]!, body: { type, body } });
  expect({ status: r.status, code: r.body.code }).toEqual({ status: 202, code: undefined });
  identifying.push(r.body.id, r.body.digest);
  return r.body.id as string;
}

const arrived = (at: string, id: string) => eventually(() => c.gateways[at]!.gateway.store.inboxById(id), 20_000, `${id} at ${at}`);
const delivered = (at: string, id: string) =>
  eventually(() => {
    const rs = c.gateways[at]!.gateway.store.recipients(id);
    return rs.length > 0 && rs.every((r) => r.delivered_at !== null) ? true : undefined;
  }, 20_000, `receipts of ${id} at ${at}`);

const ids = { a: [] as string[], b: [] as string[], timely: [] as string[], others: [] as string[] };

beforeAll(async () => {
  c = await startCluster(['LA', 'TH', 'INTERPOL'], { clocks });
  setClocks(T0);
  tokens.LA = await c.token('LA', ['liaison-officer']);
  tokens.TH = await c.token('TH', ['liaison-officer']);
  tokens.INTERPOL = await c.token('INTERPOL', ['interpol-desk']);
  const assessed = dateOf(T0 - 3 * DAY);
  // Cell A (12-14, female, sexual, First Friendship Bridge): six notices, by date of birth and by estimate.
  const cellA: Child[] = [
    { sex: 'female', dateOfBirth: `${year - 13}-01-01`, forms: ['sexual'], crossing: 'nong-khai-vientiane' },
    { sex: 'female', dateOfBirth: `${year - 14}-12-31`, forms: ['sexual'], crossing: 'nong-khai-vientiane' },
    { sex: 'female', dateOfBirth: `${year - 12}-01-01`, forms: ['sexual'], crossing: 'nong-khai-vientiane' },
    { sex: 'female', estimatedAge: { years: 11, assessedOn: `${year - 1}-01-01` }, forms: ['sexual'], crossing: 'nong-khai-vientiane' },
    { sex: 'female', estimatedAge: { years: 14, assessedOn: assessed }, forms: ['sexual'], crossing: 'nong-khai-vientiane' },
    { sex: 'female', estimatedAge: { years: 12, assessedOn: assessed }, forms: ['sexual'], crossing: 'nong-khai-vientiane' },
  ];
  for (const child of cellA) ids.a.push(await send('TH', 'victim-repatriation-notice', ['LA'], victimBody(child)));
  // Cell B (0-5, male, labour, Chiang Khong): two.
  for (let i = 0; i < 2; i++) ids.b.push(await send('TH', 'victim-repatriation-notice', ['LA'], victimBody({ sex: 'male', dateOfBirth: `${year - 4}-01-01`, forms: ['labour'], crossing: 'chiang-khong-huay-xai' })));
  // Unknown age (18 on the notice date), sex and crossing; two forms, one of them other with its free text.
  ids.others.push(await send('TH', 'victim-repatriation-notice', ['LA'], victimBody({ sex: 'unknown', estimatedAge: { years: 17, assessedOn: `${year - 1}-01-01` }, forms: ['forced-marriage', 'other'] })));
  // One the other way: LA to TH.
  ids.others.push(await send('LA', 'victim-repatriation-notice', ['TH'], victimBody({ sex: 'female', dateOfBirth: `${year - 7}-01-01`, forms: ['domestic-servitude'], crossing: 'mukdahan-savannakhet' })));
  // Offender alerts from the INTERPOL desk to LA and TH: five timely, two short-notice, one after arrival.
  for (let i = 0; i < 5; i++) ids.timely.push(await send('INTERPOL', 'offender-travel-alert', ['LA', 'TH'], alertBody(T0 + 10 * DAY)));
  for (let i = 0; i < 2; i++) ids.others.push(await send('INTERPOL', 'offender-travel-alert', ['LA', 'TH'], alertBody(T0 + DAY)));
  ids.others.push(await send('INTERPOL', 'offender-travel-alert', ['LA', 'TH'], alertBody(T0, T0 + 5 * DAY)));
  ids.others.push(await send('LA', 'offender-travel-alert', ['INTERPOL'], alertBody(T0 + 10 * DAY)));
  const all = [...ids.a, ...ids.b, ...ids.timely, ...ids.others];
  await Promise.all(all.map((id) => Promise.all(['TH', 'LA', 'INTERPOL'].map(async (e) => (c.gateways[e]!.gateway.store.sent(id) ? delivered(e, id) : undefined)))));

  // LA answers hour by hour: notice i of cell A is handed over 24 x i hours after it was issued
  // (effectiveAt), and its first answer (so the response time) comes i hours after receipt.
  for (let i = 1; i <= 6; i++) {
    setClocks(T0 + i * HOUR);
    const got: [string, string][] = [];
    got.push(['TH', await respond('LA', ids.a[i - 1]!, 'repatriation-status-update', { status: 'handover-completed', effectiveAt: new Date(T0 + 24 * i * HOUR).toISOString() })]);
    if (i <= 2) got.push(['TH', await respond('LA', ids.a[i - 1]!, 'repatriation-status-update', { status: 'acknowledged', effectiveAt: new Date(T0 + HOUR).toISOString() })]);
    if (i <= 5) got.push(['INTERPOL', await respond('LA', ids.timely[i - 1]!, 'offender-alert-response', { ...loadBody('offender-alert-response'), at: new Date(T0 + i * HOUR).toISOString() })]);
    // Stored at the other end before the clocks move on, so its time there is known too.
    await Promise.all(got.map(([at, id]) => arrived(at, id)));
  }

  // The second month: one more notice of cell A.
  setClocks(T2);
  const late = await send('TH', 'victim-repatriation-notice', ['LA'], victimBody(cellA[0]!));
  await delivered('TH', late);
  for (const e of ['LA', 'TH', 'INTERPOL']) {
    const officers = c.gateways[e]!.gateway.db.prepare('SELECT DISTINCT officer FROM sent').all() as { officer: string }[];
    identifying.push(...officers.map((o) => o.officer));
  }
  identifying.push(...personal);
}, 240_000);
afterAll(async () => {
  await c?.stop();
});

async function statistics(at: string, query = `?from=${M1}&to=${M2}`, role = 'auditor'): Promise<any> {
  const r = await c.call(at, 'GET', `/v1/statistics${query}`, { token: await c.token(at, [role as 'auditor']) });
  expect({ status: r.status, code: r.body.code }).toEqual({ status: 200, code: undefined });
  return r.body;
}

/** The cells of `rows` that show a number, not a suppression marker. */
const shown = (rows: { count: unknown }[]) => rows.filter((r) => r.count !== '<5');

test('LA (the receiver of the notices): exact counts per cell, each month on its own, every other cell "<5"', async () => {
  const s = await statistics('LA');
  expect(s).toMatchObject({ endpoint: 'LA', from: M1, to: M2, suppression: { threshold: 5, count: '<5', figure: 'suppressed' } });
  expect(s.victimNotices).toHaveLength(2 * 2 * 5 * 3 * 5 * 7);
  expect(shown(s.victimNotices)).toEqual([{ month: M1, direction: 'received', ageBand: '12-14', sex: 'female', exploitation: 'sexual', crossing: 'nong-khai-vientiane', count: 6 }]);
  const cell = (month: string, direction: string, ageBand: string, sex: string, exploitation: string, crossing: string) =>
    s.victimNotices.find((v: any) => v.month === month && v.direction === direction && v.ageBand === ageBand && v.sex === sex && v.exploitation === exploitation && v.crossing === crossing).count;
  // Two, one, zero: all the same "<5".
  expect(cell(M1, 'received', '0-5', 'male', 'labour', 'chiang-khong-huay-xai')).toBe('<5');
  expect(cell(M1, 'received', 'unknown', 'unknown', 'other', 'unknown')).toBe('<5');
  expect(cell(M1, 'sent', '6-11', 'female', 'domestic-servitude', 'mukdahan-savannakhet')).toBe('<5');
  expect(cell(M2, 'received', '12-14', 'female', 'sexual', 'nong-khai-vientiane')).toBe('<5');

  expect(shown(s.repatriationSteps)).toEqual([{ month: M1, direction: 'received', step: 'handover-completed', count: 6, medianHours: 72, p90Hours: 144 }]);
  expect(s.repatriationSteps.find((r: any) => r.month === M1 && r.direction === 'received' && r.step === 'acknowledged')).toMatchObject({ count: '<5', medianHours: 'suppressed', p90Hours: 'suppressed' });

  expect(shown(s.alertTimeliness)).toEqual([{ month: M1, direction: 'received', counterpart: 'INTERPOL', timeliness: 'timely', count: 5 }]);
  expect(s.alertTimeliness).toHaveLength(2 * (2 * 5 + 2 * 4));

  expect(shown(s.responseTimes)).toEqual([
    { month: M1, direction: 'received', type: 'victim-repatriation-notice', count: 6, medianHours: 3, p90Hours: 6 },
    { month: M1, direction: 'received', type: 'offender-travel-alert', count: 5, medianHours: 3, p90Hours: 5 },
  ]);
  expect(s.responseTimes.filter((r: any) => r.count === '<5').every((r: any) => r.medianHours === 'suppressed' && r.p90Hours === 'suppressed')).toBe(true);
});

test('TH (the sender of the notices) sees the same figures from its side', async () => {
  const s = await statistics('TH');
  expect(shown(s.victimNotices)).toEqual([{ month: M1, direction: 'sent', ageBand: '12-14', sex: 'female', exploitation: 'sexual', crossing: 'nong-khai-vientiane', count: 6 }]);
  expect(shown(s.repatriationSteps)).toEqual([{ month: M1, direction: 'sent', step: 'handover-completed', count: 6, medianHours: 72, p90Hours: 144 }]);
  expect(shown(s.responseTimes)).toEqual([{ month: M1, direction: 'sent', type: 'victim-repatriation-notice', count: 6, medianHours: 3, p90Hours: 6 }]);
  expect(shown(s.alertTimeliness)).toEqual([{ month: M1, direction: 'received', counterpart: 'INTERPOL', timeliness: 'timely', count: 5 }]);
});

test('INTERPOL: alert figures only, per recipient and class', async () => {
  const s = await statistics('INTERPOL');
  expect(s.victimNotices).toBeUndefined();
  expect(s.repatriationSteps).toBeUndefined();
  expect(shown(s.alertTimeliness)).toEqual([
    { month: M1, direction: 'sent', counterpart: 'LA', timeliness: 'timely', count: 5 },
    { month: M1, direction: 'sent', counterpart: 'TH', timeliness: 'timely', count: 5 },
  ]);
  expect(shown(s.responseTimes)).toEqual([{ month: M1, direction: 'sent', type: 'offender-travel-alert', count: 5, medianHours: 3, p90Hours: 5 }]);
  expect(new Set(s.responseTimes.map((r: any) => r.type))).toEqual(new Set(['offender-travel-alert']));
});

test('the range selects months; a figure never depends on it', async () => {
  const both = await statistics('LA');
  const second = await statistics('LA', `?from=${M2}&to=${M2}`);
  expect(second.victimNotices).toEqual(both.victimNotices.filter((v: any) => v.month === M2));
  expect(second.alertTimeliness).toEqual(both.alertTimeliness.filter((v: any) => v.month === M2));
  // The default: the twelve months ending with the current one (the clocks are in M2).
  const byDefault = await statistics('LA', '');
  expect({ from: byDefault.from, to: byDefault.to }).toEqual({ from: new Date(Date.UTC(new Date(T2).getUTCFullYear(), new Date(T2).getUTCMonth() - 11, 1)).toISOString().slice(0, 7), to: M2 });
});

test('no identifying value in the JSON or the CSV, at any gateway', async () => {
  expect(identifying.length).toBeGreaterThan(60);
  for (const at of ['LA', 'TH', 'INTERPOL']) {
    const token = await c.token(at, ['analyst']);
    for (const query of [`?from=${M1}&to=${M2}`, `?from=${M1}&to=${M2}&format=csv`]) {
      const r = await c.call(at, 'GET', `/v1/statistics${query}`, { token });
      expect(r.status).toBe(200);
      const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      for (const s of identifying) expect({ at, query, leaked: s, found: text.includes(s) }).toEqual({ at, query, leaked: s, found: false });
      expectNoPersonalData(text);
    }
    // The facts kept in clear for statistics are classes: no body value is among them.
    const facts = JSON.stringify(c.gateways[at]!.gateway.db.prepare('SELECT * FROM notice_facts').all());
    for (const s of personal) expect({ at, leaked: s, found: facts.includes(s) }).toEqual({ at, leaked: s, found: false });
  }
  expect(JSON.parse(JSON.stringify(c.gateways.LA!.gateway.db.prepare('SELECT count(*) AS n FROM notice_facts').get())).n).toBeGreaterThan(10);
});

test('CSV by ?format=csv or by Accept: the header, one row per JSON cell, the same figures', async () => {
  const json = await statistics('LA');
  const token = await c.token('LA', ['analyst']);
  const byFormat = await c.call('LA', 'GET', `/v1/statistics?from=${M1}&to=${M2}&format=csv`, { token });
  const res = await fetch(`${c.gateways.LA!.url}/v1/statistics?from=${M1}&to=${M2}`, { headers: { authorization: `Bearer ${token}`, accept: 'text/csv' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
  expect(res.headers.get('vary')).toMatch(/accept/i);
  const byAccept = await res.text();
  expect(byFormat.headers.get('content-type')).toMatch(/^text\/csv/);
  const strip = (t: string) => t.split('\r\n');
  expect(strip(byAccept)).toEqual(strip(byFormat.body));
  const lines = strip(byFormat.body);
  expect(lines.pop()).toBe('');
  expect(lines[0]).toBe('section,month,direction,counterpart,type,age_band,sex,exploitation,crossing,step,timeliness,count,median_hours,p90_hours');
  expect(lines[0]).toBe(CSV_COLUMNS.join(','));
  expect(lines).toHaveLength(1 + json.victimNotices.length + json.repatriationSteps.length + json.alertTimeliness.length + json.responseTimes.length);
  for (const l of lines) expect(l.split(',')).toHaveLength(CSV_COLUMNS.length);
  const numeric = lines.slice(1).filter((l) => !l.split(',')[11]!.startsWith('<'));
  expect(numeric.sort()).toEqual(
    [
      `victim-notices,${M1},received,,,12-14,female,sexual,nong-khai-vientiane,,,6,,`,
      `repatriation-steps,${M1},received,,,,,,,handover-completed,,6,72,144`,
      `alert-timeliness,${M1},received,INTERPOL,,,,,,,timely,5,,`,
      `response-times,${M1},received,,victim-repatriation-notice,,,,,,,6,3,6`,
      `response-times,${M1},received,,offender-travel-alert,,,,,,,5,3,5`,
    ].sort(),
  );
  // JSON when both are acceptable, or anything is.
  const any = await fetch(`${c.gateways.LA!.url}/v1/statistics`, { headers: { authorization: `Bearer ${token}`, accept: '*/*' } });
  expect(any.headers.get('content-type')).toMatch(/^application\/json/);
  await any.body?.cancel();
});

test('roles: auditor and analyst 200; liaison officer and INTERPOL desk 403; an analyst may call nothing else', async () => {
  for (const role of ['auditor', 'analyst'] as const) expect((await c.call('LA', 'GET', '/v1/statistics', { token: await c.token('LA', [role]) })).status).toBe(200);
  for (const [at, role] of [['LA', 'liaison-officer'], ['LA', 'interpol-desk'], ['INTERPOL', 'interpol-desk']] as const) {
    const r = await c.call(at, 'GET', '/v1/statistics', { token: await c.token(at, [role]) });
    expect({ status: r.status, code: r.body.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
  }
  const analyst = await c.token('LA', ['analyst']);
  for (const [method, path] of [['GET', '/v1/inbox'], ['GET', `/v1/messages/${ids.a[0]}`], ['GET', '/v1/dead-letters'], ['GET', '/v1/cases/TH-2026-000001']]) {
    const r = await c.call('LA', method!, path!, { token: analyst });
    expect({ path, status: r.status, code: r.body.code }).toEqual({ path, status: 403, code: 'FORBIDDEN' });
  }
  expect((await c.call('LA', 'GET', '/v1/statistics')).status).toBe(401);
});

test('bad parameters: 400 INVALID_PARAMETER naming the parameter; an Accept of neither type: 406 NOT_ACCEPTABLE', async () => {
  const token = await c.token('LA', ['analyst']);
  const cases: [string, string][] = [
    ['?from=2026-13', '/from'],
    ['?from=2026-1', '/from'],
    ['?to=26-01', '/to'],
    [`?from=${M2}&to=${M1}`, '/from'],
    ['?from=2025-01&to=2026-01', '/to'],
    ['?format=xml', '/format'],
  ];
  for (const [query, path] of cases) {
    const r = await c.call('LA', 'GET', `/v1/statistics${query}`, { token });
    expect({ query, status: r.status, code: r.body.code, path: r.body.errors?.[0]?.path }).toEqual({ query, status: 400, code: 'INVALID_PARAMETER', path });
  }
  const res = await fetch(`${c.gateways.LA!.url}/v1/statistics`, { headers: { authorization: `Bearer ${token}`, accept: 'application/xml' } });
  expect(res.status).toBe(406);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(((await res.json()) as { code: string }).code).toBe('NOT_ACCEPTABLE');
  // Twelve months are allowed.
  expect((await c.call('LA', 'GET', '/v1/statistics?from=2025-02&to=2026-01', { token })).status).toBe(200);
});
