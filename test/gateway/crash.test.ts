/**
 * Crash, not a polite stop: TH and LA run as real child processes on the shared broker (own
 * deployment, fresh topic prefix) and are SIGKILLed at the injected points (`MX_CRASH_AT`) and at
 * random moments of a burst. After each restart every accepted notice is in LA's inbox exactly
 * once and every receipt reaches TH. The stores are read directly (read-only SQLite) besides the
 * HTTP API, so the test sees the redelivery and the second publication it is about, not just the
 * happy outcome. The tests share the two gateways and build on each other: run the file whole.
 */
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { gatewayAudience, mintToken } from '../../services/core/src/idp/dev-idp.ts';
import { gatewayEnv, type Deployment } from '../../services/cli/src/deployment/setup.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { eventually, provisionTestKafka, testBrokers, testDeployment, testKafka, uniqueName } from '../support/kafka.ts';
import { GatewayProcess, killAllGateways, withStore } from '../support/processes.ts';

/** The broker's default `group.min.session.timeout.ms`: the shortest a killed member can linger. */
const SESSION_TIMEOUT_MS = 6000;

let dep: Deployment;
let prefix: string;
let admin: Admin;
const gw: Record<'TH' | 'LA', GatewayProcess | undefined> = { TH: undefined, LA: undefined };
const tokens: Record<string, string> = {};
let caseNo = 100_000 + Math.floor(Math.random() * 800_000);
const recovery: Record<string, number> = {};

beforeAll(async () => {
  dep = await testDeployment('mx-crash-', ['TH', 'LA']);
  prefix = `${uniqueName('crash')}.`;
  await provisionTestKafka({ endpoints: ['TH', 'LA'], topicPrefix: prefix });
  admin = testKafka('mx-crash-test').admin();
  await admin.connect();
  for (const e of ['TH', 'LA']) {
    tokens[e] = await mintToken(dep.idpPrivateJwks, { subject: `officer@${e}`, endpoint: e, agency: `${e} test agency`, roles: ['liaison-officer'], audience: gatewayAudience(e) });
  }
});

afterAll(async () => {
  await killAllGateways();
  await admin?.disconnect();
  if (Object.keys(recovery).length > 0) console.log(`[crash] recovery times (ms): ${JSON.stringify(recovery)}`);
});

const storeOf = (e: string) => join(dep.dir, 'data', e, 'gateway.sqlite');

/** Starts a gateway process and waits until its inbox consumer owns its partitions. */
async function start(e: 'TH' | 'LA', extra: Record<string, string> = {}): Promise<GatewayProcess> {
  const p = await GatewayProcess.spawn({
    env: { ...gatewayEnv(dep, e, testBrokers(), { topicPrefix: prefix }), MX_CONSUMER_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS), ...extra },
    logFile: join(dep.dir, `${e}.log`),
  });
  gw[e] = p;
  await p.waitForConsumer({ timeoutMs: 45_000 });
  return p;
}

function the(e: 'TH' | 'LA'): GatewayProcess {
  const p = gw[e];
  if (!p || p.exit) throw new Error(`${e} is not running`);
  return p;
}

/** TH submits a victim notice to LA (a new case each); resolves with the 202 body. */
async function submit(): Promise<{ status: number; body: { id: string; status: string } }> {
  return the('TH').call('POST', '/v1/notices', {
    token: tokens.TH!,
    body: { type: 'victim-repatriation-notice', to: ['LA'], caseRef: `TH-2026-${String(caseNo++).padStart(6, '0')}`, body: loadBody('victim-repatriation-notice') },
  });
}

async function lifecycleAtTH(id: string): Promise<{ status: string; recipients: { endpoint: string; published: boolean; delivered: boolean }[] }> {
  const r = await the('TH').call('GET', `/v1/messages/${id}`, { token: tokens.TH! });
  expect(r.status).toBe(200);
  return r.body;
}

async function deliveredAtTH(ids: readonly string[], timeoutMs: number): Promise<void> {
  await eventually(async () => {
    for (const id of ids) {
      const m = await lifecycleAtTH(id);
      if (!m.recipients.every((r) => r.published && r.delivered)) return undefined;
    }
    return true;
  }, timeoutMs, `receipts for ${ids.length} notice(s) at TH`);
}

