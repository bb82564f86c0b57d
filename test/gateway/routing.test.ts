/**
 * Routing policy, forwarding and confused deputies, with four real gateways: what a sending
 * gateway refuses (403 with a code), and what a receiving gateway quarantines when a validly
 * signed record is written straight onto its inbox topic by a party that should not send it.
 */
import { buildDocument, loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';
import { digestOf, expectNoPersonalData, signAs, Wire } from '../support/wire.ts';
import type { Role } from '../../services/core/src/idp/dev-idp.ts';

let c: Cluster;
let wire: Wire;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  c = await startCluster();
  wire = new Wire(c);
  for (const e of ['LA', 'TH', 'CN']) tokens[e] = await c.token(e, ['liaison-officer']);
  tokens.INTERPOL = await c.token('INTERPOL', ['interpol-desk']);
});
afterAll(async () => {
  await wire?.close();
  await c?.stop();
});

const victimBody = () => loadBody('victim-repatriation-notice');

async function send(from: string, body: Record<string, unknown>): Promise<string> {
  const r = await c.call(from, 'POST', '/v1/notices', { token: tokens[from]!, body });
  expect({ status: r.status, code: r.body.code }).toEqual({ status: 202, code: undefined });
  return r.body.id as string;
}

async function delivered(from: string, id: string, to: string): Promise<void> {
  await eventually(async () => {
    const m = await c.call(from, 'GET', `/v1/messages/${id}`, { token: tokens[from]! });
    return m.body.recipients?.find((r: { endpoint: string; delivered: boolean }) => r.endpoint === to)?.delivered ? true : undefined;
  }, 20_000, `${from} -> ${to} delivered`);
}

async function deadLetter(at: string, digest: string): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const r = await c.call(at, 'GET', '/v1/dead-letters?limit=200', { token: tokens[at]! });
    expect(r.status).toBe(200);
    expectNoPersonalData(JSON.stringify(r.body));
    return (r.body.items as Record<string, unknown>[]).find((i) => i.digest === digest);
  }, 20_000, `dead letter at ${at}`);
}

function inboxCount(at: string, where: string, arg: string): number {
  return (c.gateways[at]!.gateway.db.prepare(`SELECT count(*) AS n FROM inbox WHERE ${where} = ?`).get(arg) as { n: number }).n;
}

function expectProblem(r: { status: number; body: any; headers: Headers }, status: number, code: string): void {
  expect({ status: r.status, code: r.body?.code }).toEqual({ status, code });
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
}

