/**
 * Metrics, access log and trace context, on two real gateways (TH, LA) and an audit service on the
 * real broker. After traffic (a victim notice TH -> LA read at LA, an offender alert TH -> LA,
 * their receipts back, one hostile record quarantined at LA), `GET /metrics` of all three is
 * scraped with the metrics token and parsed: every family of README "Metrics" is there with
 * plausible values, no label value carries personal data, an id, a case reference or an officer,
 * and every label name is from the closed set. Without the token: 401 problem+json.
 *
 * The access log echoes a sane `X-Request-Id` and logs it; a missing or malformed one is replaced
 * by a UUID. A notice submitted with a `traceparent` is logged under that trace id by the
 * receiving gateway, and its receipt by the sender; a record with a malformed `traceparent`
 * header is stored like any other, under a new trace.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setupAudit } from '../../services/cli/src/deployment/setup.ts';
import { RecordPublisher } from '../../services/core/src/kafka/transport.ts';
import { buildDocument, loadBody } from '../fixtures/documents/index.ts';
import { startAudit, type RunningAudit } from '../support/audit.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually, testKafka, uniqueName } from '../support/kafka.ts';
import { captureLog, type CapturedLog } from '../support/logs.ts';
import { PERSONAL_FIXTURE_STRINGS, signAs, Wire } from '../support/wire.ts';

const METRICS_TOKEN = randomBytes(32).toString('base64url');
/** Label names an `mx_` family may carry: the closed sets of README "Metrics" (and a histogram's `le`). */
const MX_LABELS = new Set(['route', 'method', 'status', 'topic', 'partition', 'reason', 'operation', 'direction', 'class', 'gateway', 'le']);
/** Those of prom-client's process metrics (GC kind, heap space, resource type, Node version). */
const PROCESS_LABELS = new Set(['kind', 'type', 'space', 'version', 'major', 'minor', 'patch', 'le']);
const CASE_REF = 'TH-2026-731337';
const OFFICER_SUBJECT = 'metrics-secret-officer-7781@TH';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

let c: Cluster;
let svc: RunningAudit;
let wire: Wire;
const logs: Record<string, CapturedLog> = { TH: captureLog(), LA: captureLog() };
let noticeId: string;
let alertId: string;
let badOffsets = 0;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mx-metrics-'));
  const tokenFile = join(dir, 'metrics.token');
  writeFileSync(tokenFile, `${METRICS_TOKEN}\n`, { mode: 0o600 });
  const env = { MX_METRICS_TOKEN_FILE: tokenFile };
  c = await startCluster(['LA', 'TH'], { env, loggers: { TH: logs.TH!.logger, LA: logs.LA!.logger } });
  svc = await startAudit(c.dep, await setupAudit(c.dep), { prefix: c.prefix, env });
  wire = new Wire(c);
}, 120_000);
afterAll(async () => {
  await wire?.close();
  await svc?.stop();
  await c?.stop();
});

