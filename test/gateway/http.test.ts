/**
 * HTTP bad input against a real gateway: each answer is a 4xx `application/problem+json` with a
 * catalogue `code`, never a 500, and never echoes a value from the request.
 */
import { request as httpRequest } from 'node:http';
import { loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';
import { expectNoPersonalData, forgedIdpKey, mintOfficerToken } from '../support/wire.ts';
import { gatewayAudience } from '../../services/core/src/idp/dev-idp.ts';
import { ERROR_CATALOGUE } from '../../services/core/src/errors/catalogue.ts';

let c: Cluster;
let la: string;
const MARK = 'ECHO-b7f3c1d9';
const seen: { what: string; status: number }[] = [];

beforeAll(async () => {
  c = await startCluster(['LA', 'TH']);
  la = await c.token('LA', ['liaison-officer']);
});
afterAll(async () => {
  await c?.stop();
  // Not one request of this file got a 500.
  expect(seen.filter((s) => s.status >= 500)).toEqual([]);
});

type Res = { status: number; body: any; headers: Headers };

async function call(what: string, method: string, path: string, opts: { token?: string; body?: unknown; raw?: string; contentType?: string } = {}): Promise<Res> {
  const r = await c.call('LA', method, path, opts);
  seen.push({ what, status: r.status });
  return r;
}

/** A problem document with this status and code, nothing of the request in it. */
function expectProblem(r: Res, status: number, code: keyof typeof ERROR_CATALOGUE, ...echoes: string[]): void {
  expect({ status: r.status, code: r.body?.code }).toEqual({ status, code });
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status, type: expect.stringContaining('/problems/'), title: ERROR_CATALOGUE[code].title });
  const text = JSON.stringify(r.body);
  for (const e of [MARK, ...echoes]) expect(text).not.toContain(e);
  expect(text).not.toMatch(/\bat .+\.ts:\d+/); // no stack
  expectNoPersonalData(text);
}

const notice = (extra: Record<string, unknown> = {}) => ({ type: 'victim-repatriation-notice', to: ['TH'], caseRef: 'LA-2026-300001', body: loadBody('victim-repatriation-notice'), ...extra });

