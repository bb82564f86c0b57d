/**
 * No record blocks a gateway's inbox partition. Records that used to make verification throw
 * something other than a verdict (JSON nested thousands of levels deep in the protected header,
 * needing no key; in a signed payload; in a signed body), an empty record and a header too large,
 * followed on the same partition by a genuine notice: the notice is stored within seconds, every
 * bad record is quarantined with its reason, and the consumer never restarted.
 *
 * And a store outage is not a poison pill: with the store's write lock held by another
 * connection, the record is retried in place, `/v1/ready` answers 503 naming the stalled
 * partition, and once the lock is released the record is stored and the gateway is ready again.
 */
import Database from 'better-sqlite3';
import { FlattenedSign } from 'jose';
import { buildDocument } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';
import { digestOf, dlqEntry, realSigner, signAs, Wire, type TopicTap } from '../support/wire.ts';
import type { Signer } from '../../services/core/src/trust/signer.ts';
import { TYP_BY_CLASS } from '../../services/core/src/envelope/typ.ts';
import { MxError } from '../../services/core/src/errors/mx-error.ts';

let c: Cluster;
let wire: Wire;
let laDlq: TopicTap;

beforeAll(async () => {
  c = await startCluster(['LA', 'TH'], { env: { MX_STALL_AFTER_MS: '500' } });
  wire = new Wire(c);
  laDlq = await wire.tap(wire.dlq('LA'));
});
afterAll(async () => {
  await wire?.close();
  await c?.stop();
});

const DEEP = 5000;
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
const deepArray = (n: number): string => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number): string => '{"a":'.repeat(n) + '0' + '}'.repeat(n);

function victim(caseRef: string) {
  return buildDocument('victim-repatriation-notice', { from: 'TH', to: ['LA'], caseRef });
}

/** Signs a payload text as is, in canonical form. */
async function signText(signer: Signer, text: string): Promise<Buffer> {
  const jws = await new FlattenedSign(new TextEncoder().encode(text)).setProtectedHeader({ alg: 'EdDSA', kid: signer.kid, typ: TYP_BY_CLASS.notice }).sign(signer.privateKey);
  return Buffer.from(JSON.stringify({ protected: jws.protected, payload: jws.payload, signature: jws.signature }));
}

test('deeply nested header, payload and body, an empty record and an oversized header: quarantined with a reason; the notice behind them is stored; no restart', async () => {
  const la = c.gateways.LA!.gateway;
  const thSigner = await realSigner(c, 'TH');
  const caseRef = 'TH-2026-200001';
  const header = (extra: string) => b64(`{"alg":"EdDSA","kid":"${thSigner.kid}","typ":"mx-notice+jws","x":${extra}}`);
  const unsigned = (protectedB64: string) => Buffer.from(JSON.stringify({ protected: protectedB64, payload: b64('{}'), signature: '' }));
  const deepPayload = JSON.stringify({ ...victim(caseRef), deep: 'DEEP' }).replace('"DEEP"', deepArray(DEEP));
  const deepBody = JSON.stringify(victim(caseRef)).replace('"body":{', `"body":{"deep":${deepObject(DEEP)},`);
  const bad: [string, Buffer][] = [
    ['TOO_LARGE', unsigned(header(deepArray(DEEP)))],
    ['MALFORMED', unsigned(header(deepObject(500)))],
    ['MALFORMED', unsigned(header(deepArray(500)))],
    ['MALFORMED', Buffer.alloc(0)],
    // Signed with TH's real key: the payload's own JSON text is deep (JSON.stringify cannot even write it).
    ['MALFORMED', await signText(thSigner, deepPayload)],
    ['MALFORMED', await signText(thSigner, deepBody)],
  ];

  const goodDoc = victim(caseRef);
  const good = await signAs(c, 'TH', goodDoc);
  // Counted from here: with the tests' short Kafka retries, joining a group on a broker that is
  // still loading its offsets topic may crash the consumer once at start-up, which is not the point.
  const restartsBefore = la.consumer.state().restarts;
  const started = Date.now();
  await wire.write(wire.inbox('LA'), caseRef, ...bad.map(([, r]) => r), good);

  await eventually(() => la.store.inboxByKey('TH', goodDoc.id), 20_000, 'the genuine notice behind the bad records');
  expect(Date.now() - started).toBeLessThan(15_000);
  for (const [code, record] of bad) {
    const digest = digestOf(record);
    const entry = dlqEntry(await laDlq.waitFor((r) => dlqEntry(r)?.digest === digest, `dead letter ${code}`))!;
    expect({ code: entry.reasonCode, sourceTopic: entry.sourceTopic }).toEqual({ code, sourceTopic: wire.inbox('LA') });
  }
  expect(la.consumer.state()).toMatchObject({ member: true, stalled: [], restarts: restartsBefore });
  expect((await c.call('LA', 'GET', '/v1/ready')).status).toBe(200);
});