describe('forwarding and confused deputies', () => {
  let noticeId: string;
  let noticeDigest: string;
  let alertId: string;
  const caseRef = 'TH-2026-200001';

  beforeAll(async () => {
    noticeId = await send('TH', { type: 'victim-repatriation-notice', to: ['LA'], caseRef, body: victimBody() });
    alertId = await send('INTERPOL', { type: 'offender-travel-alert', to: ['LA', 'TH'], body: loadBody('offender-travel-alert') });
    await delivered('TH', noticeId, 'LA');
    await delivered('INTERPOL', alertId, 'LA');
    noticeDigest = c.gateways.LA!.gateway.store.inboxByKey('TH', noticeId)!.digest;
  });

  // CN is not a recipient of the ciphertext, and decryption comes before admission (signature,
  // decrypt, body schema, then the rest): CN cannot even read what it was not sent.
  test("LA re-publishing TH's signed notice onto mx.inbox.CN: CN quarantines it (DECRYPT_FAILED: not a recipient) and stores nothing", async () => {
    const exact = c.gateways.LA!.gateway.store.inboxByKey('TH', noticeId)!.record; // the bytes TH sent to LA
    expect(digestOf(exact)).toBe(noticeDigest);
    await wire.write(wire.inbox('CN'), caseRef, exact);

    const dead = await deadLetter('CN', noticeDigest);
    expect(dead).toMatchObject({ reasonCode: 'DECRYPT_FAILED', from: 'TH', topic: wire.inbox('CN') });
    expect(inboxCount('CN', 'id', noticeId)).toBe(0);
    expect(c.gateways.CN!.gateway.store.caseParties(caseRef)).toBeUndefined();
    expectProblem(await c.call('CN', 'GET', `/v1/inbox/${noticeId}`, { token: tokens.CN! }), 404, 'NOT_FOUND');
    expectProblem(await c.call('CN', 'GET', `/v1/cases/${caseRef}`, { token: tokens.CN! }), 404, 'NOT_FOUND');

    // CN's rejection cannot touch TH's record of the notice: CN was never a recipient.
    const thDead = await eventually(async () => {
      const r = await c.call('TH', 'GET', '/v1/dead-letters?limit=200', { token: tokens.TH! });
      return (r.body.items as { from?: string; reasonCode: string }[]).find((i) => i.from === 'CN');
    }, 20_000, "CN's rejection receipt handled at TH");
    expect(thDead.reasonCode).toBe('NOT_A_PARTY');
    const m = await c.call('TH', 'GET', `/v1/messages/${noticeId}`, { token: tokens.TH! });
    expect(m.body.recipients).toHaveLength(1);
    expect(m.body.recipients[0]).toMatchObject({ endpoint: 'LA', delivered: true });
    expect(m.body.recipients[0].rejected).toBeUndefined();
  });

  test('CN answering a message it never received is refused', async () => {
    const before = (c.gateways.CN!.gateway.db.prepare('SELECT count(*) AS n FROM sent').get() as { n: number }).n;
    expectProblem(
      await c.call('CN', 'POST', '/v1/notices', { token: tokens.CN!, body: { type: 'offender-alert-response', to: ['INTERPOL'], inReplyTo: alertId, body: loadBody('offender-alert-response') } }),
      403,
      'NOT_A_PARTY',
    );
    expectProblem(
      await c.call('CN', 'POST', '/v1/notices', { token: tokens.CN!, body: { type: 'repatriation-status-update', to: ['TH'], caseRef, inReplyTo: noticeId, body: loadBody('repatriation-status-update') } }),
      403,
      'NOT_A_PARTY',
    );
    expectProblem(await c.call('CN', 'POST', `/v1/inbox/${alertId}/responses`, { token: tokens.CN!, body: { type: 'offender-alert-response', body: loadBody('offender-alert-response') } }), 404, 'NOT_FOUND');
    expectProblem(await c.call('CN', 'POST', `/v1/inbox/${noticeId}/responses`, { token: tokens.CN!, body: { type: 'repatriation-status-update', body: loadBody('repatriation-status-update') } }), 404, 'NOT_FOUND');
    expect((c.gateways.CN!.gateway.db.prepare('SELECT count(*) AS n FROM sent').get() as { n: number }).n).toBe(before);
  });

  test('a response addressed to anyone but the original sender is refused (403 NOT_A_PARTY)', async () => {
    const update = (to: string[]) => ({ type: 'repatriation-status-update', to, caseRef, inReplyTo: noticeId, body: loadBody('repatriation-status-update') });
    const alertResponse = (to: string[]) => ({ type: 'offender-alert-response', to, inReplyTo: alertId, body: loadBody('offender-alert-response') });
    expectProblem(await c.call('LA', 'POST', '/v1/notices', { token: tokens.LA!, body: update(['CN']) }), 403, 'NOT_A_PARTY');
    expectProblem(await c.call('LA', 'POST', '/v1/notices', { token: tokens.LA!, body: update(['TH', 'CN']) }), 403, 'NOT_A_PARTY');
    expectProblem(await c.call('LA', 'POST', '/v1/notices', { token: tokens.LA!, body: alertResponse(['TH']) }), 403, 'NOT_A_PARTY');
    expectProblem(await c.call('LA', 'POST', '/v1/notices', { token: tokens.LA!, body: alertResponse(['INTERPOL', 'CN']) }), 403, 'NOT_A_PARTY');
    // The same answers to the original sender go through: the refusals above are about the address.
    const ok = await send('LA', alertResponse(['INTERPOL']));
    await delivered('LA', ok, 'INTERPOL');
    const m = await c.call('INTERPOL', 'GET', `/v1/messages/${alertId}`, { token: tokens.INTERPOL! });
    expect(m.body.recipients.find((r: { endpoint: string }) => r.endpoint === 'LA').responseIds).toEqual([ok]);
  });

  test("a response hand-signed by CN to a TH notice CN never received is quarantined by TH (NOT_A_PARTY)", async () => {
    const doc = buildDocument('repatriation-status-update', { from: 'CN', to: ['TH'], caseRef, inReplyTo: noticeId });
    const record = await signAs(c, 'CN', doc); // CN's real key: the signature verifies
    await wire.write(wire.inbox('TH'), caseRef, record);
    expect(await deadLetter('TH', digestOf(record))).toMatchObject({ reasonCode: 'NOT_A_PARTY', from: 'CN' });
    expect(inboxCount('TH', 'id', doc.id)).toBe(0);
    const m = await c.call('TH', 'GET', `/v1/messages/${noticeId}`, { token: tokens.TH! });
    expect(m.body.recipients[0].responseIds).toEqual([]);

    // The same for an alert: CN's response to an INTERPOL alert it never received.
    const resp = buildDocument('offender-alert-response', { from: 'CN', to: ['INTERPOL'], inReplyTo: alertId });
    const respRecord = await signAs(c, 'CN', resp);
    await wire.write(wire.inbox('INTERPOL'), alertId, respRecord);
    expect(await deadLetter('INTERPOL', digestOf(respRecord))).toMatchObject({ reasonCode: 'NOT_A_PARTY', from: 'CN' });
    expect(inboxCount('INTERPOL', 'id', resp.id)).toBe(0);
  });
});