/** LA's store: inbox entries, `delivered` audit events and queued receipts per message id, and the dead letters. */
function laFacts(ids: readonly string[]) {
  return withStore(storeOf('LA'), (db) => {
    const per = ids.map((id) => ({
      id,
      inbox: (db.prepare("SELECT count(*) AS n FROM inbox WHERE from_ep = 'TH' AND id = ?").get(id) as { n: number }).n,
      delivered: (db.prepare("SELECT count(*) AS n FROM audit_events WHERE json_extract(fact, '$.action') = 'delivered' AND json_extract(fact, '$.messageId') = ?").get(id) as { n: number }).n,
      receipts: (db.prepare("SELECT count(*) AS n FROM outbox WHERE kind = 'receipt' AND ref = ?").get(id) as { n: number }).n,
    }));
    const deadLetters = (db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n;
    const inboxTotal = (db.prepare('SELECT count(*) AS n FROM inbox').get() as { n: number }).n;
    return { per, deadLetters, inboxTotal };
  });
}

/** TH's store: receipts taken in per message id, and the notice's outbox row. */
function thFacts(ids: readonly string[]) {
  return withStore(storeOf('TH'), (db) =>
    ids.map((id) => ({
      id,
      receiptsReceived: (db.prepare("SELECT count(*) AS n FROM audit_events WHERE json_extract(fact, '$.action') = 'receipt-received' AND json_extract(fact, '$.messageId') = ?").get(id) as { n: number }).n,
      rows: db.prepare("SELECT attempts, published_at FROM outbox WHERE kind = 'notice' AND ref = ?").all(id) as { attempts: number; published_at: number | null }[],
    })),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until both outboxes have published every notice and receipt and both inbox consumers have
 * committed every record on their topics: from then on a duplicate would already show in a count.
 */
async function settled(): Promise<void> {
  for (const e of ['TH', 'LA'] as const) {
    await eventually(
      () => (withStore(storeOf(e), (db) => (db.prepare("SELECT count(*) AS n FROM outbox WHERE kind IN ('notice', 'receipt') AND published_at IS NULL").get() as { n: number }).n) === 0 ? true : undefined),
      20_000,
      `${e}'s outbox published`,
    );
  }
  for (const e of ['TH', 'LA'] as const) {
    const topic = `${prefix}mx.inbox.${e}`;
    await eventually(async () => {
      const [high, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: `${prefix}mx-gateway-${e}`, topics: [topic] })]);
      const at = new Map(committed[0]!.partitions.map((p) => [p.partition, p.offset]));
      return high.every((h) => h.high === '0' || at.get(h.partition) === h.high) ? true : undefined;
    }, 20_000, `${e} consuming all of ${topic}`);
  }
}

test('LA killed after its store commit, before the Kafka offset commit: the record comes again, is stored once, and the receipt reaches TH', async () => {
  await start('TH');
  const la = await start('LA', { MX_CRASH_AT: 'after-store-commit' });

  const sent = await submit();
  expect(sent.status).toBe(202);
  expect(sent.body.status).toBe('queued');
  const id = sent.body.id;

  expect(await la.exited).toEqual({ code: null, signal: 'SIGKILL' });
  // It died right after the commit: stored, its receipt queued but never published.
  const before = laFacts([id]);
  expect(before.per[0]).toEqual({ id, inbox: 1, delivered: 1, receipts: 1 });
  expect(withStore(storeOf('LA'), (db) => db.prepare("SELECT published_at FROM outbox WHERE kind = 'receipt' AND ref = ?").get(id))).toEqual({ published_at: null });
  await eventually(async () => ((await lifecycleAtTH(id)).recipients[0]!.published ? true : undefined), 10_000, 'TH marking the notice published');
  expect((await lifecycleAtTH(id)).recipients[0]).toMatchObject({ endpoint: 'LA', published: true, delivered: false });

  const t0 = Date.now();
  await start('LA');
  recovery.afterStoreCommit_join = Date.now() - t0;
  await deliveredAtTH([id], 30_000);
  recovery.afterStoreCommit_receipt = Date.now() - t0;

  // Redelivered (its offset was never committed): a duplicate that re-sent the stored receipt, not a second entry.
  await eventually(() => (laFacts([id]).per[0]!.receipts === 2 ? true : undefined), 15_000, 'the redelivered record handled at LA');
  const after = laFacts([id]);
  expect(after.per[0]).toEqual({ id, inbox: 1, delivered: 1, receipts: 2 });
  expect(after.deadLetters).toBe(0);
  const m = await the('LA').call('GET', `/v1/messages/${id}`, { token: tokens.LA! });
  expect(m.status).toBe(200);
  expect(m.body.direction).toBe('received');
  // TH took the receipt in once (the second copy has the same bytes: a no-op).
  await settled();
  expect(thFacts([id])[0]!.receiptsReceived).toBe(1);
  expect((await lifecycleAtTH(id)).status).toBe('delivered');
}, 90_000);

