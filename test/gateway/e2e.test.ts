/**
 * Four real gateways (LA, TH, CN, INTERPOL) on the real broker: the repatriation and the
 * offender-alert scenarios end to end, through HTTP, signatures, Kafka and SQLite.
 */
import { loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';

let c: Cluster;
beforeAll(async () => {
  c = await startCluster();
});
afterAll(async () => {
  await c?.stop();
});

async function lifecycle(endpoint: string, token: string, id: string) {
  const r = await c.call(endpoint, 'GET', `/v1/messages/${id}`, { token });
  expect(r.status).toBe(200);
  return r.body;
}

test('TH notifies LA of a child victim; LA reads and answers; TH sees every stage', async () => {
  const th = await c.token('TH', ['liaison-officer']);
  const la = await c.token('LA', ['liaison-officer']);
  const sent = await c.call('TH', 'POST', '/v1/notices', {
    token: th,
    body: { type: 'victim-repatriation-notice', to: ['LA'], caseRef: 'TH-2026-000777', body: loadBody('victim-repatriation-notice') },
  });
  expect(sent.status).toBe(202);
  expect(sent.body.status).toBe('queued');
  const id: string = sent.body.id;

  // Delivered: LA stored it and TH verified LA's signed receipt.
  await eventually(async () => ((await lifecycle('TH', th, id)).recipients[0].delivered ? true : undefined), 20_000, 'delivery receipt');

  const inbox = await c.call('LA', 'GET', '/v1/inbox?type=victim-repatriation-notice', { token: la });
  expect(inbox.status).toBe(200);
  expect(inbox.body.items.map((i: { id: string }) => i.id)).toContain(id);
  expect(inbox.body.items[0].document).toBeUndefined(); // the list carries no bodies

  const item = await c.call('LA', 'GET', `/v1/inbox/${id}`, { token: la });
  expect(item.status).toBe(200);
  expect(item.body.document.body.child.names[1].value).toBe('Testchild Examplevong');
  expect(item.body.status).toBe('read');
  await eventually(async () => ((await lifecycle('TH', th, id)).recipients[0].read ? true : undefined), 20_000, 'read receipt');

  const ack = await c.call('LA', 'POST', `/v1/inbox/${id}/responses`, {
    token: la,
    body: { type: 'repatriation-status-update', body: { ...loadBody('repatriation-status-update'), status: 'acknowledged' } },
  });
  expect(ack.status).toBe(202);
  const done = await c.call('LA', 'POST', `/v1/inbox/${id}/responses`, {
    token: la,
    body: { type: 'repatriation-status-update', body: { ...loadBody('repatriation-status-update'), status: 'handover-completed' } },
  });
  expect(done.status).toBe(202);

  const final = await eventually(async () => {
    const m = await lifecycle('TH', th, id);
    return m.recipients[0].responseIds.length === 2 ? m : undefined;
  }, 20_000, 'two status updates');
  expect(final.status).toBe('responded');
  expect(final.recipients[0]).toMatchObject({ endpoint: 'LA', published: true, delivered: true, read: true, responded: true, overdue: false });
  expect(final.recipients[0].responseIds).toEqual([ack.body.id, done.body.id]);

  // The case view at TH: the notice and both updates, in order.
  const kase = await c.call('TH', 'GET', '/v1/cases/TH-2026-000777', { token: th });
  expect(kase.status).toBe(200);
  expect(kase.body.parties).toEqual(['LA', 'TH']);
  expect(kase.body.messages.map((m: { id: string }) => m.id)).toEqual([id, ack.body.id, done.body.id]);
  const updates = await Promise.all([ack.body.id, done.body.id].map((rid: string) => c.call('TH', 'GET', `/v1/inbox/${rid}`, { token: th })));
  expect(updates.map((u) => u.body.document.body.status)).toEqual(['acknowledged', 'handover-completed']);

  // LA's own view of its updates: delivered to TH with TH's receipt.
  await eventually(async () => ((await lifecycle('LA', la, done.body.id)).recipients[0].delivered ? true : undefined), 20_000, 'receipt for the update');
});

test('INTERPOL alert reaches LA, TH and CN; three receipts and three responses come back', async () => {
  const desk = await c.token('INTERPOL', ['interpol-desk']);
  const sent = await c.call('INTERPOL', 'POST', '/v1/notices', {
    token: desk,
    body: { type: 'offender-travel-alert', to: ['LA', 'TH', 'CN'], body: loadBody('offender-travel-alert') },
  });
  expect(sent.status).toBe(202);
  const id: string = sent.body.id;
  for (const e of ['LA', 'TH', 'CN']) {
    const tok = await c.token(e, ['liaison-officer']);
    const item = await eventually(async () => {
      const r = await c.call(e, 'GET', `/v1/inbox/${id}`, { token: tok });
      return r.status === 200 ? r : undefined;
    }, 20_000, `alert at ${e}`);
    expect(item.body.document.from).toBe('INTERPOL');
    const resp = await c.call(e, 'POST', `/v1/inbox/${id}/responses`, {
      token: tok,
      body: { type: 'offender-alert-response', body: { ...loadBody('offender-alert-response'), action: e === 'LA' ? 'entry-refused' : 'not-arrived' } },
    });
    expect(resp.status).toBe(202);
  }
  const m = await eventually(async () => {
    const l = await lifecycle('INTERPOL', desk, id);
    return l.recipients.every((r: { delivered: boolean; responded: boolean; read: boolean }) => r.delivered && r.responded && r.read) ? l : undefined;
  }, 30_000, 'three receipts and three responses');
  expect(m.recipients.map((r: { endpoint: string }) => r.endpoint)).toEqual(['CN', 'LA', 'TH']);
  expect(m.status).toBe('responded');
  // The desk reads the responses in its inbox.
  const inbox = await c.call('INTERPOL', 'GET', '/v1/inbox?type=offender-alert-response', { token: desk });
  expect(inbox.body.items.filter((i: { inReplyTo?: string }) => i.inReplyTo === id)).toHaveLength(3);
});
