/**
 * On the wire: records written straight onto `mx.inbox.LA` (no sending gateway in between) with a
 * flipped signature byte, an unknown key, an expired document, a schema violation, garbage bytes, a
 * reused id. Each is quarantined (LA's dead-letter API and the `mx.dlq.LA` topic: metadata only,
 * never the body), none reaches the inbox, LA carries on with the next good record; a rejection
 * receipt goes back only to a sender whose signature verified. The exact same record twice is one
 * inbox entry, no dead letter, and the stored receipt again.
 */
import { buildDocument, loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';
import {
  digestOf,
  dlqEntry,
  expectNoPersonalData,
  flipSignatureByte,
  payloadOf,
  realSigner,
  receiptsAbout,
  rogueSigner,
  signAs,
  signRaw,
  verifyRecord,
  Wire,
  type TopicTap,
} from '../support/wire.ts';
import { signNotice } from '../../services/core/src/envelope/sign.ts';
import { TYP_BY_CLASS } from '../../services/core/src/envelope/typ.ts';

let c: Cluster;
let wire: Wire;
let laDlq: TopicTap;
let laInbox: TopicTap;
let thInbox: TopicTap;
let la: string;
let th: string;

beforeAll(async () => {
  // No clock-skew allowance, so an expired document can be made without waiting five minutes
  // (a document's issuedAt may not precede its key's validity, and the keys are minutes old).
  c = await startCluster(['LA', 'TH'], { env: { MX_CLOCK_SKEW_SECONDS: '0' } });
  wire = new Wire(c);
  [laDlq, laInbox, thInbox] = await Promise.all([wire.tap(wire.dlq('LA')), wire.tap(wire.inbox('LA')), wire.tap(wire.inbox('TH'))]);
  la = await c.token('LA', ['liaison-officer']);
  th = await c.token('TH', ['liaison-officer']);
});
afterAll(async () => {
  await wire?.close();
  await c?.stop();
});

const DLQ_FIELDS = ['sourceTopic', 'partition', 'offset', 'digest', 'reasonCode', 'at', 'verifiedSender', 'messageId'];

function laInboxRows(where: string, arg: string): number {
  return (c.gateways.LA!.gateway.db.prepare(`SELECT count(*) AS n FROM inbox WHERE ${where} = ?`).get(arg) as { n: number }).n;
}

/** Receipts LA has queued for anyone (its outbox), by the digest they are about. */
function laQueuedReceiptDigests(): string[] {
  const rows = c.gateways.LA!.gateway.db.prepare("SELECT value FROM outbox WHERE kind = 'receipt'").all() as { value: Buffer }[];
  return rows.map((r) => payloadOf<{ body: { messageDigest: string } }>(r.value).body.messageDigest);
}

async function deadLettersAt(endpoint: string, token: string): Promise<{ items: Record<string, unknown>[]; text: string }> {
  const items: Record<string, unknown>[] = [];
  let text = '';
  let cursor: string | null = null;
  do {
    const r = await c.call(endpoint, 'GET', `/v1/dead-letters?limit=200${cursor ? `&cursor=${cursor}` : ''}`, { token });
    expect(r.status).toBe(200);
    text += JSON.stringify(r.body);
    items.push(...(r.body.items as Record<string, unknown>[]));
    cursor = r.body.nextCursor as string | null;
  } while (cursor);
  return { items, text };
}

test('each bad record is quarantined with its reason, metadata only, never stored; LA goes on with the next good record', async () => {
  const thSigner = await realSigner(c, 'TH');
  const caseRef = 'TH-2026-100001';
  const victim = (o: Parameters<typeof buildDocument<'victim-repatriation-notice'>>[1] = {}) => buildDocument('victim-repatriation-notice', { from: 'TH', to: ['LA'], caseRef, ...o });

  // Issued inside the key's validity, expired a second ago (the cluster runs with no skew allowance).
  // A lifetime of 1 ms from the key's first valid instant: expired as soon as the clock has passed it.
  const issuedAt = new Date(Math.max(thSigner.validFrom.getTime(), Date.now() - 3000));
  const expiresAt = new Date(issuedAt.getTime() + 1);
  await eventually(() => (Date.now() > expiresAt.getTime() ? true : undefined), 5_000, 'the expiry instant to pass');

  const schemaBroken = victim();
  (schemaBroken.body as unknown as { child: Record<string, unknown> }).child.shoeSize = 31; // an unknown member
  const bad = {
    SIGNATURE_INVALID: flipSignatureByte(await signAs(c, 'TH', victim())),
    UNKNOWN_KEY: Buffer.from(await signNotice(victim(), await rogueSigner('TH'))),
    EXPIRED: await signAs(c, 'TH', victim({ issuedAt, expiresAt })),
    SCHEMA_INVALID: await signRaw(thSigner, schemaBroken),
    MALFORMED: Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0x01, 0x80, 0xc3]),
  } as const;
  const verified = new Set(['EXPIRED', 'SCHEMA_INVALID']);
  // The bad records signed outside signAs carry the child's data in clear: that is what must not leak.
  for (const code of ['UNKNOWN_KEY', 'SCHEMA_INVALID'] as const) expect(JSON.stringify(payloadOf(bad[code]))).toContain('Testchild');
  // Those signed as a gateway signs carry it only encrypted.
  for (const code of ['SIGNATURE_INVALID', 'EXPIRED'] as const) expect(JSON.stringify(payloadOf(bad[code]))).not.toContain('Testchild');

  const goodDoc = victim();
  const good = await signAs(c, 'TH', goodDoc);
  await wire.write(wire.inbox('LA'), caseRef, ...Object.values(bad), good);

  // The good record after them all is stored: LA kept running and consuming.
  await eventually(() => c.gateways.LA!.gateway.store.inboxByKey('TH', goodDoc.id), 20_000, 'the good record in LA inbox');
  expect((await c.call('LA', 'GET', '/v1/health')).status).toBe(200);

  const api = await eventually(async () => {
    const dl = await deadLettersAt('LA', la);
    return Object.values(bad).every((b) => dl.items.some((i) => i.digest === digestOf(b))) ? dl : undefined;
  }, 20_000, 'five dead letters at LA');
  expectNoPersonalData(api.text);

  const queuedReceipts = laQueuedReceiptDigests();
  for (const [code, record] of Object.entries(bad)) {
    const digest = digestOf(record);
    // The dead-letter API: where the record is and why.
    const item = api.items.find((i) => i.digest === digest)!;
    expect(item).toMatchObject({ topic: wire.inbox('LA'), reasonCode: code });
    if (verified.has(code)) expect(item.from).toBe('TH');
    else expect(item.from).toBeUndefined();

    // The mx.dlq.LA topic: the same facts, no body.
    const onTopic = await laDlq.waitFor((r) => dlqEntry(r)?.digest === digest, `dead letter ${code}`);
    const entry = dlqEntry(onTopic)!;
    expect(entry).toMatchObject({ sourceTopic: wire.inbox('LA'), partition: item.partition, offset: item.offset, digest, reasonCode: code });
    expect(Object.keys(entry).filter((k) => !DLQ_FIELDS.includes(k))).toEqual([]);
    const text = onTopic.value.toString('utf8');
    expectNoPersonalData(text);
    if (code !== 'MALFORMED') {
      // Nor the body in its signed (base64url) form.
      const payload = (JSON.parse(record.toString('utf8')) as { payload: string }).payload;
      for (let i = 0; i + 24 <= payload.length; i += 600) expect(text).not.toContain(payload.slice(i, i + 24));
      expect(text).not.toContain('"payload"');
    }

    // It points at the record where it stays.
    const original = await laInbox.waitFor((r) => r.partition === entry.partition && r.offset === entry.offset, `source of ${code}`);
    expect(digestOf(original.value)).toBe(digest);

    // Never an inbox entry.
    expect(laInboxRows('digest', digest)).toBe(0);

    // A rejection receipt only to a sender whose signature verified.
    expect({ code, receipt: queuedReceipts.includes(digest) }).toEqual({ code, receipt: verified.has(code) });
  }
  for (const code of ['SIGNATURE_INVALID', 'UNKNOWN_KEY', 'EXPIRED'] as const) {
    expect(laInboxRows('id', payloadOf<{ id: string }>(bad[code]).id)).toBe(0);
  }

  // The receipts that went back are LA's signed rejections, on TH's inbox topic.
  for (const code of verified) {
    const digest = digestOf(bad[code as keyof typeof bad]);
    const r = await thInbox.waitFor((rec) => {
      try {
        return payloadOf<{ body: { messageDigest?: string } }>(rec.value).body.messageDigest === digest;
      } catch {
        return false;
      }
    }, `rejection receipt for ${code}`);
    const receipt = await verifyRecord<{ id: string; type: string; from: string; to: string[]; issuedAt: string; expiresAt: string; body: Record<string, unknown> }>(c, r.value, TYP_BY_CLASS.receipt);
    expect(receipt).toMatchObject({ type: 'delivery-receipt', from: 'LA', to: ['TH'], body: { messageDigest: digest, outcome: 'rejected', reasonCode: code } });
  }
});