describe('routing: the INTERPOL desk never receives, lists or reads a victim notice', () => {
  const caseRef = 'TH-2026-200002';
  let injectedId: string;

  test('TH cannot send a victim notice to INTERPOL: 403 ROUTE_FORBIDDEN, nothing queued', async () => {
    const count = () => (c.gateways.TH!.gateway.db.prepare('SELECT (SELECT count(*) FROM sent) + (SELECT count(*) FROM outbox WHERE kind = ?) AS n').get('notice') as { n: number }).n;
    const before = count();
    const rejectedFacts = () =>
      (c.gateways.TH!.gateway.db.prepare('SELECT fact FROM audit_events').all() as { fact: string }[])
        .map((r) => JSON.parse(r.fact) as { action: string; reasonCode?: string; officer?: string })
        .filter((f) => f.action === 'rejected' && f.reasonCode === 'ROUTE_FORBIDDEN');
    const rejectedBefore = rejectedFacts().length;
    for (const to of [['INTERPOL'], ['LA', 'INTERPOL']]) {
      const r = await c.call('TH', 'POST', '/v1/notices', { token: tokens.TH!, body: { type: 'victim-repatriation-notice', to, caseRef, body: victimBody() } });
      expectProblem(r, 403, 'ROUTE_FORBIDDEN');
      expectNoPersonalData(JSON.stringify(r.body));
    }
    expect(count()).toBe(before);
    // Each refusal is an audit fact naming the officer's pseudonym and the reason, nothing of the body.
    const facts = rejectedFacts().slice(rejectedBefore);
    expect(facts).toHaveLength(2);
    expect(facts[0]!.officer).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expectNoPersonalData(JSON.stringify(facts));
  });

  test('a validly signed victim notice hand-written onto mx.inbox.INTERPOL is quarantined (ROUTE_FORBIDDEN), not stored', async () => {
    const docs = [
      buildDocument('victim-repatriation-notice', { from: 'TH', to: ['INTERPOL'], caseRef }),
      buildDocument('victim-repatriation-notice', { from: 'TH', to: ['LA', 'INTERPOL'], caseRef }),
      buildDocument('repatriation-status-update', { from: 'TH', to: ['INTERPOL'], caseRef }),
    ];
    const records = await Promise.all(docs.map((d) => signAs(c, 'TH', d)));
    await wire.write(wire.inbox('INTERPOL'), caseRef, ...records);
    for (const r of records) expect(await deadLetter('INTERPOL', digestOf(r))).toMatchObject({ reasonCode: 'ROUTE_FORBIDDEN', from: 'TH' });
    const victimRows = c.gateways.INTERPOL!.gateway.db.prepare("SELECT count(*) AS n FROM inbox WHERE type IN ('victim-repatriation-notice', 'repatriation-status-update')").get() as { n: number };
    expect(victimRows.n).toBe(0);
    expect(c.gateways.INTERPOL!.gateway.store.caseParties(caseRef)).toBeUndefined();

    // Defence in depth: even if a victim notice were in INTERPOL's store (a faulty earlier build, a
    // restored backup), no role at INTERPOL may list or read it. Put one there behind the gateway's back.
    const doc = docs[0]!;
    injectedId = doc.id;
    c.gateways.INTERPOL!.gateway.store.insertInbox({
      from_ep: 'TH', id: doc.id, type: doc.type, to_json: JSON.stringify(doc.to), case_ref: caseRef, in_reply_to: null, issued_at: doc.issuedAt, expires_at: doc.expiresAt,
      digest: digestOf(records[0]!), record: records[0]!, receipt: Buffer.from('{}'), received_at: Date.now(), topic: wire.inbox('INTERPOL'), partition: 0, offset: '0',
    });
  });

  test.each<[string, Role[]]>([
    ['interpol-desk', ['interpol-desk']],
    ['liaison-officer', ['liaison-officer']],
    ['auditor', ['auditor']],
    ['liaison-officer + interpol-desk', ['liaison-officer', 'interpol-desk']],
  ])('at INTERPOL a %s token never lists, reads, answers or finds the case of a victim notice', async (_name, roles) => {
    expect(injectedId).toBeDefined();
    const token = await c.token('INTERPOL', roles);
    const canList = roles.some((r) => r !== 'auditor');
    const all = await c.call('INTERPOL', 'GET', '/v1/inbox?limit=200', { token });
    const filtered = await c.call('INTERPOL', 'GET', '/v1/inbox?type=victim-repatriation-notice', { token });
    if (canList) {
      expect(all.status).toBe(200);
      expect(all.body.items.filter((i: { type: string }) => !i.type.startsWith('offender-'))).toEqual([]);
      expect(filtered.body.items).toEqual([]);
    } else {
      expectProblem(all, 403, 'FORBIDDEN');
      expectProblem(filtered, 403, 'FORBIDDEN');
    }
    const item = await c.call('INTERPOL', 'GET', `/v1/inbox/${injectedId}`, { token });
    expectProblem(item, canList ? 404 : 403, canList ? 'NOT_FOUND' : 'FORBIDDEN');
    expectNoPersonalData(JSON.stringify(item.body));
    expectProblem(await c.call('INTERPOL', 'GET', `/v1/messages/${injectedId}`, { token }), 404, 'NOT_FOUND');
    expectProblem(await c.call('INTERPOL', 'GET', `/v1/cases/${caseRef}`, { token }), 404, 'NOT_FOUND');
    const answer = await c.call('INTERPOL', 'POST', `/v1/inbox/${injectedId}/responses`, { token, body: { type: 'repatriation-status-update', body: loadBody('repatriation-status-update') } });
    expectProblem(answer, canList ? 404 : 403, canList ? 'NOT_FOUND' : 'FORBIDDEN');
    // Nor may anyone there originate one.
    const sendOne = await c.call('INTERPOL', 'POST', '/v1/notices', { token, body: { type: 'victim-repatriation-notice', to: ['LA'], caseRef: 'INTERPOL-2026-000001', body: victimBody() } });
    expect(sendOne.status).toBe(403);
  });
});

