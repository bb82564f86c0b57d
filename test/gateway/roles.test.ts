/**
 * The role x route table (ROUTE_ROLES in services/gateway/src/app.ts), every cell, against a real
 * gateway with real tokens; then what the roles may see: an auditor never receives a notice body
 * from any gateway route, and the INTERPOL desk role is told a victim notice, its message and its
 * case do not exist.
 */
import { loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';
import { SseClient } from '../support/sse.ts';
import { expectNoPersonalData } from '../support/wire.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { GATEWAY_DOCUMENT, loadRouteRoles, ROUTE_ROLES } from '../../services/gateway/src/app.ts';
import { gatewayAudience, ROLES, type Role } from '../../services/core/src/idp/dev-idp.ts';

let c: Cluster;
const liaison: Record<string, string> = {};
let desk: string;

/** Ids of what the set-up sent, named. */
const ids = {} as Record<'victim' | 'alert' | 'laVictim' | 'laAlert' | 'laCaseAlert' | 'update' | 'alertResponse', string>;
const VICTIM_CASE = 'TH-2026-400001';
const LA_CASE = 'LA-2026-400001';
const ALERT_CASE = 'INTERPOL-2026-400001';

async function send(from: string, token: string, body: Record<string, unknown>): Promise<string> {
  const r = await c.call(from, 'POST', '/v1/notices', { token, body });
  expect({ status: r.status, code: r.body.code }).toEqual({ status: 202, code: undefined });
  return r.body.id as string;
}

async function arrived(at: string, id: string): Promise<void> {
  await eventually(() => c.gateways[at]!.gateway.store.inboxById(id), 20_000, `${id} at ${at}`);
}

beforeAll(async () => {
  c = await startCluster(['LA', 'TH', 'INTERPOL']);
  for (const e of ['LA', 'TH']) liaison[e] = await c.token(e, ['liaison-officer']);
  desk = await c.token('INTERPOL', ['interpol-desk']);
  ids.victim = await send('TH', liaison.TH!, { type: 'victim-repatriation-notice', to: ['LA'], caseRef: VICTIM_CASE, body: loadBody('victim-repatriation-notice') });
  ids.alert = await send('INTERPOL', desk, { type: 'offender-travel-alert', to: ['LA', 'TH'], caseRef: ALERT_CASE, body: loadBody('offender-travel-alert') });
  ids.laVictim = await send('LA', liaison.LA!, { type: 'victim-repatriation-notice', to: ['TH'], caseRef: LA_CASE, body: loadBody('victim-repatriation-notice') });
  ids.laAlert = await send('LA', liaison.LA!, { type: 'offender-travel-alert', to: ['TH', 'INTERPOL'], body: loadBody('offender-travel-alert') });
  await Promise.all([arrived('LA', ids.victim), arrived('LA', ids.alert), arrived('TH', ids.laVictim), arrived('INTERPOL', ids.laAlert)]);
  // An alert between the parties of the victim case, tagged with it.
  ids.laCaseAlert = await send('LA', liaison.LA!, { type: 'offender-travel-alert', to: ['TH'], caseRef: VICTIM_CASE, body: loadBody('offender-travel-alert') });
  const u = await c.call('LA', 'POST', `/v1/inbox/${ids.victim}/responses`, { token: liaison.LA!, body: { type: 'repatriation-status-update', body: loadBody('repatriation-status-update') } });
  expect(u.status).toBe(202);
  ids.update = u.body.id;
  const a = await c.call('TH', 'POST', `/v1/inbox/${ids.alert}/responses`, { token: liaison.TH!, body: { type: 'offender-alert-response', body: loadBody('offender-alert-response') } });
  expect(a.status).toBe(202);
  ids.alertResponse = a.body.id;
  await Promise.all([arrived('TH', ids.laCaseAlert), arrived('TH', ids.update), arrived('INTERPOL', ids.alertResponse)]);
});
afterAll(async () => {
  await c?.stop();
});

/**
 * For each route, a request a caller allowed by the table can make successfully at LA, and the
 * status it then gets. Every route of ROUTE_ROLES must be here (checked below).
 */
const PROBES: Record<string, { method: string; path: () => string; body?: () => unknown; ok: number; stream?: true }> = {
  'POST /v1/notices': { method: 'POST', path: () => '/v1/notices', body: () => ({ type: 'offender-travel-alert', to: ['INTERPOL'], body: loadBody('offender-travel-alert') }), ok: 202 },
  'GET /v1/messages/{id}': { method: 'GET', path: () => `/v1/messages/${ids.alert}`, ok: 200 },
  'GET /v1/inbox': { method: 'GET', path: () => '/v1/inbox', ok: 200 },
  // A stream never ends by itself: the probe reads its opening, then aborts.
  'GET /v1/inbox/events': { method: 'GET', path: () => '/v1/inbox/events', ok: 200, stream: true },
  'GET /v1/inbox/{id}': { method: 'GET', path: () => `/v1/inbox/${ids.alert}`, ok: 200 },
  'POST /v1/inbox/{id}/responses': { method: 'POST', path: () => `/v1/inbox/${ids.alert}/responses`, body: () => ({ type: 'offender-alert-response', body: loadBody('offender-alert-response') }), ok: 202 },
  'GET /v1/cases/{caseRef}': { method: 'GET', path: () => `/v1/cases/${ALERT_CASE}`, ok: 200 },
  'GET /v1/dead-letters': { method: 'GET', path: () => '/v1/dead-letters', ok: 200 },
  'GET /v1/statistics': { method: 'GET', path: () => '/v1/statistics', ok: 200 },
};

test('the probes cover every route of the table, and the table names only known roles', () => {
  expect(Object.keys(PROBES).sort()).toEqual(Object.keys(ROUTE_ROLES).sort());
  for (const roles of Object.values(ROUTE_ROLES)) for (const r of roles) expect(ROLES).toContain(r);
});

test('the role table is the x-roles of openapi/gateway.yaml: one source, so the two cannot drift', () => {
  const doc = parseYaml(readFileSync(GATEWAY_DOCUMENT, 'utf8')) as { paths: Record<string, Record<string, { 'x-roles'?: string[] }>> };
  const documented: Record<string, string[]> = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) if (op['x-roles']?.length) documented[`${method.toUpperCase()} ${path}`] = op['x-roles'];
  }
  expect(ROUTE_ROLES).toEqual(documented);
  // An edit of the document is an edit of the table; a role the gateway does not know stops it.
  const dir = mkdtempSync(join(tmpdir(), 'mx-roles-'));
  const edited = readFileSync(GATEWAY_DOCUMENT, 'utf8').replace('x-roles: [liaison-officer, interpol-desk, auditor]', 'x-roles: [auditor]');
  writeFileSync(join(dir, 'gateway.yaml'), edited);
  expect(loadRouteRoles(join(dir, 'gateway.yaml'))['GET /v1/messages/{id}']).toEqual(['auditor']);
  writeFileSync(join(dir, 'bad.yaml'), edited.replace('x-roles: [auditor]', 'x-roles: [superuser]'));
  expect(() => loadRouteRoles(join(dir, 'bad.yaml'))).toThrow(/x-roles/);
});