test('the exact same record delivered twice: one inbox entry, no dead letter, and the stored receipt again', async () => {
  const caseRef = 'TH-2026-100002';
  const sent = await c.call('TH', 'POST', '/v1/notices', { token: th, body: { type: 'victim-repatriation-notice', to: ['LA'], caseRef, body: loadBody('victim-repatriation-notice') } });
  expect(sent.status).toBe(202);
  const id: string = sent.body.id;
  const row = await eventually(() => c.gateways.LA!.gateway.store.inboxByKey('TH', id), 20_000, 'first delivery');
  await eventually(async () => ((await c.call('TH', 'GET', `/v1/messages/${id}`, { token: th })).body.recipients[0].delivered ? true : undefined), 20_000, 'first receipt');

  const deadBefore = (await deadLettersAt('LA', la)).items.length;
  await wire.write(wire.inbox('LA'), caseRef, row.record);
  // A later notice of the same case (same key, same partition) from TH marks when the copy was handled.
  const next = await c.call('TH', 'POST', '/v1/notices', { token: th, body: { type: 'victim-repatriation-notice', to: ['LA'], caseRef, body: loadBody('victim-repatriation-notice') } });
  expect(next.status).toBe(202);
  await eventually(() => c.gateways.LA!.gateway.store.inboxByKey('TH', next.body.id), 20_000, 'the next notice');

  expect(laInboxRows('id', id)).toBe(1);
  expect((await deadLettersAt('LA', la)).items.length).toBe(deadBefore);
  // Two copies of the one accepted receipt reached TH, byte for byte the same.
  const receipts = await eventually(() => {
    const rs = receiptsAbout(thInbox.records, id);
    return rs.length >= 2 ? rs : undefined;
  }, 20_000, 'the re-sent receipt');
  expect(receipts).toHaveLength(2);
  expect(receipts.every((r) => r.body.outcome === 'accepted' && r.body.messageDigest === row.digest)).toBe(true);
  expect(receipts[1]!.record.value.equals(receipts[0]!.record.value)).toBe(true);
  // TH took the second copy as the duplicate it is.
  const thDead = await deadLettersAt('TH', th);
  expect(thDead.items.map((i) => i.digest)).not.toContain(digestOf(receipts[0]!.record.value));
  const m = await c.call('TH', 'GET', `/v1/messages/${id}`, { token: th });
  expect(m.body.recipients[0]).toMatchObject({ endpoint: 'LA', delivered: true });
  expect(m.body.recipients[0].rejected).toBeUndefined();
});