test('a store held locked past MX_STALL_AFTER_MS: /v1/ready 503 names the stalled partition; after release the record is stored and ready is 200', async () => {
  const la = c.gateways.LA!.gateway;
  expect((await c.call('LA', 'GET', '/v1/ready')).status).toBe(200);
  const restartsBefore = la.consumer.state().restarts;
  const locker = new Database(la.db.name);
  try {
    locker.exec('BEGIN EXCLUSIVE');
    const caseRef = 'TH-2026-200002';
    const doc = victim(caseRef);
    await wire.write(wire.inbox('LA'), caseRef, await signAs(c, 'TH', doc));
    const problem = await eventually(async () => {
      const r = await c.call('LA', 'GET', '/v1/ready');
      return r.status === 503 && /stalled/.test(String(r.body.detail)) ? r : undefined;
    }, 40_000, '/v1/ready 503 naming the stall');
    expect(problem.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(problem.body).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    expect(problem.body.detail).toMatch(new RegExp(`^partition ${wire.inbox('LA').replace(/\./g, '\\.')}/\\d+ stalled at offset \\d+: store unavailable \\(SQLITE_BUSY\\)$`));
    expect(la.store.inboxByKey('TH', doc.id)).toBeUndefined();
    locker.exec('COMMIT');
    await eventually(() => la.store.inboxByKey('TH', doc.id), 30_000, 'the record stored after the lock is released');
    await eventually(async () => ((await c.call('LA', 'GET', '/v1/ready')).status === 200 ? true : undefined), 30_000, '/v1/ready 200 again');
    expect(la.consumer.state()).toMatchObject({ stalled: [], restarts: restartsBefore, quarantined: 0 });
  } finally {
    if (locker.inTransaction) locker.exec('ROLLBACK');
    locker.close();
  }
});

test('quarantineRecord: an error no check foresaw becomes INTERNAL, an MxError keeps its code; metadata only, never the record', async () => {
  const la = c.gateways.LA!.gateway;
  const token = await c.token('LA', ['liaison-officer']);
  const record = (offset: string, value: string) => ({ topic: wire.inbox('LA'), partition: 0, offset, timestamp: new Date(), key: null, value: Buffer.from(value), headers: {} });
  const unexpected = record('900001', '{"name":"Testchild Examplevong"}');
  const known = record('900002', '{"other":"Testchild"}');
  await la.exchange.quarantineRecord(unexpected, new RangeError('Maximum call stack size exceeded'));
  await la.exchange.quarantineRecord(known, new MxError('SCHEMA_INVALID'));
  for (const [rec, code] of [[unexpected, 'INTERNAL'], [known, 'SCHEMA_INVALID']] as const) {
    const entry = dlqEntry(await laDlq.waitFor((r) => dlqEntry(r)?.digest === digestOf(rec.value), `dead letter ${code}`))!;
    expect(entry).toMatchObject({ sourceTopic: rec.topic, partition: 0, offset: rec.offset, reasonCode: code });
    expect(JSON.stringify(entry)).not.toContain('Testchild');
  }
  const api = await c.call('LA', 'GET', '/v1/dead-letters?limit=200', { token });
  expect(api.body.items.find((i: { digest: string }) => i.digest === digestOf(unexpected.value))).toMatchObject({ reasonCode: 'INTERNAL' });
  expect(JSON.stringify(api.body)).not.toContain('Testchild');
});