test('the document names the endpoint claim the gateway checks: mx_endpoint', async () => {
  const doc = readFileSync(GATEWAY_DOCUMENT, 'utf8');
  expect(doc).toContain('`mx_endpoint`');
  expect(doc).not.toMatch(/`endpoint` \(must equal/);
  // A token with the claim under another name is refused.
  const { SignJWT, importJWK } = await import('jose');
  const idp = (JSON.parse(readFileSync(c.dep.idpPrivateJwks, 'utf8')) as { keys: (import('jose').JWK & { kid: string })[] }).keys.at(-1)!;
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ endpoint: 'LA', agency: 'LA test agency', roles: ['liaison-officer'] })
    .setProtectedHeader({ alg: 'EdDSA', kid: idp.kid, typ: 'JWT' })
    .setIssuer('https://idp.mekong-exchange.example/dev')
    .setAudience(gatewayAudience('LA'))
    .setSubject('officer@LA')
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(await importJWK(idp, 'EdDSA'));
  expect((await c.call('LA', 'GET', '/v1/inbox', { token })).status).toBe(401);
});

const cells = Object.keys(ROUTE_ROLES).flatMap((route) => ROLES.map((role) => [route, role] as [string, Role]));

test.each(cells)('%s as %s: allowed exactly when the table says so', async (route, role) => {
  const probe = PROBES[route]!;
  const token = await c.token('LA', [role]);
  const r = probe.stream
    ? await SseClient.probe(c.gateways.LA!.url, probe.path(), token)
    : await c.call('LA', probe.method, probe.path(), { token, ...(probe.body ? { body: probe.body() } : {}) });
  if (ROUTE_ROLES[route]!.includes(role)) {
    expect({ status: r.status, code: r.body?.code }).toEqual({ status: probe.ok, code: undefined });
  } else {
    expect({ status: r.status, code: r.body?.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  }
});

test('health and readiness need no token', async () => {
  expect((await c.call('LA', 'GET', '/v1/health')).status).toBe(200);
  expect((await c.call('LA', 'GET', '/v1/ready')).status).toBe(200);
});

test('within a route, the types a role may originate: the INTERPOL desk role sends alerts only, an auditor nothing', async () => {
  const victim = { type: 'victim-repatriation-notice', to: ['TH'], caseRef: 'LA-2026-400002', body: loadBody('victim-repatriation-notice') };
  const r = await c.call('LA', 'POST', '/v1/notices', { token: await c.token('LA', ['interpol-desk']), body: victim });
  expect({ status: r.status, code: r.body.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
  const a = await c.call('LA', 'POST', '/v1/notices', { token: await c.token('LA', ['auditor']), body: victim });
  expect({ status: a.status, code: a.body.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
});

test('an auditor never receives a notice body from any gateway route, at any gateway', async () => {
  const allIds = Object.values(ids);
  const cases = [VICTIM_CASE, LA_CASE, ALERT_CASE];
  let checked = 0;
  for (const ep of ['LA', 'TH', 'INTERPOL']) {
    const token = await c.token(ep, ['auditor']);
    const calls: { method: string; path: string; body?: unknown }[] = [
      { method: 'GET', path: '/v1/inbox' },
      { method: 'GET', path: '/v1/inbox?type=victim-repatriation-notice' },
      { method: 'GET', path: '/v1/dead-letters' },
      { method: 'GET', path: '/v1/statistics' },
      { method: 'GET', path: '/v1/statistics?format=csv' },
      ...allIds.flatMap((id) => [
        { method: 'GET', path: `/v1/messages/${id}` },
        { method: 'GET', path: `/v1/inbox/${id}` },
        { method: 'POST', path: `/v1/inbox/${id}/responses`, body: { type: 'repatriation-status-update', body: loadBody('repatriation-status-update') } },
      ]),
      ...cases.map((k) => ({ method: 'GET', path: `/v1/cases/${k}` })),
    ];
    for (const call of calls) {
      const r = await c.call(ep, call.method, call.path, { token, ...(call.body ? { body: call.body } : {}) });
      expect(r.status).toBeLessThan(500);
      const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      expectNoPersonalData(text);
      expect(text).not.toMatch(/"(document|body|encryptedBody|record|payload)"/);
      if (r.status === 200) checked++;
    }
  }
  // The auditor did see metadata: the lifecycles and cases exist for it (the test is not vacuous).
  expect(checked).toBeGreaterThan(10);
  const meta = await c.call('LA', 'GET', `/v1/messages/${ids.victim}`, { token: await c.token('LA', ['auditor']) });
  expect(meta.status).toBe(200);
  expect(meta.body).toMatchObject({ id: ids.victim, type: 'victim-repatriation-notice', from: 'TH', caseRef: VICTIM_CASE, digest: expect.any(String) });
});

test("the INTERPOL desk role at a country's gateway gets 404 for a victim notice's inbox item, message and case", async () => {
  const token = await c.token('LA', ['interpol-desk']);
  const notFound = async (method: string, path: string, body?: unknown) => {
    const r = await c.call('LA', method, path, { token, ...(body ? { body } : {}) });
    expect({ path, status: r.status, code: r.body?.code }).toEqual({ path, status: 404, code: 'NOT_FOUND' });
    expectNoPersonalData(JSON.stringify(r.body));
  };
  await notFound('GET', `/v1/inbox/${ids.victim}`);
  await notFound('GET', `/v1/messages/${ids.victim}`);
  await notFound('GET', `/v1/messages/${ids.laVictim}`); // LA's own victim notice
  await notFound('GET', `/v1/messages/${ids.update}`); // and a status update
  await notFound('POST', `/v1/inbox/${ids.victim}/responses`, { type: 'repatriation-status-update', body: loadBody('repatriation-status-update') });
  await notFound('GET', `/v1/cases/${LA_CASE}`);
  // Even though this case also holds an alert the desk could otherwise see.
  await notFound('GET', `/v1/cases/${VICTIM_CASE}`);

  const list = await c.call('LA', 'GET', '/v1/inbox?limit=200', { token });
  expect(list.status).toBe(200);
  expect(list.body.items.map((i: { type: string }) => i.type).filter((t: string) => !t.startsWith('offender-'))).toEqual([]);
  expect(list.body.items.map((i: { id: string }) => i.id)).toContain(ids.alert);
  const filtered = await c.call('LA', 'GET', '/v1/inbox?type=victim-repatriation-notice', { token });
  expect(filtered.body.items).toEqual([]);

  // The same calls by a liaison officer find them: the 404s above are about the role.
  for (const path of [`/v1/inbox/${ids.victim}`, `/v1/messages/${ids.laVictim}`, `/v1/cases/${VICTIM_CASE}`]) {
    expect((await c.call('LA', 'GET', path, { token: liaison.LA! })).status).toBe(200);
  }
});