test('another record reusing an id is ID_CONFLICT: quarantined, a signed rejection to TH, and the delivered original stays delivered', async () => {
  const caseRef = 'TH-2026-100003';
  const sent = await c.call('TH', 'POST', '/v1/notices', { token: th, body: { type: 'victim-repatriation-notice', to: ['LA'], caseRef, body: loadBody('victim-repatriation-notice') } });
  expect(sent.status).toBe(202);
  const id: string = sent.body.id;
  const original = await eventually(() => c.gateways.LA!.gateway.store.inboxByKey('TH', id), 20_000, 'the original at LA');
  await eventually(async () => ((await c.call('TH', 'GET', `/v1/messages/${id}`, { token: th })).body.recipients[0].delivered ? true : undefined), 20_000, 'the original receipt');

  // Same (from, id), other content, validly signed with TH's key.
  const { encryptedBody: _ciphertext, ...doc } = payloadOf<ReturnType<typeof buildDocument<'victim-repatriation-notice'>>>(original.record);
  const body = loadBody('victim-repatriation-notice');
  body.handover!.plannedDate = '2026-03-30';
  const conflicting = await signAs(c, 'TH', { ...doc, body } as typeof doc);
  const digest = digestOf(conflicting);
  expect(digest).not.toBe(original.digest);
  await wire.write(wire.inbox('LA'), caseRef, conflicting);

  const dead = await eventually(async () => (await deadLettersAt('LA', la)).items.find((i) => i.digest === digest), 20_000, 'ID_CONFLICT dead letter');
  expect(dead).toMatchObject({ reasonCode: 'ID_CONFLICT', from: 'TH' });
  expect(laInboxRows('id', id)).toBe(1);
  expect(c.gateways.LA!.gateway.store.inboxByKey('TH', id)!.digest).toBe(original.digest);

  // LA's signed rejection reaches TH: it names the conflicting record, not the original.
  const rejection = await eventually(() => receiptsAbout(thInbox.records, id).find((r) => r.body.outcome === 'rejected'), 20_000, 'the rejection receipt');
  const verifiedReceipt = await verifyRecord<{ id: string; type: string; from: string; to: string[]; issuedAt: string; expiresAt: string; body: Record<string, unknown> }>(c, rejection.record.value, TYP_BY_CLASS.receipt);
  expect(verifiedReceipt).toMatchObject({ from: 'LA', to: ['TH'], body: { messageId: id, messageDigest: digest, outcome: 'rejected', reasonCode: 'ID_CONFLICT' } });

  // TH cannot apply a receipt about bytes it never sent to its message: it quarantines it as the
  // id conflict it reveals (someone signed other bytes under TH's id with TH's key), and the notice
  // it did send stays delivered (a "rejected" here would invite a second, duplicate notice).
  const thDead = await eventually(async () => (await deadLettersAt('TH', th)).items.find((i) => i.digest === digestOf(rejection.record.value)), 20_000, 'the rejection quarantined at TH');
  expect(thDead).toMatchObject({ from: 'LA', reasonCode: 'ID_CONFLICT' });
  const m = await c.call('TH', 'GET', `/v1/messages/${id}`, { token: th });
  expect(m.body.status).toBe('delivered');
  expect(m.body.recipients[0]).toMatchObject({ endpoint: 'LA', delivered: true, receiptDigest: expect.any(String) });
  expect(m.body.recipients[0].rejected).toBeUndefined();
});
