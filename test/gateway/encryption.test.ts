/**
 * Encrypted bodies on the wire (issue 10, tamper tests): records written straight onto
 * `mx.inbox.LA`, each signed with TH's real key (so the signature verifies and only decryption
 * can catch them): a ciphertext moved into another envelope, LA's recipient entry removed, a
 * flipped ciphertext byte, a body encrypted to CN only, a clear body. Each is quarantined with its
 * code (DECRYPT_FAILED, ENCRYPTION_REQUIRED) and never stored; a good record sent through TH's
 * API reaches LA encrypted on the wire and in LA's store, and reads in clear through LA's API.
 */
import { buildDocument, loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';
import { digestOf, dlqEntry, encryptAs, expectNoPersonalData, payloadOf, signAs, Wire, type TopicTap } from '../support/wire.ts';
import type { EncryptedBody } from '../../services/core/src/schemas/types.generated.ts';

let c: Cluster;
let wire: Wire;
let laDlq: TopicTap;
let laInbox: TopicTap;
let la: string;
let th: string;

beforeAll(async () => {
  c = await startCluster(['LA', 'TH', 'CN']);
  wire = new Wire(c);
  [laDlq, laInbox] = await Promise.all([wire.tap(wire.dlq('LA')), wire.tap(wire.inbox('LA'))]);
  la = await c.token('LA', ['liaison-officer']);
  th = await c.token('TH', ['liaison-officer']);
});
afterAll(async () => {
  await wire?.close();
  await c?.stop();
});

type Victim = ReturnType<typeof buildDocument<'victim-repatriation-notice'>>;
const withoutBody = (d: Victim): Victim => {
  const { body: _clear, ...rest } = d;
  return rest as Victim;
};
const cipher = (d: Victim): EncryptedBody => (d as Victim & { encryptedBody: EncryptedBody }).encryptedBody;

test('tampered and misaddressed ciphertexts are DECRYPT_FAILED, a clear body ENCRYPTION_REQUIRED; none is stored', async () => {
  const caseRef = 'TH-2026-200001';
  const victim = (to: string[] = ['LA']): Victim => buildDocument('victim-repatriation-notice', { from: 'TH', to, caseRef });

  // A valid encrypted document whose ciphertext is then carried into another envelope (other id).
  const source = await encryptAs(c, victim());
  const moved = { ...withoutBody(victim()), encryptedBody: cipher(source) };

  // Encrypted to LA and CN; LA's entry removed.
  const both = await encryptAs(c, victim(['LA', 'CN']));
  const cut = { ...withoutBody(both), encryptedBody: { ...cipher(both), recipients: cipher(both).recipients.filter((r) => !r.header.kid.startsWith('LA:')) } };

  // One ciphertext byte flipped.
  const plain = await encryptAs(c, victim());
  const ct = Buffer.from(cipher(plain).ciphertext, 'base64url');
  ct[5] = ct[5]! ^ 0x01;
  const flipped = { ...withoutBody(plain), encryptedBody: { ...cipher(plain), ciphertext: ct.toString('base64url') } };

  // Addressed to LA, encrypted to CN only.
  const elsewhere = await encryptAs(c, victim(), ['CN']);

  const bad = {
    moved: { record: await signAs(c, 'TH', moved), code: 'DECRYPT_FAILED' },
    recipientRemoved: { record: await signAs(c, 'TH', cut), code: 'DECRYPT_FAILED' },
    flippedByte: { record: await signAs(c, 'TH', flipped), code: 'DECRYPT_FAILED' },
    encryptedToCN: { record: await signAs(c, 'TH', elsewhere), code: 'DECRYPT_FAILED' },
    clearBody: { record: await signAs(c, 'TH', victim(), { clear: true }), code: 'ENCRYPTION_REQUIRED' },
  } as const;
  await wire.write(wire.inbox('LA'), caseRef, ...Object.values(bad).map((b) => b.record));

  for (const [name, { record, code }] of Object.entries(bad)) {
    const digest = digestOf(record);
    const onTopic = await laDlq.waitFor((r) => dlqEntry(r)?.digest === digest, `dead letter ${name}`);
    expect({ name, entry: dlqEntry(onTopic) }).toMatchObject({ name, entry: { sourceTopic: wire.inbox('LA'), digest, reasonCode: code, verifiedSender: 'TH' } });
    expectNoPersonalData(onTopic.value.toString('utf8'));
    const id = payloadOf<{ id: string }>(record).id;
    expect({ name, stored: c.gateways.LA!.gateway.store.inboxByKey('TH', id) !== undefined }).toEqual({ name, stored: false });
  }
  const dl = await c.call('LA', 'GET', '/v1/dead-letters?limit=200', { token: la });
  expectNoPersonalData(JSON.stringify(dl.body));
});

test('a notice sent through the API is encrypted on the wire and at rest at LA, and LA reads it in clear', async () => {
  const body = loadBody('victim-repatriation-notice');
  const sent = await c.call('TH', 'POST', '/v1/notices', { token: th, body: { type: 'victim-repatriation-notice', to: ['LA'], caseRef: 'TH-2026-200002', body } });
  expect(sent.status).toBe(202);
  const id: string = sent.body.id;
  const onWire = await laInbox.waitFor((r) => r.headers['mx-id'] === id, 'the notice on mx.inbox.LA');
  const text = onWire.value.toString('utf8');
  expectNoPersonalData(text);
  expectNoPersonalData(Buffer.from(text, 'base64url').toString('utf8'));
  expect(payloadOf<Record<string, unknown>>(onWire.value)).not.toHaveProperty('body');

  const row = await eventually(() => c.gateways.LA!.gateway.store.inboxByKey('TH', id), 20_000, 'the notice in LA inbox');
  expectNoPersonalData(row.record.toString('utf8'));
  const read = await c.call('LA', 'GET', `/v1/inbox/${id}`, { token: la });
  expect(read.status).toBe(200);
  expect(read.body.document.body).toEqual(body);
  expect(read.body.document.encryptedBody).toBeUndefined();
});