test('TH killed after the broker acknowledged the notice, before marking it: published again, LA keeps one entry, TH ends published and delivered', async () => {
  await the('TH').stop();
  const th = await start('TH', { MX_CRASH_AT: 'after-publish-ack' });

  const sent = await submit();
  expect(sent.status).toBe(202);
  const id = sent.body.id;
  expect(await th.exited).toEqual({ code: null, signal: 'SIGKILL' });

  // The broker has it (LA stores it) while TH's row is still unmarked.
  await eventually(() => (laFacts([id]).per[0]!.inbox === 1 ? true : undefined), 20_000, 'the notice in LA\'s inbox');
  expect(thFacts([id])[0]!.rows).toEqual([{ attempts: 0, published_at: null }]);
  expect(withStore(storeOf('TH'), (db) => db.prepare("SELECT published_at FROM sent_recipients WHERE message_id = ? AND endpoint = 'LA'").get(id))).toEqual({ published_at: null });

  const t0 = Date.now();
  await start('TH');
  recovery.afterPublishAck_join = Date.now() - t0;
  await deliveredAtTH([id], 30_000);
  recovery.afterPublishAck_receipt = Date.now() - t0;

  const rows = thFacts([id])[0]!.rows;
  expect(rows).toHaveLength(1);
  expect(rows[0]!.published_at).not.toBeNull();
  // LA saw the record a second time (a second receipt queued for it) and kept one entry.
  await eventually(() => (laFacts([id]).per[0]!.receipts === 2 ? true : undefined), 20_000, 'the republished copy at LA');
  const la = laFacts([id]);
  expect(la.per[0]).toEqual({ id, inbox: 1, delivered: 1, receipts: 2 });
  expect(la.deadLetters).toBe(0);
  const m = await lifecycleAtTH(id);
  expect(m.status).toBe('delivered');
  expect(m.recipients).toEqual([expect.objectContaining({ endpoint: 'LA', published: true, delivered: true })]);
  await settled();
  expect(thFacts([id])[0]!.receiptsReceived).toBe(1);
  expect(laFacts([id]).per[0]).toEqual({ id, inbox: 1, delivered: 1, receipts: 2 });
}, 90_000);

test('a burst of 20 notices; LA SIGKILLed at a random point mid-stream and restarted: each stored exactly once, every receipt arrives', async () => {
  const N = 20;
  const killAfter = 3 + Math.floor(Math.random() * 10); // stored notices before the kill: 3..12
  const base = laFacts([]).inboxTotal;
  const la = the('LA');

  const submissions = (async () => {
    const out: { status: number; body: { id: string } }[] = [];
    for (let i = 0; i < N; i++) {
      out.push(await submit());
      await sleep(40);
    }
    return out;
  })();
  await eventually(() => (laFacts([]).inboxTotal - base >= killAfter ? true : undefined), 30_000, `${killAfter} notices stored at LA`);
  await la.kill('SIGKILL');
  const storedAtKill = laFacts([]).inboxTotal - base;

  const results = await submissions;
  expect(results.map((r) => r.status)).toEqual(Array(N).fill(202));
  const ids = results.map((r) => r.body.id);
  expect(storedAtKill).toBeLessThan(N); // the kill really fell inside the stream

  const t0 = Date.now();
  await start('LA');
  await deliveredAtTH(ids, 45_000);
  recovery.burstReceiverKill_allReceipts = Date.now() - t0;

  await settled();
  const facts = laFacts(ids);
  expect(facts.per.filter((p) => p.inbox !== 1 || p.delivered !== 1)).toEqual([]);
  expect(facts.inboxTotal - base).toBe(N);
  expect(facts.deadLetters).toBe(0);
  expect(thFacts(ids).filter((t) => t.receiptsReceived !== 1)).toEqual([]);
  console.log(`[crash] burst: LA killed after ${storedAtKill}/${N} stored; all ${N} receipts ${recovery.burstReceiverKill_allReceipts} ms after restart`);
}, 90_000);

