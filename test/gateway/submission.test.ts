/**
 * What a submission and a read do at the gateway, with real gateways on the real broker: a victim
 * notice without `caseRef` opens a new case, `Idempotency-Key` makes a retry return the first
 * answer, and every access to a received message's content is an audit event.
 */
import { loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';

let c: Cluster;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  c = await startCluster(['LA', 'TH', 'INTERPOL']);
  tokens.LA = await c.token('LA', ['liaison-officer']);
  tokens.TH = await c.token('TH', ['liaison-officer']);
  tokens.TH2 = await c.token('TH', ['liaison-officer'], 'another-officer@TH');
  tokens.INTERPOL = await c.token('INTERPOL', ['interpol-desk']);
});
afterAll(async () => {
  await c?.stop();
});

const year = new Date().getUTCFullYear();
const victimNotice = (over: Record<string, unknown> = {}) => ({ type: 'victim-repatriation-notice', to: ['LA'], body: loadBody('victim-repatriation-notice'), ...over });

/** POST with extra headers (the cluster helper's `call` sends none). */
async function post(endpoint: string, path: string, token: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${c.gateways[endpoint]!.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

function count(endpoint: string, sql: string, ...args: unknown[]): number {
  return (c.gateways[endpoint]!.gateway.db.prepare(sql).get(...args) as { n: number }).n;
}

async function deliveredTo(from: string, id: string): Promise<void> {
  await eventually(async () => {
    const m = await c.call(from, 'GET', `/v1/messages/${id}`, { token: tokens[from]! });
    return m.body.recipients?.every((r: { delivered: boolean }) => r.delivered) ? true : undefined;
  }, 20_000, `${id} delivered`);
}

describe('a victim notice without caseRef opens a new case', () => {
  test('the gateway assigns the next free reference under its prefix, skipping one chosen by hand, and returns it', async () => {
    const chosen = `TH-${year}-000001`;
    const manual = await post('TH', '/v1/notices', tokens.TH!, victimNotice({ caseRef: chosen }));
    expect(manual.status).toBe(202);
    expect(manual.body.caseRef).toBe(chosen);

    const first = await post('TH', '/v1/notices', tokens.TH!, victimNotice());
    const second = await post('TH', '/v1/notices', tokens.TH!, victimNotice());
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(first.body.caseRef).toBe(`TH-${year}-000002`);
    expect(second.body.caseRef).toBe(`TH-${year}-000003`);

    // Both sides know the case and its parties once the notice is delivered.
    await deliveredTo('TH', first.body.id);
    for (const e of ['TH', 'LA']) {
      const kase = await c.call(e, 'GET', `/v1/cases/${first.body.caseRef}`, { token: tokens[e]! });
      expect(kase.status).toBe(200);
      expect(kase.body.parties).toEqual(['LA', 'TH']);
      expect(kase.body.messages.map((m: { id: string }) => m.id)).toEqual([first.body.id]);
    }
  });

  test('an alert without caseRef stays without one', async () => {
    const r = await post('INTERPOL', '/v1/notices', tokens.INTERPOL!, { type: 'offender-travel-alert', to: ['LA'], body: loadBody('offender-travel-alert') });
    expect(r.status).toBe(202);
    expect(r.body.caseRef).toBeUndefined();
  });
});

describe('Idempotency-Key', () => {
  test('the same key and request again returns the first answer and sends nothing more', async () => {
    const key = `retry-${Date.now()}`;
    const a = await post('TH', '/v1/notices', tokens.TH!, victimNotice(), { 'idempotency-key': `"${key}"` });
    const b = await post('TH', '/v1/notices', tokens.TH!, victimNotice(), { 'idempotency-key': `"${key}"` });
    expect(a.status).toBe(202);
    expect(b).toEqual(a);
    expect(count('TH', 'SELECT count(*) AS n FROM sent WHERE id = ?', a.body.id)).toBe(1);
    expect(count('TH', "SELECT count(*) AS n FROM outbox WHERE kind = 'notice' AND ref = ?", a.body.id)).toBe(1);
    // The same key with another request is refused; another officer's key space is separate.
    const other = await post('TH', '/v1/notices', tokens.TH!, victimNotice({ to: ['LA'], expiresAt: new Date(Date.now() + 86_400_000).toISOString() }), { 'idempotency-key': key });
    expect({ status: other.status, code: other.body.code }).toEqual({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    const byAnother = await post('TH', '/v1/notices', tokens.TH2!, victimNotice(), { 'idempotency-key': key });
    expect(byAnother.status).toBe(202);
    expect(byAnother.body.id).not.toBe(a.body.id);
  });

  test('concurrent retries with one key send one message', async () => {
    const key = `burst-${Date.now()}`;
    const results = await Promise.all(Array.from({ length: 5 }, () => post('TH', '/v1/notices', tokens.TH!, victimNotice(), { 'idempotency-key': key })));
    const accepted = results.filter((r) => r.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(new Set(accepted.map((r) => r.body.id)).size).toBe(1);
    for (const r of results.filter((x) => x.status !== 202)) expect({ status: r.status, code: r.body.code }).toEqual({ status: 409, code: 'IDEMPOTENCY_KEY_IN_USE' });
    expect(count('TH', "SELECT count(*) AS n FROM idempotency_keys WHERE key = ?", key)).toBe(1);
    expect(count('TH', 'SELECT count(*) AS n FROM sent WHERE id = ?', accepted[0]!.body.id)).toBe(1);
  });

  test('a malformed key is refused, and a response can carry a key too', async () => {
    const bad = await post('TH', '/v1/notices', tokens.TH!, victimNotice(), { 'idempotency-key': 'has space' });
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'INVALID_PARAMETER' });
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['/headers/idempotency-key']);

    const n = await post('TH', '/v1/notices', tokens.TH!, victimNotice());
    await deliveredTo('TH', n.body.id);
    const answer = { type: 'repatriation-status-update', body: { ...loadBody('repatriation-status-update'), status: 'acknowledged' } };
    const r1 = await post('LA', `/v1/inbox/${n.body.id}/responses`, tokens.LA!, answer, { 'idempotency-key': 'ack-1' });
    const r2 = await post('LA', `/v1/inbox/${n.body.id}/responses`, tokens.LA!, answer, { 'idempotency-key': 'ack-1' });
    expect(r1.status).toBe(202);
    expect(r2).toEqual(r1);
    const item = await c.call('LA', 'GET', `/v1/inbox/${n.body.id}`, { token: tokens.LA! });
    expect(item.body.responseIds).toEqual([r1.body.id]);
  });
});

describe('every access to a received message is audited', () => {
  test('the first read is `read` with one read receipt; each later access is `accessed`', async () => {
    const n = await post('TH', '/v1/notices', tokens.TH!, victimNotice());
    await deliveredTo('TH', n.body.id);
    for (let i = 0; i < 3; i++) expect((await c.call('LA', 'GET', `/v1/inbox/${n.body.id}`, { token: tokens.LA! })).status).toBe(200);
    const actions = (c.gateways.LA!.gateway.db
      .prepare("SELECT json_extract(fact, '$.action') AS action, json_extract(fact, '$.officer') AS officer FROM audit_events WHERE json_extract(fact, '$.messageId') = ? AND json_extract(fact, '$.action') IN ('read', 'accessed') ORDER BY seq")
      .all(n.body.id) as { action: string; officer: string }[]);
    expect(actions.map((a) => a.action)).toEqual(['read', 'accessed', 'accessed']);
    expect(new Set(actions.map((a) => a.officer)).size).toBe(1);
    expect(actions[0]!.officer).toMatch(/^[A-Za-z0-9_-]{32}$/); // a pseudonym, never the subject
    expect(count('LA', "SELECT count(*) AS n FROM outbox WHERE kind = 'receipt' AND ref = ?", n.body.id)).toBe(2); // accepted + read
  });
});

describe('one rule for refused submissions: every 4xx refusal of an authenticated officer\'s POST is audited as rejected', () => {
  function rejectedCodes(endpoint: string): string[] {
    return (c.gateways[endpoint]!.gateway.db.prepare("SELECT json_extract(fact, '$.reasonCode') AS code FROM audit_events WHERE json_extract(fact, '$.action') = 'rejected' ORDER BY seq").all() as { code: string }[]).map((r) => r.code);
  }

  async function raw(token: string | undefined, body: string, contentType: string): Promise<{ status: number; code: string }> {
    const res = await fetch(`${c.gateways.LA!.url}/v1/notices`, { method: 'POST', headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': contentType }, body });
    return { status: res.status, code: ((await res.json()) as { code: string }).code };
  }

  test('BAD_JSON, UNSUPPORTED_MEDIA_TYPE, FORBIDDEN (role) and VALIDATION_FAILED are audited; 401 is not', async () => {
    const before = rejectedCodes('LA').length;
    const auditor = await c.token('LA', ['auditor']);
    expect(await raw(tokens.LA, '{"type":', 'application/json')).toEqual({ status: 400, code: 'BAD_JSON' });
    expect(await raw(tokens.LA, 'type=x', 'text/plain')).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(await raw(auditor, '{}', 'application/json')).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect(await raw(tokens.LA, '{"type":"victim-repatriation-notice","to":["TH"],"body":{}}', 'application/json')).toMatchObject({ status: 422, code: 'VALIDATION_FAILED' });
    expect(await raw(undefined, '{}', 'application/json')).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(rejectedCodes('LA').slice(before)).toEqual(['BAD_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'FORBIDDEN', 'VALIDATION_FAILED']);
  });
});