/** One sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses prom-client's text exposition: `# HELP` / `# TYPE` lines, then `name{l="v",...} value`. */
function parseMetrics(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

async function scrape(url: string): Promise<{ text: string; samples: Sample[]; types: Map<string, string> }> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const text = await res.text();
  return { text, ...parseMetrics(text) };
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
const sum = (samples: Sample[], name: string, labels: Record<string, string> = {}): number => find(samples, name, labels).reduce((n, s) => n + s.value, 0);

async function post(endpoint: string, path: string, token: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${c.gateways[endpoint]!.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('after traffic between two gateways', () => {
  beforeAll(async () => {
    const th = await c.token('TH', ['liaison-officer'], OFFICER_SUBJECT);
    const la = await c.token('LA', ['liaison-officer']);
    const notice = await post('TH', '/v1/notices', th, { type: 'victim-repatriation-notice', to: ['LA'], caseRef: CASE_REF, body: loadBody('victim-repatriation-notice') }, { traceparent: TRACEPARENT });
    expect(notice.status).toBe(202);
    noticeId = ((await notice.json()) as { id: string }).id;
    const alert = await post('TH', '/v1/notices', th, { type: 'offender-travel-alert', to: ['LA'], body: loadBody('offender-travel-alert') });
    expect(alert.status).toBe(202);
    alertId = ((await alert.json()) as { id: string }).id;
    // LA opens the notice: decrypted on read, and a read receipt goes back.
    const item = await eventually(async () => {
      const r = await c.call('LA', 'GET', `/v1/inbox/${noticeId}`, { token: la });
      return r.status === 200 ? r : undefined;
    }, 30_000, 'the notice at LA');
    expect(item.body.id).toBe(noticeId);
    // A hostile record on LA's inbox topic: quarantined as MALFORMED.
    await wire.write(wire.inbox('LA'), 'hostile', Buffer.from('{"protected":"not base64!"'));
    badOffsets = 1;
    await eventually(() => (c.gateways.LA!.gateway.store.listDeadLetters(0, 10).length >= badOffsets ? true : undefined), 30_000, 'the hostile record quarantined');
    await eventually(async () => {
      const r = await c.call('TH', 'GET', `/v1/messages/${noticeId}`, { token: th });
      const a = await c.call('TH', 'GET', `/v1/messages/${alertId}`, { token: th });
      return r.body.recipients?.[0]?.read && a.body.recipients?.[0]?.delivered ? true : undefined;
    }, 30_000, 'delivery and read receipts at TH');
    await svc.service.checkpointer.signNow();
  }, 120_000);

  it('answers 401 problem+json without the metrics token, and with a wrong one', async () => {
    for (const url of [c.gateways.TH!.url, svc.url]) {
      for (const headers of [{}, { authorization: `Bearer ${METRICS_TOKEN.slice(1)}x` }, { authorization: METRICS_TOKEN }] as Record<string, string>[]) {
        const res = await fetch(`${url}/metrics`, { headers });
        expect(res.status).toBe(401);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(((await res.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
      }
    }
  });

  it('the sending gateway reports HTTP, outbox, envelope, overdue and alert figures', async () => {
    const { samples, types } = await scrape(c.gateways.TH!.url);
    // HTTP by route pattern: two 202 submissions; the histogram counted the same requests.
    const submitted = sum(samples, 'mx_http_requests_total', { route: '/v1/notices', method: 'POST', status: '202' });
    expect(submitted).toBe(2);
    expect(sum(samples, 'mx_http_request_duration_seconds_count', { route: '/v1/notices', method: 'POST', status: '202' })).toBe(submitted);
    expect(find(samples, 'mx_http_requests_total', { route: '/v1/messages/:id', method: 'GET', status: '200' })[0]?.value).toBeGreaterThan(0);
    expect(types.get('mx_http_request_duration_seconds')).toBe('histogram');
    // Group commit: every submission went through a group; the histogram agrees with the exchange's counts.
    const groups = c.gateways.TH!.gateway.exchange.submissionCommits();
    expect(find(samples, 'mx_submission_group_commit_units_sum')[0]!.value).toBe(groups.units);
    expect(find(samples, 'mx_submission_group_commit_units_count')[0]!.value).toBe(groups.commits);
    expect(groups.units).toBeGreaterThanOrEqual(submitted);
    // Outbox: the gauges are read from the store.
    expect(find(samples, 'mx_outbox_backlog_records')[0]!.value).toBeGreaterThanOrEqual(0);
    expect(find(samples, 'mx_outbox_oldest_age_seconds')[0]!.value).toBeGreaterThanOrEqual(0);
    // Failed publish requests mark their rows: the counter is zero exactly when no row ever failed.
    const failedRows = (c.gateways.TH!.gateway.db.prepare('SELECT count(*) AS n FROM outbox WHERE last_error IS NOT NULL').get() as { n: number }).n;
    expect(find(samples, 'mx_outbox_publish_failures_total')[0]!.value > 0).toBe(failedRows > 0);
    // Publish requests: the relay's notices went out, so it made some (how many per pass: test/outbox/combined.test.ts).
    expect(find(samples, 'mx_outbox_publish_requests_total')[0]!.value).toBeGreaterThan(0);
    // Envelope: TH encrypted two bodies and signed them and its audit events; verified the receipts.
    expect(sum(samples, 'mx_envelope_operation_duration_seconds_count', { operation: 'encrypt' })).toBe(2);
    expect(sum(samples, 'mx_envelope_operation_duration_seconds_count', { operation: 'sign' })).toBeGreaterThanOrEqual(2);
    expect(sum(samples, 'mx_envelope_operation_duration_seconds_count', { operation: 'verify' })).toBeGreaterThanOrEqual(3);
    // Every recipient answered: nothing overdue. The alert's delivery is counted under one class.
    expect(find(samples, 'mx_receipts_overdue')[0]!.value).toBe(0);
    expect(sum(samples, 'mx_alerts_delivered', { direction: 'sent' })).toBe(1);
    expect(find(samples, 'mx_alerts_delivered', { direction: 'sent' }).map((s) => s.labels.class).sort()).toEqual(['after-arrival', 'after-departure', 'short-notice', 'timely']);
    // Consumer lag of TH's inbox group, per partition (the receipts it consumed).
    expect(find(samples, 'mx_kafka_consumer_lag_records', { topic: `${c.prefix}mx.inbox.TH` }).length).toBeGreaterThan(0);
    // The process's own figures.
    expect(find(samples, 'process_cpu_user_seconds_total')).toHaveLength(1);
  });

  it('the receiving gateway reports its quarantine by reason, verification and decryption, and its lag falls to zero', async () => {
    const la = c.gateways.LA!.gateway;
    const { samples } = await scrape(c.gateways.LA!.url);
    const deadLetters = la.store.listDeadLetters(0, 100);
    expect(deadLetters.map((d) => d.reason_code)).toEqual(['MALFORMED']);
    expect(sum(samples, 'mx_records_quarantined_total', { reason: 'MALFORMED' })).toBe(1);
    expect(sum(samples, 'mx_records_quarantined_total')).toBe(1);
    // Every catalogue code is there from the start, at zero.
    expect(find(samples, 'mx_records_quarantined_total', { reason: 'SIGNATURE_INVALID' })[0]?.value).toBe(0);
    // Verified the notice and the alert (decrypting both), and decrypted the notice again when read.
    expect(sum(samples, 'mx_envelope_operation_duration_seconds_count', { operation: 'verify' })).toBeGreaterThanOrEqual(2);
    expect(sum(samples, 'mx_envelope_operation_duration_seconds_count', { operation: 'decrypt' })).toBeGreaterThanOrEqual(3);
    expect(sum(samples, 'mx_alerts_delivered', { direction: 'received' })).toBe(1);
    expect(find(samples, 'mx_http_requests_total', { route: '/v1/inbox/:id', method: 'GET', status: '200' })[0]?.value).toBeGreaterThan(0);
    // Three records were consumed (notice, alert, hostile one) and committed: the lag drains to zero.
    const lagged = await eventually(async () => {
      const s = (await scrape(c.gateways.LA!.url)).samples;
      const lag = find(s, 'mx_kafka_consumer_lag_records', { topic: `${c.prefix}mx.inbox.LA` });
      return lag.length > 0 && lag.every((l) => l.value === 0) ? lag : undefined;
    }, 30_000, 'LA\'s consumer lag to drain');
    expect(lagged.every((l) => /^\d+$/.test(l.labels.partition!))).toBe(true);
  });

  it('the audit service reports its tree size, checkpoint, signing state and ingest lag', async () => {
    const store = svc.service.store;
    const before = store.log.size();
    const { samples } = await scrape(svc.url);
    const after = store.log.size();
    const treeSize = find(samples, 'mx_audit_tree_size_leaves')[0]!.value;
    expect(treeSize).toBeGreaterThanOrEqual(before);
    expect(treeSize).toBeLessThanOrEqual(after);
    expect(treeSize).toBeGreaterThan(5);
    const checkpoint = store.latestCheckpoint()!;
    expect(find(samples, 'mx_audit_checkpoint_tree_size_leaves')[0]!.value).toBe(checkpoint.treeSize);
    const age = find(samples, 'mx_audit_checkpoint_age_seconds')[0]!.value;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(600);
    expect(find(samples, 'mx_audit_checkpoint_refusing')[0]!.value).toBe(0);
    for (const gateway of ['LA', 'TH']) expect(find(samples, 'mx_audit_ingest_lag_seconds', { gateway })[0]!.value).toBeGreaterThanOrEqual(0);
    expect(find(samples, 'mx_kafka_consumer_lag_records', { topic: `${c.prefix}mx.audit` }).length).toBeGreaterThan(0);
    // Each leaf appended before the scrape had its signature verified first.
    expect(sum(samples, 'mx_envelope_operation_duration_seconds_count', { operation: 'verify' })).toBeGreaterThanOrEqual(before);
    expect(find(samples, 'mx_records_quarantined_total', { reason: 'MALFORMED' })[0]?.value).toBe(0);
  });

  it('no label carries personal data, an id, a case reference, an officer or a token; every label name is from the closed set', async () => {
    const forbidden = [...PERSONAL_FIXTURE_STRINGS, CASE_REF, OFFICER_SUBJECT, 'metrics-secret-officer', noticeId, alertId, METRICS_TOKEN, TRACE_ID];
    for (const url of [c.gateways.TH!.url, c.gateways.LA!.url, svc.url]) {
      const { text, samples } = await scrape(url);
      for (const s of forbidden) expect({ url, leaked: s, found: text.includes(s) }).toEqual({ url, leaked: s, found: false });
      for (const sample of samples) {
        for (const [name, value] of Object.entries(sample.labels)) {
          const allowed = (sample.name.startsWith('mx_') ? MX_LABELS : PROCESS_LABELS).has(name);
          expect({ metric: sample.name, label: name, allowed }).toEqual({ metric: sample.name, label: name, allowed: true });
          // No raw path with an id, no UUID anywhere in a label value.
          expect({ metric: sample.name, value, id: /[0-9a-f]{8}-[0-9a-f]{4}-/.test(value) }).toEqual({ metric: sample.name, value, id: false });
        }
        if (sample.name.startsWith('mx_http_')) expect(sample.labels.route).toMatch(/^(\/[A-Za-z0-9/:._*-]*|unmatched)$/);
      }
    }
  });
});

describe('access log and request ids', () => {
  const accessLines = (endpoint: string) => logs[endpoint]!.lines().filter((l) => l.msg === 'http');

  it('echoes and logs a sane X-Request-Id; replaces a missing or malformed one with a UUID', async () => {
    const url = c.gateways.TH!.url;
    const given = `req-${randomBytes(6).toString('hex')}:a.b_c`;
    const kept = await fetch(`${url}/v1/health`, { headers: { 'x-request-id': given } });
    expect(kept.headers.get('x-request-id')).toBe(given);
    const line = await eventually(() => accessLines('TH').find((l) => l.requestId === given), 5_000, 'the access-log line');
    expect(line).toEqual(expect.objectContaining({ method: 'GET', route: '/v1/health', path: '/v1/health', status: 200, ms: expect.any(Number) }));

    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const bad of [undefined, 'has spaces in it', 'x'.repeat(129), 'semi;colon']) {
      const res = await fetch(`${url}/v1/health`, { headers: bad === undefined ? {} : { 'x-request-id': bad } });
      const echoed = res.headers.get('x-request-id')!;
      expect(echoed).toMatch(uuid);
      await eventually(() => accessLines('TH').find((l) => l.requestId === echoed), 5_000, 'the access-log line with the new id');
      if (bad !== undefined) expect(logs.TH!.text()).not.toContain(bad);
    }
  });

  it('a problem answer is logged with its request id; the query string never is', async () => {
    const res = await fetch(`${c.gateways.TH!.url}/v1/inbox?cursor=SECRET-QUERY-VALUE`, { headers: { 'x-request-id': 'problem-req-1' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('problem-req-1');
    const line = await eventually(() => accessLines('TH').find((l) => l.requestId === 'problem-req-1'), 5_000, 'the access-log line');
    expect(line).toEqual(expect.objectContaining({ path: '/v1/inbox', route: '/v1/inbox', status: 401 }));
    expect(logs.TH!.text()).not.toContain('SECRET-QUERY-VALUE');
  });
});

describe('trace context across gateways', () => {
  it('the notice\'s trace id is in the receiver\'s log line for its record, and in the sender\'s for the receipts', async () => {
    const row = c.gateways.LA!.gateway.store.inboxByKey('TH', noticeId)!;
    const received = await eventually(
      () => logs.LA!.lines().find((l) => l.msg === 'record received' && l.partition === row.partition && l.offset === row.offset),
      10_000,
      'LA\'s log line for the notice record',
    );
    expect(received).toEqual(expect.objectContaining({ outcome: 'stored', traceId: TRACE_ID }));
    // A new span at every hop: the HTTP request's, the Kafka record's, the receiver's.
    expect(received.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(received.spanId).not.toBe('00f067aa0ba902b7');
    // It travelled in the outbox row's headers (the relay publishes from the store), as a new span of the request's trace.
    const outboxHeaders = JSON.parse((c.gateways.TH!.gateway.db.prepare("SELECT headers FROM outbox WHERE kind = 'notice' AND ref = ?").get(noticeId) as { headers: string }).headers) as Record<string, string>;
    expect(outboxHeaders.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(outboxHeaders.traceparent).not.toBe(TRACEPARENT);
    // The submission's access-log line at TH is under the same trace.
    expect(logs.TH!.lines().some((l) => l.msg === 'http' && l.route === '/v1/notices' && l.traceId === TRACE_ID)).toBe(true);
    // The delivery receipt LA sent back carries the trace on: TH logs it under the same id.
    const receipts = await eventually(() => {
      const r = logs.TH!.lines().filter((l) => l.msg === 'record received' && l.outcome === 'receipt' && l.traceId === TRACE_ID);
      return r.length > 0 ? r : undefined;
    }, 10_000, 'TH\'s log line for the delivery receipt');
    expect(new Set(receipts.map((r) => r.spanId)).has(received.spanId)).toBe(false);
    // The alert, submitted without a traceparent, started a trace of its own.
    const alertRow = c.gateways.LA!.gateway.store.inboxByKey('TH', alertId)!;
    const alertLine = logs.LA!.lines().find((l) => l.msg === 'record received' && l.partition === alertRow.partition && l.offset === alertRow.offset);
    expect(alertLine?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(alertLine?.traceId).not.toBe(TRACE_ID);
  });

  it('a malformed traceparent header on a record is ignored: the notice is stored under a new trace', async () => {
    const doc = buildDocument('victim-repatriation-notice', { from: 'TH', to: ['LA'], caseRef: 'TH-2026-731338' });
    const record = await signAs(c, 'TH', doc);
    const publisher = new RecordPublisher(testKafka(uniqueName('trace')));
    try {
      await publisher.publish([{ topic: wire.inbox('LA'), records: [{ key: doc.caseRef!, value: record, headers: { traceparent: '00-zzzz-not-a-trace-01' } }] }]);
    } finally {
      await publisher.close();
    }
    const row = await eventually(() => c.gateways.LA!.gateway.store.inboxByKey('TH', doc.id), 20_000, 'the notice stored at LA');
    const line = await eventually(() => logs.LA!.lines().find((l) => l.msg === 'record received' && l.partition === row.partition && l.offset === row.offset), 10_000, 'its log line');
    expect(line.outcome).toBe('stored');
    expect(line.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(logs.LA!.text()).not.toContain('not-a-trace');
  });
});
