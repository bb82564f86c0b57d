/**
 * HTTP bad input against a real gateway: each answer is a 4xx `application/problem+json` with a
 * catalogue `code`, never a 500, and never echoes a value from the request.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
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

  test('a malformed percent-encoding in a path: 400 INVALID_PARAMETER, not a 500', async () => {
    for (const path of ['/v1/messages/%E0%A4%A', '/v1/cases/%FF', `/v1/inbox/%${MARK}`]) {
      expectProblem(await call(`bad encoding ${path}`, 'GET', path, { token: la }), 400, 'INVALID_PARAMETER');
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

/** A raw HTTP/1.1 exchange on one socket: what came back, and how long until the server answered and closed. */
function rawExchange(url: string, head: string, body = ''): Promise<{ text: string; ms: number; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname, () => socket.write(head + body));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', reject);
    socket.on('close', () => resolve({ text, ms: Date.now() - started, closed: true }));
    // The check itself must not wait for Node's 5-minute request timeout either.
    socket.setTimeout(20_000, () => {
      socket.destroy();
      resolve({ text, ms: Date.now() - started, closed: false });
    });
  });
}

function statusAndProblem(text: string): { status: number; code: unknown } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  let code: unknown;
  try {
    code = (JSON.parse(body) as { code?: unknown }).code;
  } catch {
    code = undefined;
  }
  return { status, code };
}