describe('bodies', () => {
  test('malformed JSON: 400 BAD_JSON', async () => {
    for (const raw of [`{"type": "victim-repatriation-notice", "to": ["TH"], ${MARK}`, `{"a":1}}${MARK}`, `'${MARK}'`, '', 'null', `"${MARK}"`]) {
      const r = await call('bad json', 'POST', '/v1/notices', { token: la, raw });
      if (raw === '') {
        expect([400, 415, 422]).toContain(r.status); // no body at all
        expectProblem(r, r.status, r.body.code);
      } else expectProblem(r, 400, 'BAD_JSON');
    }
    // A JSON value that parses but is no request at all.
    expectProblem(await call('array', 'POST', '/v1/notices', { token: la, raw: `["${MARK}"]` }), 422, 'VALIDATION_FAILED');
  });

  test('an oversized body: 413 PAYLOAD_TOO_LARGE', async () => {
    const big = JSON.stringify(notice({ body: { ...loadBody('victim-repatriation-notice'), filler: MARK.repeat(40_000) } }));
    expect(big.length).toBeGreaterThan(262_144);
    expectProblem(await call('too large', 'POST', '/v1/notices', { token: la, raw: big }), 413, 'PAYLOAD_TOO_LARGE');
    expectProblem(await call('too large (responses)', 'POST', '/v1/inbox/01950c2a-6b3e-7c1d-8e2f-0123456789ac/responses', { token: la, raw: big }), 413, 'PAYLOAD_TOO_LARGE');
  });

  test('a wrong content type: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const raw = JSON.stringify(notice());
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json-seq', 'application/json; charset=latin1']) {
      expectProblem(await call(`content type ${contentType}`, 'POST', '/v1/notices', { token: la, raw, contentType }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    expectProblem(
      await call('content type on responses', 'POST', '/v1/inbox/01950c2a-6b3e-7c1d-8e2f-0123456789ac/responses', { token: la, raw: '{}', contentType: 'text/plain' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  test('a compressed body the gateway does not accept: 415, never a 500', async () => {
    const r = await new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
      const req = httpRequest(`${c.gateways.LA!.url}/v1/notices`, { method: 'POST', headers: { authorization: `Bearer ${la}`, 'content-type': 'application/json', 'content-encoding': 'x-unknown' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(notice()));
    });
    seen.push({ what: 'content-encoding', status: r.status });
    expect(r.status).toBe(415);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(r.body).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  test('unknown fields: 422 VALIDATION_FAILED with field-level errors, no value echoed', async () => {
    const top = await call('unknown top-level field', 'POST', '/v1/notices', { token: la, body: notice({ priority: MARK }) });
    expectProblem(top, 422, 'VALIDATION_FAILED');
    expect(top.body.errors.length).toBeGreaterThan(0);
    for (const e of top.body.errors) expect(e).toEqual({ path: expect.any(String), code: expect.any(String), message: expect.any(String) });
    expect(top.body.errors.map((e: { code: string }) => e.code)).toContain('additionalProperties');

    const body = loadBody('victim-repatriation-notice') as unknown as { child: Record<string, unknown> };
    body.child.shoeSize = MARK;
    const nested = await call('unknown nested field', 'POST', '/v1/notices', { token: la, body: notice({ body }) });
    expectProblem(nested, 422, 'VALIDATION_FAILED');
    expect(nested.body.errors).toContainEqual(expect.objectContaining({ path: '/body/child', code: 'additionalProperties' }));

    // Wrong values are named by their path, never repeated.
    const wrong = await call('wrong values', 'POST', '/v1/notices', { token: la, body: notice({ to: [MARK], caseRef: MARK }) });
    expectProblem(wrong, 422, 'VALIDATION_FAILED');
    expect(wrong.body.errors.every((e: { path: string }) => e.path.startsWith('/'))).toBe(true);

    const respond = await call('unknown field in a response', 'POST', '/v1/inbox/01950c2a-6b3e-7c1d-8e2f-0123456789ac/responses', { token: la, body: { type: 'repatriation-status-update', body: loadBody('repatriation-status-update'), to: [MARK] } });
    // The item does not exist, which is checked first; either way a 4xx with a code.
    expect([404, 422]).toContain(respond.status);
    expectProblem(respond, respond.status, respond.body.code);
  });

  test('__proto__ and constructor keys: a 4xx, no prototype pollution, the gateway carries on', async () => {
    const good = JSON.stringify(notice());
    const raws = [
      good.replace('{', `{"__proto__":{"polluted":"${MARK}"},`),
      good.replace('"body":{', `"body":{"__proto__":{"polluted":"${MARK}"},`),
      good.replace('"child":{', `"child":{"__proto__":{"polluted":"${MARK}"},`),
      good.replace('{', `{"constructor":{"prototype":{"polluted":"${MARK}"}},`),
      `{"__proto__":{"type":"victim-repatriation-notice","to":["TH"],"polluted":"${MARK}"}}`,
      `{"type":"offender-alert-response","to":["TH"],"inReplyTo":"01950c2a-6b3e-7c1d-8e2f-0123456789ac","__proto__":{"polluted":"${MARK}"},"body":${JSON.stringify(loadBody('offender-alert-response'))}}`,
    ];
    for (const raw of raws) {
      const r = await call('__proto__', 'POST', '/v1/notices', { token: la, raw });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expectProblem(r, r.status, r.body.code);
    }
    const r = await call('__proto__ in query', 'GET', `/v1/inbox?__proto__[polluted]=${MARK}&constructor[prototype][polluted]=${MARK}`, { token: la });
    expect(r.status).toBeLessThan(500);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect((await call('health', 'GET', '/v1/health')).status).toBe(200);
    // Nothing was queued by any of them.
    expect((c.gateways.LA!.gateway.db.prepare('SELECT count(*) AS n FROM sent').get() as { n: number }).n).toBe(0);
  });

  test('expiresAt is bounded by the sending gateway: in the past or beyond the maximum lifetime is 422, not a 202 the receiver will reject', async () => {
    const past = await call('expiresAt in the past', 'POST', '/v1/notices', { token: la, body: notice({ expiresAt: '2020-01-01T00:00:00.000Z' }) });
    expectProblem(past, 422, 'VALIDATION_FAILED');
    expect(past.body.errors.map((e: { path: string }) => e.path)).toEqual(['/expiresAt']);
    const far = await call('expiresAt far away', 'POST', '/v1/notices', { token: la, body: notice({ expiresAt: new Date(Date.now() + 400 * 86_400_000).toISOString() }) });
    expectProblem(far, 422, 'VALIDATION_FAILED');
    expect(far.body.errors.map((e: { path: string }) => e.path)).toEqual(['/expiresAt']);
    expect((c.gateways.LA!.gateway.db.prepare('SELECT count(*) AS n FROM sent').get() as { n: number }).n).toBe(0);
    // Within bounds it is taken as given.
    const expiresAt = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const ok = await call('expiresAt ok', 'POST', '/v1/notices', { token: la, body: notice({ expiresAt, caseRef: 'LA-2026-300002' }) });
    expect(ok.status).toBe(202);
    expect(c.gateways.LA!.gateway.store.sent(ok.body.id)!.expires_at).toBe(expiresAt);

    // The same for an answer, which carries the officer's expiresAt too (it used to be dropped).
    const th = await c.token('TH', ['liaison-officer']);
    const alert = await c.call('TH', 'POST', '/v1/notices', { token: th, body: { type: 'offender-travel-alert', to: ['LA'], body: loadBody('offender-travel-alert') } });
    expect(alert.status).toBe(202);
    await eventually(() => c.gateways.LA!.gateway.store.inboxById(alert.body.id), 20_000, 'the alert at LA');
    const answer = (e: string) => ({ type: 'offender-alert-response', expiresAt: e, body: loadBody('offender-alert-response') });
    const late = await call('response expiresAt in the past', 'POST', `/v1/inbox/${alert.body.id}/responses`, { token: la, body: answer('2020-01-01T00:00:00.000Z') });
    expectProblem(late, 422, 'VALIDATION_FAILED');
    expect(late.body.errors.map((e: { path: string }) => e.path)).toEqual(['/expiresAt']);
    const answered = await call('response expiresAt ok', 'POST', `/v1/inbox/${alert.body.id}/responses`, { token: la, body: answer(expiresAt) });
    expect(answered.status).toBe(202);
    expect(c.gateways.LA!.gateway.store.sent(answered.body.id)!.expires_at).toBe(expiresAt);
  });
});

describe('tokens', () => {
  const body = () => notice({ caseRef: 'LA-2026-300009' });

  test('missing or malformed Authorization: 401 UNAUTHENTICATED with a Bearer challenge', async () => {
    for (const token of [undefined, MARK, 'a.b.c', `${MARK}.${MARK}.${MARK}`, 'a'.repeat(9000)]) {
      const r = await call('auth header', 'GET', '/v1/inbox', token === undefined ? {} : { token });
      expectProblem(r, 401, 'UNAUTHENTICATED');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const basic = await fetch(`${c.gateways.LA!.url}/v1/inbox`, { headers: { authorization: `Basic ${Buffer.from(`a:${MARK}`).toString('base64')}` } });
    seen.push({ what: 'basic', status: basic.status });
    expect(basic.status).toBe(401);
    expect(((await basic.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
    // A POST without a token is refused too, whatever its body.
    expect((await call('no token post', 'POST', '/v1/notices', { body: body() })).status).toBe(401);
  });

  test('a forged token (another key under the identity provider kid), an expired one, a wrong issuer, alg none: 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = await mintOfficerToken(c, { endpoint: 'LA', roles: ['liaison-officer'], subject: MARK, key: await forgedIdpKey(c) });
    const expired = await mintOfficerToken(c, { endpoint: 'LA', roles: ['liaison-officer'], subject: MARK, iat: now - 7200, exp: now - 3600 });
    const issuer = await mintOfficerToken(c, { endpoint: 'LA', roles: ['liaison-officer'], subject: MARK, issuer: 'https://idp.example/other' });
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: MARK, mx_endpoint: 'LA', roles: ['liaison-officer'], agency: 'x', iss: 'https://idp.mekong-exchange.example/dev', aud: gatewayAudience('LA'), iat: now, exp: now + 600 })}.`;
    for (const [name, token] of Object.entries({ forged, expired, issuer, none })) {
      const r = await call(`token ${name}`, 'GET', '/v1/inbox', { token });
      expect({ name, status: r.status }).toEqual({ name, status: 401 });
      expectProblem(r, 401, 'UNAUTHENTICATED');
      expect((await call(`token ${name} post`, 'POST', '/v1/notices', { token, body: body() })).status).toBe(401);
    }
    // The control: the same claims, properly signed, pass.
    const good = await mintOfficerToken(c, { endpoint: 'LA', roles: ['liaison-officer'], subject: MARK });
    expect((await call('token good', 'GET', '/v1/inbox', { token: good })).status).toBe(200);
  });

  test("another endpoint's token: 401 when minted for TH's gateway (audience pinned), 403 FORBIDDEN when it names TH as its endpoint", async () => {
    const thToken = await c.token('TH', ['liaison-officer']);
    expectProblem(await call('TH token at LA', 'GET', '/v1/inbox', { token: thToken }), 401, 'UNAUTHENTICATED');
    const claimsTH = await mintOfficerToken(c, { endpoint: 'LA', claimEndpoint: 'TH', roles: ['liaison-officer'] });
    expectProblem(await call('endpoint claim TH at LA', 'GET', '/v1/inbox', { token: claimsTH }), 403, 'FORBIDDEN');
    expectProblem(await call('endpoint claim TH at LA (post)', 'POST', '/v1/notices', { token: claimsTH, body: body() }), 403, 'FORBIDDEN');
    const noRole = await mintOfficerToken(c, { endpoint: 'LA', roles: ['superuser' as never] });
    expectProblem(await call('no known role', 'GET', '/v1/inbox', { token: noRole }), 403, 'FORBIDDEN');
  });
});

describe('paths and queries', () => {
  test('bad path parameters: 400 INVALID_PARAMETER as the document says (or 404 for no route, 405 for no method), never echoed', async () => {
    const paths = [
      `/v1/messages/${MARK}`,
      '/v1/messages/01950c2a-6b3e-4c1d-8e2f-0123456789ac', // a UUIDv4, not a v7
      `/v1/messages/${encodeURIComponent(`'; DROP TABLE inbox; --${MARK}`)}`,
      `/v1/messages/${'0'.repeat(4000)}`,
      `/v1/inbox/${MARK}`,
      `/v1/inbox/..%2F..%2F${MARK}`,
      `/v1/cases/${MARK}`,
      '/v1/cases/th-2026-000001',
      '/v1/cases/TH-2026-1',
      `/v1/cases/TH-2026-000001%00${MARK}`,
    ];
    for (const path of paths) {
      const r = await call(`path ${path}`, 'GET', path, { token: la });
      expectProblem(r, 400, 'INVALID_PARAMETER');
      expect(r.body.errors[0].path).toMatch(/^\/(id|caseRef)$/);
    }
    expectProblem(await call('post bad id', 'POST', `/v1/inbox/${MARK}/responses`, { token: la, body: { type: 'repatriation-status-update', body: loadBody('repatriation-status-update') } }), 400, 'INVALID_PARAMETER');
    expectProblem(await call('no route', 'GET', `/v1/${MARK}`, { token: la }), 404, 'NOT_FOUND');
    const del = await call('no method', 'DELETE', '/v1/inbox', { token: la });
    expectProblem(del, 405, 'METHOD_NOT_ALLOWED');
    expect(del.headers.get('allow')).toBe('GET, HEAD');
  });

  test('a malformed percent-encoding in a path: 4xx, not a 500', async () => {
    for (const path of ['/v1/messages/%E0%A4%A', '/v1/cases/%FF', `/v1/inbox/%${MARK}`]) {
      const r = await call(`bad encoding ${path}`, 'GET', path, { token: la });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expectProblem(r, r.status, r.body.code);
    }
  });

  test('a well-formed id of nothing: 404 NOT_FOUND', async () => {
    expectProblem(await call('unknown id', 'GET', '/v1/messages/01950c2a-6b3e-7c1d-8e2f-0123456789ac', { token: la }), 404, 'NOT_FOUND');
    expectProblem(await call('unknown inbox id', 'GET', '/v1/inbox/01950c2a-6b3e-7c1d-8e2f-0123456789ac', { token: la }), 404, 'NOT_FOUND');
    expectProblem(await call('unknown case', 'GET', '/v1/cases/TH-2026-999999', { token: la }), 404, 'NOT_FOUND');
  });

  test('bad cursors and filters: 400 INVALID_PARAMETER with the parameter as path', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const cases: [string, string][] = [
      [`/v1/inbox?cursor=${MARK}`, '/cursor'],
      [`/v1/inbox?cursor=${'A'.repeat(600)}`, '/cursor'],
      [`/v1/inbox?cursor=${b64({ receivedAt: 1 })}`, '/cursor'],
      [`/v1/inbox?cursor=${b64({ receivedAt: 1, from: { x: MARK }, id: [MARK] })}`, '/cursor'],
      [`/v1/inbox?cursor=${b64({ receivedAt: 'x', from: 'TH', id: MARK })}`, '/cursor'],
      [`/v1/inbox?cursor=${b64(null)}`, '/cursor'],
      [`/v1/inbox?cursor=a&cursor=b`, '/cursor'],
      [`/v1/dead-letters?cursor=${MARK}`, '/cursor'],
      [`/v1/dead-letters?cursor=${b64(1.5)}`, '/cursor'],
      [`/v1/dead-letters?cursor=${b64({ id: 1 })}`, '/cursor'],
      ['/v1/dead-letters?cursor=a.b', '/cursor'],
      [`/v1/cases/LA-2026-300001?cursor=${b64({ receivedAt: 1, from: 'TH', id: 'x' })}`, '/cursor'],
      ['/v1/cases/LA-2026-300001?limit=201', '/limit'],
      [`/v1/dead-letters?since=${MARK}`, '/since'],
      ['/v1/dead-letters?since=not-a-date', '/since'],
      ['/v1/dead-letters?since=2026', '/since'],
      ['/v1/inbox?limit=0', '/limit'],
      ['/v1/inbox?limit=201', '/limit'],
      [`/v1/inbox?limit=${MARK}`, '/limit'],
      ['/v1/inbox?limit=1&limit=2', '/limit'],
      ['/v1/dead-letters?limit=-1', '/limit'],
      [`/v1/inbox?type=${MARK}`, '/type'],
      ['/v1/inbox?type=delivery-receipt', '/type'],
      ['/v1/inbox?type=offender-travel-alert&type=offender-alert-response', '/type'],
      [`/v1/inbox?status=${MARK}`, '/status'],
      [`/v1/inbox?since=${MARK}`, '/since'],
      ['/v1/inbox?since=2026-02-30T99:00:00Z', '/since'],
    ];
    for (const [path, param] of cases) {
      const r = await call(`query ${path}`, 'GET', path, { token: la });
      expectProblem(r, 400, 'INVALID_PARAMETER');
      expect({ path, errors: r.body.errors.map((e: { path: string }) => e.path) }).toEqual({ path, errors: [param] });
    }
    // A cursor from a real page works.
    const first = await call('page', 'GET', '/v1/inbox?limit=1', { token: la });
    expect(first.status).toBe(200);
  });
});
