/**
 * The gateways and the audit service together on the real broker: after TH notifies LA of a child
 * victim and LA reads and answers (and an INTERPOL alert goes to three countries), the audit log
 * holds the notice's whole history from both endpoints in causal order, every event and the whole
 * log verify, an evidence bundle verifies offline, and no event carries personal data.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordConsumer, topicNames } from '../../services/core/src/kafka/transport.ts';
import { setupAudit, type AuditDeployment } from '../../services/cli/src/deployment/setup.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { startAudit, verifyBundle, type RunningAudit } from '../support/audit.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually, testKafka, uniqueName } from '../support/kafka.ts';
import { withStore } from '../support/processes.ts';

let c: Cluster;
let audit: AuditDeployment;
let svc: RunningAudit;
let noticeId: string;

beforeAll(async () => {
  c = await startCluster();
  audit = await setupAudit(c.dep);
  svc = await startAudit(c.dep, audit, { prefix: c.prefix });
});
afterAll(async () => {
  await svc?.stop();
  await c?.stop();
});

interface HistoryEntry {
  index: number;
  gateway: string;
  seq: number;
  action: string;
  at: string;
  event: { counterpart?: string; outcome?: string; messageId?: string };
}

test('a notice read and answered has its whole history, from both endpoints, in causal order', async () => {
  const th = await c.token('TH', ['liaison-officer']);
  const la = await c.token('LA', ['liaison-officer']);
  const sent = await c.call('TH', 'POST', '/v1/notices', {
    token: th,
    body: { type: 'victim-repatriation-notice', to: ['LA'], caseRef: 'TH-2026-000901', body: loadBody('victim-repatriation-notice') },
  });
  expect(sent.status).toBe(202);
  noticeId = sent.body.id;
  const item = await eventually(async () => {
    const r = await c.call('LA', 'GET', `/v1/inbox/${noticeId}`, { token: la });
    return r.status === 200 ? r : undefined;
  }, 20_000, 'the notice at LA');
  expect(item.body.document.body.child.names[1].value).toBe('Testchild Examplevong');
  const answer = await c.call('LA', 'POST', `/v1/inbox/${noticeId}/responses`, {
    token: la,
    body: { type: 'repatriation-status-update', body: { ...loadBody('repatriation-status-update'), status: 'acknowledged' } },
  });
  expect(answer.status).toBe(202);

  const history: HistoryEntry[] = await eventually(async () => {
    const r = await svc.get(`/v1/messages/${noticeId}/history`);
    if (r.status !== 200) return undefined;
    const events = r.body.events as HistoryEntry[];
    const receipts = events.filter((e) => e.action === 'receipt-received').length;
    return events.some((e) => e.action === 'responded') && receipts >= 2 ? events : undefined;
  }, 30_000, 'the notice history at the audit service');

  const steps = history.map((e) => `${e.gateway} ${e.action}`);
  expect(new Set(steps)).toEqual(new Set(['TH submitted', 'TH published', 'LA delivered', 'TH receipt-received', 'LA read', 'LA responded']));
  // Causal order (each step needs the one before it to have happened, across endpoints and Kafka):
  const at = (step: string, nth = 0): number => steps.indexOf(step, nth === 0 ? 0 : steps.indexOf(step) + 1);
  const deliveryReceipt = at('TH receipt-received');
  const readReceipt = at('TH receipt-received', 1);
  expect(at('TH submitted')).toBe(0);
  expect(at('TH submitted')).toBeLessThan(at('TH published'));
  expect(at('TH submitted')).toBeLessThan(at('LA delivered'));
  expect(at('LA delivered')).toBeLessThan(deliveryReceipt);
  expect(at('LA delivered')).toBeLessThan(at('LA read'));
  expect(at('LA read')).toBeLessThan(readReceipt);
  expect(at('LA read')).toBeLessThan(at('LA responded'));
  // Time order, and each event names the other endpoint.
  expect(history.map((e) => e.at)).toEqual([...history.map((e) => e.at)].sort());
  for (const e of history) expect(e.event.counterpart).toBe(e.gateway === 'TH' ? 'LA' : 'TH');
  expect(history.every((e) => e.event.messageId === noticeId)).toBe(true);
});

test('an INTERPOL alert to three countries leaves a delivered, read and responded trail at each', async () => {
  const desk = await c.token('INTERPOL', ['interpol-desk']);
  const sent = await c.call('INTERPOL', 'POST', '/v1/notices', {
    token: desk,
    body: { type: 'offender-travel-alert', to: ['LA', 'TH', 'CN'], body: loadBody('offender-travel-alert') },
  });
  expect(sent.status).toBe(202);
  const id: string = sent.body.id;
  for (const e of ['LA', 'TH', 'CN']) {
    const tok = await c.token(e, ['liaison-officer']);
    await eventually(async () => ((await c.call(e, 'GET', `/v1/inbox/${id}`, { token: tok })).status === 200 ? true : undefined), 20_000, `alert at ${e}`);
    const resp = await c.call(e, 'POST', `/v1/inbox/${id}/responses`, { token: tok, body: { type: 'offender-alert-response', body: loadBody('offender-alert-response') } });
    expect(resp.status).toBe(202);
  }
  const history: HistoryEntry[] = await eventually(async () => {
    const r = await svc.get(`/v1/messages/${id}/history`);
    const events = r.status === 200 ? (r.body.events as HistoryEntry[]) : [];
    return events.filter((e) => e.action === 'responded').length === 3 && events.filter((e) => e.action === 'receipt-received').length === 6 ? events : undefined;
  }, 30_000, 'the alert history');
  for (const e of ['LA', 'TH', 'CN']) {
    expect(history.filter((h) => h.gateway === e).map((h) => h.action)).toEqual(['delivered', 'read', 'responded']);
  }
  expect(history.filter((h) => h.gateway === 'INTERPOL' && h.action === 'submitted')).toHaveLength(3);
});

test('the whole log verifies, and the notice\'s evidence bundle verifies offline (and not once altered)', async () => {
  // Every event the gateways have signed so far (each in its store, beside its outbox row) is in
  // the log, then a checkpoint is signed over all of it: counted, not waited out.
  const emitted = () =>
    Object.keys(c.gateways).reduce(
      (n, e) => n + withStore(join(c.dep.dir, 'data', e, 'gateway.sqlite'), (db) => (db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n),
      0,
    );
  await eventually(() => {
    const want = emitted();
    return want > 0 && svc.service.store.log.size() === want ? true : undefined;
  }, 30_000, 'every gateway event in the log');
  expect((await svc.service.checkpointer.signNow()).kind).toMatch(/signed|unchanged/);
  const r = await svc.verify();
  expect(r.failures).toEqual([]);
  expect(Object.keys(r.stats.gateways).sort()).toEqual(['CN', 'INTERPOL', 'LA', 'TH']);
  expect((await svc.get('/v1/gaps')).body.items).toEqual([]);
  expect((await svc.get('/v1/quarantine')).body.items).toEqual([]);

  const bundle = await svc.get(`/v1/messages/${noticeId}/evidence`);
  expect(bundle.status).toBe(200);
  expect(bundle.body.format).toBe('mx-evidence-bundle/v1');
  const dir = mkdtempSync(join(tmpdir(), 'mx-evidence-'));
  const file = join(dir, 'evidence.json');
  writeFileSync(file, JSON.stringify(bundle.body));
  const ok = await verifyBundle(file, c.dep, audit);
  expect(ok.failures).toEqual([]);
  expect(ok.lines.some((l) => /TH\s+seq \d+\s+submitted/.test(l))).toBe(true);

  // One altered byte in one event: the bundle fails and names the entry.
  const altered = structuredClone(bundle.body) as { entries: { index: number; bytes: string }[] };
  const entry = altered.entries[2]!;
  const bytes = Buffer.from(entry.bytes, 'base64');
  const at = bytes.indexOf('"signature":"') + 20;
  bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
  entry.bytes = bytes.toString('base64');
  writeFileSync(file, JSON.stringify(altered));
  const bad = await verifyBundle(file, c.dep, audit);
  expect(bad.exitCode).toBe(1);
  expect(new Set(bad.failures.map((f) => f.where))).toEqual(new Set([`entry leaf ${entry.index}`]));
  expect(bad.failures.map((f) => f.check).sort()).toEqual(['bundle', 'event-signature', 'inclusion', 'leaf-hash']);
});

/** Every personal datum of the fixtures that went through the gateways. */
const PERSONAL = [
  ...loadBody('victim-repatriation-notice').child.names.map((n) => n.value),
  ...loadBody('offender-travel-alert').subject.names.map((n) => n.value),
  'TEST0000001',
  'TEST00000',
  'Nong Khai',
];