describe('issue 9: the HTTP defects', () => {
  test('b: inbox states are exclusive and each status filter returns only items in that state', async () => {
    const th = await c.token('TH', ['liaison-officer']);
    const send = async () => {
      const r = await c.call('TH', 'POST', '/v1/notices', { token: th, body: { type: 'offender-travel-alert', to: ['LA'], body: loadBody('offender-travel-alert') } });
      expect(r.status).toBe(202);
      await eventually(() => c.gateways.LA!.gateway.store.inboxById(r.body.id), 20_000, 'the alert at LA');
      return r.body.id as string;
    };
    const [unread, read, answeredUnopened, readThenAnswered] = [await send(), await send(), await send(), await send()];
    const answer = { type: 'offender-alert-response', body: loadBody('offender-alert-response') };
    expect((await call('open', 'GET', `/v1/inbox/${read}`, { token: la })).status).toBe(200);
    expect((await call('open', 'GET', `/v1/inbox/${readThenAnswered}`, { token: la })).status).toBe(200);
    expect((await call('answer', 'POST', `/v1/inbox/${answeredUnopened}/responses`, { token: la, body: answer })).status).toBe(202);
    expect((await call('answer', 'POST', `/v1/inbox/${readThenAnswered}/responses`, { token: la, body: answer })).status).toBe(202);
    const mine = new Set([unread, read, answeredUnopened, readThenAnswered]);
    const listed = async (status: string) => {
      const r = await call(`status ${status}`, 'GET', `/v1/inbox?status=${status}&limit=200`, { token: la });
      expect(r.status).toBe(200);
      for (const item of r.body.items) expect({ id: item.id, status: item.status }).toEqual({ id: item.id, status });
      return (r.body.items as { id: string; readAt?: string }[]).filter((i) => mine.has(i.id));
    };
    expect((await listed('unread')).map((i) => i.id)).toEqual([unread]);
    expect((await listed('read')).map((i) => i.id)).toEqual([read]);
    const responded = await listed('responded');
    expect(responded.map((i) => i.id).sort()).toEqual([answeredUnopened, readThenAnswered].sort());
    // Answered without being opened: responded, and never read.
    expect(responded.find((i) => i.id === answeredUnopened)!.readAt).toBeUndefined();
    expect(responded.find((i) => i.id === readThenAnswered)!.readAt).toEqual(expect.any(String));
  });

  test('c: an item takes at most 100 responses (409 TOO_MANY_RESPONSES), on both answer routes', async () => {
    const th = await c.token('TH', ['liaison-officer']);
    const alert = await c.call('TH', 'POST', '/v1/notices', { token: th, body: { type: 'offender-travel-alert', to: ['LA'], body: loadBody('offender-travel-alert') } });
    const item = await eventually(() => c.gateways.LA!.gateway.store.inboxById(alert.body.id), 20_000, 'the alert at LA');
    // 100 answers already recorded, as 100 POSTs would have left them.
    const ids = Array.from({ length: 100 }, (_, i) => `01950c2a-6b3e-7c1d-8e2f-${String(i).padStart(12, '0')}`);
    c.gateways.LA!.gateway.db.prepare('UPDATE inbox SET response_ids = ? WHERE from_ep = ? AND id = ?').run(JSON.stringify(ids), item.from_ep, item.id);
    const before = (c.gateways.LA!.gateway.db.prepare('SELECT count(*) AS n FROM sent').get() as { n: number }).n;
    const answer = { type: 'offender-alert-response', body: loadBody('offender-alert-response') };
    expectProblem(await call('101st answer', 'POST', `/v1/inbox/${item.id}/responses`, { token: la, body: answer }), 409, 'TOO_MANY_RESPONSES');
    expectProblem(await call('101st answer (notices)', 'POST', '/v1/notices', { token: la, body: { ...answer, to: ['TH'], inReplyTo: item.id } }), 409, 'TOO_MANY_RESPONSES');
    expect((c.gateways.LA!.gateway.db.prepare('SELECT count(*) AS n FROM sent').get() as { n: number }).n).toBe(before);
    // The item as listed still validates against its schema (responseIds maxItems 100): the call helper checks it.
    expect((await call('item with 100 answers', 'GET', `/v1/inbox/${item.id}`, { token: la })).body.responseIds).toHaveLength(100);
 
    // Concurrent answers near the bound: exactly as many are taken as fit.
    const alert2 = await c.call('TH', 'POST', '/v1/notices', { token: th, body: { type: 'offender-travel-alert', to: ['LA'], body: loadBody('offender-travel-alert') } });
    const item2 = await eventually(() => c.gateways.LA!.gateway.store.inboxById(alert2.body.id), 20_000, 'the second alert at LA');
    c.gateways.LA!.gateway.db.prepare('UPDATE inbox SET response_ids = ? WHERE from_ep = ? AND id = ?').run(JSON.stringify(ids.slice(0, 98)), item2.from_ep, item2.id);
    const results = await Promise.all(Array.from({ length: 5 }, () => call('concurrent answer', 'POST', `/v1/inbox/${item2.id}/responses`, { token: la, body: answer })));
    expect(results.map((r) => r.status).sort()).toEqual([202, 202, 409, 409, 409]);
    expect(JSON.parse(c.gateways.LA!.gateway.store.inboxById(item2.id)!.response_ids)).toHaveLength(100);
  });

  test('c: GET /v1/cases/{caseRef} is paginated with cursor and limit', async () => {
    const caseRef = 'LA-2026-300020';
    const sent: string[] = [];
    const first = await call('case opener', 'POST', '/v1/notices', { token: la, body: notice({ caseRef }) });
    expect(first.status).toBe(202);
    sent.push(first.body.id);
    for (let i = 0; i < 4; i++) {
      const r = await call('case alert', 'POST', '/v1/notices', { token: la, body: { type: 'offender-travel-alert', to: ['TH'], caseRef, body: loadBody('offender-travel-alert') } });
      expect(r.status).toBe(202);
      sent.push(r.body.id);
    }
    const seenIds: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: Res = await call('case page', 'GET', `/v1/cases/${caseRef}?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: la });
      expect(r.status).toBe(200);
      expect(r.body.messages.length).toBeLessThanOrEqual(2);
      expect(r.body.parties).toEqual(['LA', 'TH']);
      seenIds.push(...r.body.messages.map((m: { id: string }) => m.id));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seenIds).toEqual(sent);
    // The default page holds them all, with no next page.
    const all = await call('case', 'GET', `/v1/cases/${caseRef}`, { token: la });
    expect({ n: all.body.messages.length, next: all.body.nextCursor }).toEqual({ n: 5, next: null });
  });

  test('c: the response check can fail: a body off its schema or an undeclared status is reported', async () => {
    const { responseProblems } = await import('../support/contract.ts');
    expect(responseProblems('gateway', 'GET', '/v1/inbox', 200, 'application/json', { items: [], nextCursor: null })).toEqual([]);
    expect(responseProblems('gateway', 'GET', '/v1/inbox', 200, 'application/json', { items: [], nextCursor: 5 })).not.toEqual([]);
    expect(responseProblems('gateway', 'GET', '/v1/inbox', 418, 'application/problem+json', {})).not.toEqual([]);
    const tooMany = { caseRef: 'LA-2026-300020', parties: ['LA'], messages: Array.from({ length: 201 }, () => ({})), nextCursor: null };
    expect(responseProblems('gateway', 'GET', '/v1/cases/LA-2026-300020', 200, 'application/json', tooMany).join('\n')).toMatch(/must NOT have more than 200 items/);
    expect(responseProblems('gateway', 'DELETE', '/v1/inbox', 404, 'application/problem+json', {})).not.toEqual([]);
  });

  test('d: TRACE and other unsupported methods on a known path: 405 problem+json with Allow', async () => {
    for (const [method, path, allow] of [['TRACE', '/v1/inbox', 'GET, HEAD'], ['PUT', '/v1/notices', 'POST'], ['TRACE', '/v1/health', 'GET, HEAD'], ['PATCH', `/v1/messages/01950c2a-6b3e-7c1d-8e2f-0123456789ac`, 'GET, HEAD']] as const) {
      const r = await rawExchange(c.gateways.LA!.url, `${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${la}\r\nConnection: close\r\n\r\n`);
      seen.push({ what: `${method} ${path}`, status: statusAndProblem(r.text).status });
      expect({ method, path, ...statusAndProblem(r.text) }).toEqual({ method, path, status: 405, code: 'METHOD_NOT_ALLOWED' });
      expect(r.text).toMatch(new RegExp(`\r\nallow: ${allow}\r\n`, 'i'));
      expect(r.text).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    }
  });

  test('e: every claim used is type-checked: a numeric sub, non-string roles, endpoint or agency: 401', async () => {
    const { SignJWT, importJWK } = await import('jose');
    const { readFileSync } = await import('node:fs');
    const idp = (JSON.parse(readFileSync(c.dep.idpPrivateJwks, 'utf8')) as { keys: (import('jose').JWK & { kid: string })[] }).keys.at(-1)!;
    const key = await importJWK(idp, 'EdDSA');
    const now = Math.floor(Date.now() / 1000);
    const mint = (claims: Record<string, unknown>) =>
      new SignJWT({ mx_endpoint: 'LA', agency: 'LA test agency', roles: ['liaison-officer'], sub: 'officer-12345', ...claims })
        .setProtectedHeader({ alg: 'EdDSA', kid: idp.kid, typ: 'JWT' })
        .setIssuer('https://idp.mekong-exchange.example/dev')
        .setAudience(gatewayAudience('LA'))
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(key);
    expect((await call('string sub', 'GET', '/v1/inbox', { token: await mint({ sub: '12345' }) })).status).toBe(200);
    for (const [name, claims] of Object.entries({
      'numeric sub': { sub: 12345 },
      'empty sub': { sub: '' },
      'long sub': { sub: 'x'.repeat(300) },
      'object sub': { sub: { id: MARK } },
      'roles a string': { roles: 'liaison-officer' },
      'roles with a number': { roles: ['liaison-officer', 7] },
      'numeric endpoint': { mx_endpoint: 7 },
      'array agency': { agency: [MARK] },
    })) {
      const r = await call(`claims ${name}`, 'GET', '/v1/inbox', { token: await mint(claims) });
      expect({ name, status: r.status }).toEqual({ name, status: 401 });
      expectProblem(r, 401, 'UNAUTHENTICATED');
    }
  });

  test('f: a declared oversize body is refused at once with 413 and the connection closed; nothing is read before authentication', async () => {
    const url = c.gateways.LA!.url;
    const huge = await rawExchange(url, `POST /v1/notices HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${la}\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n`, '{"type":');
    seen.push({ what: 'declared huge', status: statusAndProblem(huge.text).status });
    expect(statusAndProblem(huge.text)).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    // Answered and closed at once: not after Node's keep-alive (5 s) or request (5 min) timeout.
    expect(huge.closed).toBe(true);
    expect(huge.ms).toBeLessThan(4500);
    // Without a token the same request is a 401, before any body handling.
    const anon = await rawExchange(url, 'POST /v1/inbox/01950c2a-6b3e-7c1d-8e2f-0123456789ac/responses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n', '[[[[');
    seen.push({ what: 'anonymous huge', status: statusAndProblem(anon.text).status });
    expect(statusAndProblem(anon.text)).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(anon.closed).toBe(true);
    expect(anon.ms).toBeLessThan(4500);
    // A body that is not even JSON, without a token: 401, so it was never parsed (parsing it first answered 400).
    const deep = '['.repeat(100_000);
    const r = await call('anonymous deep json', 'POST', '/v1/notices', { raw: deep });
    expectProblem(r, 401, 'UNAUTHENTICATED');
    const wrongType = await call('anonymous text body', 'POST', '/v1/notices', { raw: 'x', contentType: 'text/plain' });
    expectProblem(wrongType, 401, 'UNAUTHENTICATED');
  });

  test('g: oversized headers or token: 431 problem+json, not a bare status line', async () => {
    const r = await rawExchange(c.gateways.LA!.url, `GET /v1/inbox HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`);
    seen.push({ what: 'huge header', status: statusAndProblem(r.text).status });
    expect(statusAndProblem(r.text)).toEqual({ status: 431, code: 'HEADERS_TOO_LARGE' });
    expect(r.text).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(r.text).not.toContain('aaaa');
    // The server carries on.
    expect((await call('after 431', 'GET', '/v1/inbox?limit=1', { token: la })).status).toBe(200);
  });

  test('h: GET /v1/dead-letters?since= returns only entries quarantined at or after it', async () => {
    const store = c.gateways.LA!.gateway.store;
    const t0 = Date.parse('2030-01-01T00:00:00.000Z');
    const entry = (offset: number, at: number) => ({ topic: `${c.prefix}mx.inbox.LA`, partition: 0, offset: String(900_000 + offset), digest: 'A'.repeat(43), reason_code: 'MALFORMED', from_ep: null, message_id: null, at });
    store.insertDeadLetter(entry(1, t0 - 1000));
    store.insertDeadLetter(entry(2, t0));
    store.insertDeadLetter(entry(3, t0 + 1000));
    const r = await call('since', 'GET', '/v1/dead-letters?since=2030-01-01T00:00:00.000Z', { token: la });
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: { offset: string }) => i.offset)).toEqual(['900002', '900003']);
    const all = await call('no since', 'GET', '/v1/dead-letters?limit=200', { token: la });
    expect(all.body.items.map((i: { offset: string }) => i.offset)).toEqual(expect.arrayContaining(['900001', '900002', '900003']));
    // Pages and since together: the cursor keeps the filter's place.
    const p1 = await call('since page 1', 'GET', '/v1/dead-letters?since=2030-01-01T00:00:00.000Z&limit=1', { token: la });
    const p2 = await call('since page 2', 'GET', `/v1/dead-letters?since=2030-01-01T00:00:00.000Z&limit=1&cursor=${p1.body.nextCursor}`, { token: la });
    expect([...p1.body.items, ...p2.body.items].map((i: { offset: string }) => i.offset)).toEqual(['900002', '900003']);
  });

  test('k: a recipient the trust registry does not know: 422 UNKNOWN_ENDPOINT naming /to/<index>', async () => {
    const r = await call('unknown endpoint', 'POST', '/v1/notices', { token: la, body: { type: 'offender-travel-alert', to: ['TH', 'XX'], body: loadBody('offender-travel-alert') } });
    expectProblem(r, 422, 'UNKNOWN_ENDPOINT');
    expect(r.body.errors).toEqual([expect.objectContaining({ path: '/to/1' })]);
  });
});

describe('n: rate limits', () => {
  let small: Cluster;
  beforeAll(async () => {
    small = await startCluster(['LA'], { env: { MX_RATE_LIMIT_PER_OFFICER: '3', MX_RATE_LIMIT_PER_ENDPOINT: '6' } });
  });
  afterAll(async () => {
    await small?.stop();
  });

  test('per officer, then per endpoint: 429 RATE_LIMITED with Retry-After, counted and not audited', async () => {
    const gw = small.gateways.LA!.gateway;
    const audited = () => (gw.db.prepare("SELECT count(*) AS n FROM outbox WHERE kind = 'audit'").get() as { n: number }).n;
    const a = await small.token('LA', ['liaison-officer'], 'officer-a@LA');
    const b = await small.token('LA', ['liaison-officer'], 'officer-b@LA');
    const cc = await small.token('LA', ['liaison-officer'], 'officer-c@LA');
    const refusedPost = { type: 'offender-travel-alert', to: ['XX'], body: loadBody('offender-travel-alert') };
    // The control: a refused submission within the limits is audited (`rejected`).
    const start = audited();
    expect((await small.call('LA', 'POST', '/v1/notices', { token: b, body: refusedPost })).status).toBe(422);
    await eventually(() => audited() === start + 1 || undefined, 20_000, 'the rejected event of b');
    for (let i = 0; i < 3; i++) expect((await small.call('LA', 'GET', '/v1/inbox', { token: a })).status).toBe(200);
    const limited = await small.call('LA', 'POST', '/v1/notices', { token: a, body: refusedPost });
    expect({ status: limited.status, code: limited.body.code }).toEqual({ status: 429, code: 'RATE_LIMITED' });
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 20; i++) expect((await small.call('LA', 'GET', '/v1/inbox', { token: a })).status).toBe(429);
    // Another officer is not limited by the first one's excess, and its refused submission is audited again...
    expect((await small.call('LA', 'POST', '/v1/notices', { token: b, body: refusedPost })).status).toBe(422);
    // ...after none for the 21 refusals in between (the emitter keeps order, so they would have come first).
    await eventually(() => audited() === start + 2 || undefined, 20_000, 'the second rejected event of b');
    // The endpoint as a whole (6 a minute: b, a, a, a, b so far) is over its limit after one more.
    expect((await small.call('LA', 'GET', '/v1/inbox', { token: cc })).status).toBe(200);
    const endpointLimited = await small.call('LA', 'GET', '/v1/inbox', { token: cc });
    expect({ status: endpointLimited.status, code: endpointLimited.body.code }).toEqual({ status: 429, code: 'RATE_LIMITED' });
    const counters = gw.app.locals.rateLimit as { refusedPerOfficer: number; refusedPerEndpoint: number };
    expect(counters).toEqual({ refusedPerOfficer: 21, refusedPerEndpoint: 1 });
    expect(audited()).toBe(start + 2);
  });
});