describe('case parties: a later message of a case goes only between its parties', () => {
  const caseRef = 'TH-2026-200010';
  let first: string;

  beforeAll(async () => {
    first = await send('TH', { type: 'victim-repatriation-notice', to: ['LA'], caseRef, body: victimBody() });
    await delivered('TH', first, 'LA');
  });

  test('the sending gateway refuses a non-party recipient or a non-party opener', async () => {
    expectProblem(await c.call('LA', 'POST', '/v1/notices', { token: tokens.LA!, body: { type: 'victim-repatriation-notice', to: ['CN'], caseRef, body: victimBody() } }), 403, 'NOT_A_PARTY');
    expectProblem(await c.call('LA', 'POST', '/v1/notices', { token: tokens.LA!, body: { type: 'offender-travel-alert', to: ['TH', 'CN'], caseRef, body: loadBody('offender-travel-alert') } }), 403, 'NOT_A_PARTY');
    const r = await c.call('CN', 'POST', '/v1/notices', { token: tokens.CN!, body: { type: 'victim-repatriation-notice', to: ['LA'], caseRef, body: victimBody() } });
    expectProblem(r, 422, 'VALIDATION_FAILED');
    expect(r.body.errors.map((e: { path: string }) => e.path)).toEqual(['/caseRef']);
    // Between the parties it goes through.
    const later = await send('LA', { type: 'victim-repatriation-notice', to: ['TH'], caseRef, body: victimBody() });
    await delivered('LA', later, 'TH');
  });

  test('a notice hand-signed by a non-party is quarantined by the receiver (NOT_A_PARTY)', async () => {
    const doc = buildDocument('victim-repatriation-notice', { from: 'CN', to: ['LA'], caseRef });
    const record = await signAs(c, 'CN', doc);
    await wire.write(wire.inbox('LA'), caseRef, record);
    expect(await deadLetter('LA', digestOf(record))).toMatchObject({ reasonCode: 'NOT_A_PARTY', from: 'CN' });
    expect(inboxCount('LA', 'id', doc.id)).toBe(0);
    const kase = await c.call('LA', 'GET', `/v1/cases/${caseRef}`, { token: tokens.LA! });
    expect(kase.body.parties).toEqual(['LA', 'TH']);
    expect(kase.body.messages.every((m: { from: string }) => m.from !== 'CN')).toBe(true);
  });

  test("a non-party's alert tagged with the case is quarantined by the receiver, and the sender sees the rejection", async () => {
    // CN does not know TH's case, so its gateway cannot refuse; LA, a party, must.
    const id = await send('CN', { type: 'offender-travel-alert', to: ['LA'], caseRef, body: loadBody('offender-travel-alert') });
    const m = await eventually(async () => {
      const r = await c.call('CN', 'GET', `/v1/messages/${id}`, { token: tokens.CN! });
      return r.body.recipients?.[0]?.rejected ? r.body : undefined;
    }, 20_000, "LA's rejection of CN's alert");
    expect(m.status).toBe('rejected');
    expect(m.recipients[0]).toMatchObject({ endpoint: 'LA', delivered: false, rejected: true, reasonCode: 'NOT_A_PARTY' });
    expect(inboxCount('LA', 'id', id)).toBe(0);
    const kase = await c.call('LA', 'GET', `/v1/cases/${caseRef}`, { token: tokens.LA! });
    expect(kase.body.messages.map((x: { id: string }) => x.id)).not.toContain(id);
  });

  test("a case cannot be opened under another endpoint's reference: CN squatting TH-… is quarantined, TH's real notice then goes through", async () => {
    const squatted = 'TH-2026-200011';
    const doc = buildDocument('victim-repatriation-notice', { from: 'CN', to: ['LA'], caseRef: squatted });
    const record = await signAs(c, 'CN', doc);
    await wire.write(wire.inbox('LA'), squatted, record);
    expect(await deadLetter('LA', digestOf(record))).toMatchObject({ reasonCode: 'NOT_A_PARTY', from: 'CN' });
    expect(c.gateways.LA!.gateway.store.caseParties(squatted)).toBeUndefined();

    const real = await send('TH', { type: 'victim-repatriation-notice', to: ['LA'], caseRef: squatted, body: victimBody() });
    await delivered('TH', real, 'LA');
    expect(c.gateways.LA!.gateway.store.caseParties(squatted)).toEqual(['LA', 'TH']);
  });
});
