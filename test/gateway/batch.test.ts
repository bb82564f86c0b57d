/**
 * Receiving in batches: the good records of a fetched batch share one store commit, and nothing
 * else changes. Written in one produce request on one partition, so LA fetches them together:
 * good notices, a record that is not JSON and a notice whose signature does not verify in the
 * middle, the same bytes twice, and a correction of a notice of the same batch (its admission needs
 * the original stored first). Every good notice is stored exactly once, each bad record is
 * quarantined with its own reason, the correction is admitted, and the group commits did happen.
 */
import Database from 'better-sqlite3';
import { buildDocument } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';
import { digestOf, dlqEntry, signAs, Wire, type TopicTap } from '../support/wire.ts';

let c: Cluster;
let wire: Wire;
let laDlq: TopicTap;

beforeAll(async () => {
  c = await startCluster(['LA', 'TH']);
  wire = new Wire(c);
  laDlq = await wire.tap(wire.dlq('LA'));
});
afterAll(async () => {
  await wire?.close();
  await c?.stop();
});

function victim(caseRef: string) {
  return buildDocument('victim-repatriation-notice', { from: 'TH', to: ['LA'], caseRef });
}

/** The same record with one byte of its signature changed. */
function tampered(record: Buffer): Buffer {
  const jws = JSON.parse(record.toString('utf8')) as { protected: string; payload: string; signature: string };
  const sig = Buffer.from(jws.signature, 'base64url');
  sig[0] = sig[0]! ^ 0xff;
  return Buffer.from(JSON.stringify({ ...jws, signature: sig.toString('base64url') }));
}

test('a fetched batch with poison records in the middle: the good records are stored exactly once, the bad ones quarantined with their reasons', async () => {
  const la = c.gateways.LA!.gateway;
  const before = la.consumer.state();
  const docs = Array.from({ length: 8 }, (_, i) => victim(`TH-2026-31000${i}`));
  const good = await Promise.all(docs.map((d) => signAs(c, 'TH', d)));
  // A correction of docs[1], in the same batch: admitted only once docs[1] is in the store.
  const correction = { ...victim(docs[1]!.caseRef!), supersedes: docs[1]!.id };
  const corrected = await signAs(c, 'TH', correction);
  const notJson = Buffer.from('not a signed record');
  const forged = tampered(await signAs(c, 'TH', victim('TH-2026-310009')));
  const batch = [good[0]!, good[1]!, good[2]!, notJson, good[3]!, good[2]!, forged, corrected, good[4]!, good[5]!, good[6]!, good[7]!];
  // One key: one partition, one produce request, fetched together.
  await wire.write(wire.inbox('LA'), 'batch-test', ...batch);

  await eventually(() => la.store.inboxByKey('TH', docs[7]!.id), 30_000, 'the last notice of the batch stored');
  for (const [code, record] of [['MALFORMED', notJson], ['SIGNATURE_INVALID', forged]] as const) {
    const entry = dlqEntry(await laDlq.waitFor((r) => dlqEntry(r)?.digest === digestOf(record), `dead letter ${code}`))!;
    expect({ code: entry.reasonCode, sourceTopic: entry.sourceTopic }).toEqual({ code, sourceTopic: wire.inbox('LA') });
  }

  const db = new Database(la.db.name, { readonly: true });
  try {
    const count = (id: string) => (db.prepare("SELECT count(*) AS n FROM inbox WHERE from_ep = 'TH' AND id = ?").get(id) as { n: number }).n;
    for (const d of [...docs, correction]) expect({ id: d.id, stored: count(d.id) }).toEqual({ id: d.id, stored: 1 });
    const deadLetters = (digest: string) => (db.prepare('SELECT count(*) AS n FROM dead_letters WHERE digest = ?').get(digest) as { n: number }).n;
    expect([deadLetters(digestOf(notJson)), deadLetters(digestOf(forged))]).toEqual([1, 1]);
    // Nothing good was dead-lettered along the way.
    for (const record of [...good, corrected]) expect(deadLetters(digestOf(record))).toBe(0);
    // One `delivered` audit event per stored notice, none for the duplicate copy.
    const delivered = (id: string) => (db.prepare("SELECT count(*) AS n FROM audit_events WHERE json_extract(fact, '$.action') = 'delivered' AND json_extract(fact, '$.messageId') = ?").get(id) as { n: number }).n;
    for (const d of [...docs, correction]) expect(delivered(d.id)).toBe(1);
  } finally {
    db.close();
  }
  expect(la.store.inboxByKey('TH', docs[1]!.id)).toMatchObject({ superseded_by: correction.id });

  const after = la.consumer.state();
  expect(after).toMatchObject({ member: true, stalled: [], restarts: before.restarts });
  // Some good records shared a commit: fewer group commits than records committed in groups.
  const groups = after.groups.commits - before.groups.commits;
  const grouped = after.groups.records - before.groups.records;
  expect(grouped).toBeGreaterThan(groups);
  expect((await c.call('LA', 'GET', '/v1/ready')).status).toBe(200);
}, 90_000);