/**
 * Looks for `needles` in a signed record: in its raw text, in the base64url-decoded header and
 * payload, and in every string of the decoded JSON (so `\u` escapes are undone).
 */
function personalDataIn(record: Buffer, needles: readonly string[]): string[] {
  const texts = [record.toString('utf8')];
  const strings = (v: unknown): void => {
    if (typeof v === 'string') texts.push(v);
    else if (Array.isArray(v)) v.forEach(strings);
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) (texts.push(k), strings(x));
  };
  try {
    const jws = JSON.parse(record.toString('utf8')) as Record<string, unknown>;
    strings(jws);
    for (const part of ['protected', 'payload'] as const) {
      const raw = jws[part];
      if (typeof raw !== 'string') continue;
      const decoded = Buffer.from(raw, 'base64url').toString('utf8');
      texts.push(decoded);
      try {
        strings(JSON.parse(decoded));
      } catch {
        /* not JSON: the text itself was searched */
      }
    }
  } catch {
    /* not JSON: the raw text was searched */
  }
  return needles.filter((n) => texts.some((t) => t.includes(n)));
}

test('no audit event, in the store or on the topic, carries personal data (and the search can find it)', async () => {
  const store = svc.service.store;
  const size = store.log.size();
  expect(size).toBeGreaterThan(20);
  const stored = Array.from({ length: size }, (_, i) => store.log.leaf(i).bytes);

  const onTopic: Buffer[] = [];
  const consumer = new RecordConsumer(testKafka(uniqueName('pii-scan')), {
    groupId: uniqueName('pii-scan'),
    topics: [topicNames(c.prefix).audit],
    fromBeginning: true,
    handle: async (rec) => void onTopic.push(rec.value),
  });
  await consumer.start();
  await eventually(() => (onTopic.length >= size ? true : undefined), 30_000, 'the audit topic read back');
  await consumer.stop();

  for (const record of [...stored, ...onTopic]) expect(personalDataIn(record, PERSONAL)).toEqual([]);

  // Positive controls: the same search finds a name planted in a real event's payload, whether in
  // clear, behind base64url, or behind JSON \u escapes.
  const sample = JSON.parse(stored[0]!.toString('utf8')) as { protected: string; payload: string; signature: string };
  const doc = JSON.parse(Buffer.from(sample.payload, 'base64url').toString('utf8')) as { body: Record<string, unknown> };
  const plant = (payloadJson: string): Buffer => Buffer.from(JSON.stringify({ ...sample, payload: Buffer.from(payloadJson).toString('base64url') }));
  expect(personalDataIn(plant(JSON.stringify({ ...doc, body: { ...doc.body, note: 'Testchild Examplevong' } })), PERSONAL)).toEqual(['Testchild Examplevong']);
  const escaped = JSON.stringify({ ...doc, body: { ...doc.body, note: 'Fakename Sample' } }).replace('Fakename', '\\u0046akename');
  expect(escaped).not.toContain('Fakename Sample');
  expect(personalDataIn(plant(escaped), PERSONAL)).toEqual(['Fakename Sample']);
  const thai = PERSONAL.find((n) => /[\u0e00-\u0e7f]/.test(n))!;
  expect(personalDataIn(plant(JSON.stringify({ ...doc, officer: thai })), PERSONAL)).toEqual([thai]);
});