test('a burst of 20 notices; TH SIGKILLed at a random point while accepting and publishing: every accepted notice arrives exactly once', async () => {
  const N = 20;
  const killAfter = 3 + Math.floor(Math.random() * 10); // answered 202s before the kill
  const base = laFacts([]).inboxTotal;
  const th = the('TH');

  const accepted: string[] = [];
  let failed = 0;
  for (let i = 0; i < N; i++) {
    // A random few ms later, so the kill may land inside the next request or a relay pass.
    if (accepted.length === killAfter && !th.exit) setTimeout(() => void th.kill('SIGKILL'), Math.floor(Math.random() * 25));
    try {
      const r = await submit();
      expect(r.status).toBe(202);
      accepted.push(r.body.id);
    } catch {
      failed++; // TH is down: never accepted, so nothing is promised for it
    }
    await sleep(20);
  }
  await th.exited;
  expect(accepted.length).toBeGreaterThanOrEqual(killAfter);
  expect(failed).toBeGreaterThan(0);

  const t0 = Date.now();
  await start('TH');
  await deliveredAtTH(accepted, 45_000);
  recovery.burstSenderKill_allReceipts = Date.now() - t0;

  await settled();
  const facts = laFacts(accepted);
  expect(facts.per.filter((p) => p.inbox !== 1 || p.delivered !== 1)).toEqual([]);
  // Whatever reached TH's store is delivered, accepted or not; nothing twice.
  const sentByTh = withStore(storeOf('TH'), (db) => (db.prepare("SELECT count(*) AS n FROM sent WHERE type = 'victim-repatriation-notice'").get() as { n: number }).n);
  expect(facts.inboxTotal).toBe(sentByTh);
  expect(facts.deadLetters).toBe(0);
  expect(thFacts(accepted).filter((t) => t.rows.length !== 1 || t.rows[0]!.published_at === null || t.receiptsReceived !== 1)).toEqual([]);
  console.log(`[crash] burst: TH killed after ${accepted.length} accepted (${failed} refused); all receipts ${recovery.burstSenderKill_allReceipts} ms after restart`);
}, 90_000);

test('after a clean stop both stores agree: every notice TH sent is in LA\'s inbox once, delivered, nothing dead-lettered', async () => {
  await Promise.all([the('TH').stop(), the('LA').stop()]);
  const sent = withStore(storeOf('TH'), (db) => db.prepare('SELECT s.id, r.published_at, r.delivered_at FROM sent s JOIN sent_recipients r ON r.message_id = s.id').all() as { id: string; published_at: number | null; delivered_at: number | null }[]);
  expect(sent.length).toBeGreaterThanOrEqual(25);
  expect(sent.filter((s) => s.published_at === null || s.delivered_at === null)).toEqual([]);
  const la = laFacts(sent.map((s) => s.id));
  expect(la.per.filter((p) => p.inbox !== 1 || p.delivered !== 1)).toEqual([]);
  expect(la.inboxTotal).toBe(sent.length);
  expect(la.deadLetters).toBe(0);
  // The clean stop drained both outboxes.
  for (const e of ['TH', 'LA']) {
    expect(withStore(storeOf(e), (db) => (db.prepare('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL').get() as { n: number }).n)).toBe(0);
  }
});
