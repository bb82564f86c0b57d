/**
 * One broker of three lost under steady load, on a three-node cluster of this test's own (the
 * shared broker is never touched): topics at replication factor 3 and min ISR 2, LA and TH in this
 * process sending each other notices over HTTP at a steady rate. The broker leading most of their
 * inbox partitions is SIGKILLed while they send; the two left keep serving (notices sent meanwhile
 * are delivered); it comes back on the same ports and data and rejoins every ISR. Once the load stops
 * and everything has settled, each receiver holds exactly the notices its sender accepted (202),
 * none twice, and each sender has a verified receipt for every one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs, { type Admin } from 'kafkajs';
import { ensureDeploymentKafkaPasswords } from '../../services/cli/src/deployment/kafka.ts';
import { startLocalBroker, type LocalBroker, type LocalBrokerNode } from '../../services/core/src/kafka/local-broker.ts';
import { createKafka, topicNames } from '../../services/core/src/kafka/transport.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually, portClosed } from '../support/kafka.ts';
import { withStore } from '../support/processes.ts';

const { ConfigResourceTypes } = kafkajs;

const SENDERS = { TH: 'LA', LA: 'TH' } as const;
type Sender = keyof typeof SENDERS;
/** Notices per second each sender submits: steady, and light enough for 3 JVMs and 2 gateways on 2 cores. */
const RATE_PER_SENDER = 5;
/** Delivered notices each phase must show per sender before the next phase begins. */
const PER_PHASE = 8;
/** The load loop's bounds: it stops by itself whatever happens to the test. */
const MAX_PER_SENDER = 3000;
const MAX_LOAD_MS = 300_000;

let secrets: string;
let kafkaCluster: LocalBroker | undefined;
let gws: Cluster | undefined;
let admin: Admin | undefined;
let loadStopped = true;
let loops: Promise<void>[] = [];

type Phase = 'before' | 'down' | 'back';
let phase: Phase = 'before';
/** Every 202 the senders got, with the phase it was accepted in. */
const accepted: Record<Sender, { id: string; phase: Phase }[]> = { TH: [], LA: [] };
/** Every other answer (none is expected: accepting a notice needs the gateway's store, not Kafka). */
const refused: { from: Sender; status: number; code?: string }[] = [];

beforeAll(async () => {
  secrets = mkdtempSync(join(tmpdir(), 'mx-cluster-loss-kafka-'));
  kafkaCluster = await startLocalBroker({
    nodes: 3,
    security: { secretsDir: secrets, users: ensureDeploymentKafkaPasswords(secrets, Object.keys(SENDERS)) },
    extraProperties: {
      // A killed broker is fenced (and dropped from every ISR) after 4 s rather than 9 s.
      'broker.session.timeout.ms': '4000',
      'broker.heartbeat.interval.ms': '500',
    },
  });
  gws = await startCluster(Object.keys(SENDERS), {
    kafka: { brokers: kafkaCluster.brokers, secretsDir: secrets, replicationFactor: 3 },
    env: { MX_RATE_LIMIT_PER_OFFICER: '0', MX_RATE_LIMIT_PER_ENDPOINT: '0', MX_TOPIC_REPLICATION_FACTOR: '3' },
  });
  admin = createKafka({ brokers: kafkaCluster.brokers, clientId: 'mx-cluster-loss-test', ...(kafkaCluster.admin ? { security: kafkaCluster.admin } : {}) }).admin();
  await admin.connect();
}, 300_000);

afterAll(async () => {
  loadStopped = true;
  await Promise.all(loops);
  await admin?.disconnect().catch(() => {});
  await gws?.stop();
  await kafkaCluster?.stop();
  if (secrets) rmSync(secrets, { recursive: true, force: true });
}, 120_000);

const storeOf = (e: string) => join(gws!.dep.dir, 'data', e, 'gateway.sqlite');
const topics = () => topicNames(gws!.prefix);
const inboxes = () => Object.keys(SENDERS).map((e) => topics().inbox(e));
const deploymentTopics = () => [...inboxes(), ...Object.keys(SENDERS).map((e) => topics().dlq(e)), topics().audit];

/** Submits notices from `from` at a steady rate until the load is stopped (or its bounds are reached). */
async function loadLoop(from: Sender): Promise<void> {
  const token = await gws!.token(from, ['liaison-officer']);
  const started = Date.now();
  let caseNo = 100_000 + Math.floor(Math.random() * 800_000);
  for (let i = 0; !loadStopped && i < MAX_PER_SENDER && Date.now() - started < MAX_LOAD_MS; i++) {
    const next = started + ((i + 1) * 1000) / RATE_PER_SENDER;
    const during = phase;
    const r = await gws!.call(from, 'POST', '/v1/notices', {
      token,
      body: { type: 'victim-repatriation-notice', to: [SENDERS[from]], caseRef: `${from}-2026-${String(caseNo++).padStart(6, '0')}`, body: loadBody('victim-repatriation-notice') },
    });
    if (r.status === 202) accepted[from].push({ id: r.body.id, phase: during });
    else refused.push({ from, status: r.status, code: r.body?.code });
    // Pacing of the load, not a wait for an outcome.
    await new Promise((res) => setTimeout(res, Math.max(0, next - Date.now())));
  }
}

/** Message ids whose sender has taken in a verified `accepted` receipt (its `receipt-received` audit event). */
function receipted(from: Sender): Set<string> {
  return new Set(
    withStore(storeOf(from), (db) =>
      (db.prepare("SELECT json_extract(fact, '$.messageId') AS id FROM audit_events WHERE json_extract(fact, '$.action') = 'receipt-received' AND json_extract(fact, '$.outcome') = 'accepted'").all() as { id: string }[]).map((r) => r.id),
    ),
  );
}

/** Waits until at least `n` notices each sender accepted in `p` have come back with a receipt. */
async function deliveredIn(p: Phase, n: number, timeoutMs: number): Promise<void> {
  for (const from of Object.keys(SENDERS) as Sender[]) {
    await eventually(() => {
      const got = receipted(from);
      return accepted[from].filter((a) => a.phase === p && got.has(a.id)).length >= n ? true : undefined;
    }, timeoutMs, `${n} notices from ${from} accepted while the cluster was '${p}' delivered with a receipt`);
  }
}

/** Each partition's leader, replicas and ISR. */
async function partitions(names: string[]) {
  const meta = await admin!.fetchTopicMetadata({ topics: names });
  return meta.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr })));
}

/** Whether every partition of `names` satisfies `ok`; a metadata request that failed (the broker it went to was just lost) is a no. */
async function everyPartition(names: string[], ok: (p: Awaited<ReturnType<typeof partitions>>[number]) => boolean): Promise<true | undefined> {
  try {
    return (await partitions(names)).every(ok) ? true : undefined;
  } catch {
    return undefined;
  }
}

test('one broker of three SIGKILLed and brought back under steady load: no accepted notice lost or duplicated, every receipt verified', async () => {
  // The topics are what provisioning at replication factor 3 makes: three replicas, min ISR 2.
  const parts = await partitions(deploymentTopics());
  expect(parts.length).toBeGreaterThan(0);
  expect(parts.filter((p) => p.replicas.length !== 3)).toEqual([]);
  const configs = await admin!.describeConfigs({ resources: deploymentTopics().map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })), includeSynonyms: false });
  expect(configs.resources.map((r) => r.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue)).toEqual(deploymentTopics().map(() => '2'));

  loadStopped = false;
  loops = (Object.keys(SENDERS) as Sender[]).map((from) => loadLoop(from));
  await deliveredIn('before', PER_PHASE, 90_000);

  // The victim: the broker leading most inbox partitions, so the loss hits records in flight.
  const leaders = (await partitions(inboxes())).map((p) => p.leader);
  const victimId = [1, 2, 3].sort((a, b) => leaders.filter((l) => l === b).length - leaders.filter((l) => l === a).length)[0]!;
  const victim: LocalBrokerNode = kafkaCluster!.nodes.find((n) => n.id === victimId)!;
  phase = 'down';
  victim.kill();
  await portClosed(victim.broker);
  // The port can close before the JVM's exit is reported to this process.
  await eventually(() => (victim.running ? undefined : true), 30_000, 'the killed JVM has exited');

  // Two brokers of three still make min ISR: notices sent now go through while it is down.
  await eventually(() => everyPartition(inboxes(), (p) => p.leader !== victimId && p.leader >= 0), 60_000, 'every inbox partition led by a live broker');
  await deliveredIn('down', PER_PHASE, 120_000);
  expect(victim.running).toBe(false);

  // Back on the same ports and data; it catches up and rejoins every ISR.
  await victim.start();
  phase = 'back';
  await eventually(() => everyPartition(deploymentTopics(), (p) => p.isr.includes(victimId)), 120_000, `broker ${victimId} back in every ISR`);
  await deliveredIn('back', PER_PHASE, 120_000);

  loadStopped = true;
  await Promise.all(loops);
  expect(refused).toEqual([]);

  // Settled: every notice and receipt published, every inbox consumed and its offsets committed;
  // from then on a lost or duplicated record would show in the counts below.
  for (const from of Object.keys(SENDERS) as Sender[]) {
    await eventually(() => (accepted[from].every((a) => receipted(from).has(a.id)) ? true : undefined), 120_000, `every notice from ${from} receipted`);
  }
  for (const e of Object.keys(SENDERS)) {
    await eventually(
      () => (withStore(storeOf(e), (db) => (db.prepare("SELECT count(*) AS n FROM outbox WHERE kind IN ('notice', 'receipt') AND published_at IS NULL").get() as { n: number }).n) === 0 ? true : undefined),
      60_000,
      `${e}'s outbox published`,
    );
  }
  for (const e of Object.keys(SENDERS)) {
    const topic = topics().inbox(e);
    await eventually(async () => {
      const [high, committed] = await Promise.all([admin!.fetchTopicOffsets(topic), admin!.fetchOffsets({ groupId: `${gws!.prefix}mx-gateway-${e}`, topics: [topic] })]).catch(() => [undefined, undefined] as const);
      if (high === undefined || committed === undefined) return undefined;
      const at = new Map(committed[0]!.partitions.map((p) => [p.partition, p.offset]));
      return high.every((h) => h.high === '0' || at.get(h.partition) === h.high) ? true : undefined;
    }, 60_000, `${e} consuming all of ${topic}`);
  }

  for (const from of Object.keys(SENDERS) as Sender[]) {
    const to = SENDERS[from];
    const ids = accepted[from].map((a) => a.id).sort();
    expect(new Set(ids).size).toBe(ids.length);
    const atReceiver = withStore(storeOf(to), (db) => ({
      inbox: (db.prepare('SELECT id FROM inbox WHERE from_ep = ? ORDER BY id').all(from) as { id: string }[]).map((r) => r.id),
      delivered: db.prepare("SELECT json_extract(fact, '$.messageId') AS id, count(*) AS n FROM audit_events WHERE json_extract(fact, '$.action') = 'delivered' AND json_extract(fact, '$.counterpart') = ? GROUP BY id").all(from) as { id: string; n: number }[],
      deadLetters: (db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n,
    }));
    // Exactly the accepted set at the receiver: nothing lost, nothing extra, nothing stored twice.
    expect(atReceiver.inbox).toEqual(ids);
    expect(atReceiver.delivered.map((d) => d.id).sort()).toEqual(ids);
    expect(atReceiver.delivered.filter((d) => d.n !== 1)).toEqual([]);
    expect(atReceiver.deadLetters).toBe(0);
    // One verified receipt each at the sender, and the lifecycle the officer sees says delivered.
    const receipts = withStore(storeOf(from), (db) =>
      db.prepare("SELECT json_extract(fact, '$.messageId') AS id, count(*) AS n FROM audit_events WHERE json_extract(fact, '$.action') = 'receipt-received' GROUP BY id").all() as { id: string; n: number }[],
    );
    expect(receipts.map((r) => r.id).sort()).toEqual(ids);
    expect(receipts.filter((r) => r.n !== 1)).toEqual([]);
    const token = await gws!.token(from, ['liaison-officer']);
    const notDelivered: string[] = [];
    for (const id of ids) {
      const m = await gws!.call(from, 'GET', `/v1/messages/${id}`, { token });
      if (m.status !== 200 || m.body.status !== 'delivered' || !m.body.recipients.every((r: { delivered: boolean }) => r.delivered)) notDelivered.push(id);
    }
    expect(notDelivered).toEqual([]);
  }
  // The load spanned the loss: notices were accepted before, during and after it.
  for (const from of Object.keys(SENDERS) as Sender[]) for (const p of ['before', 'down', 'back'] as const) expect(accepted[from].filter((a) => a.phase === p).length).toBeGreaterThanOrEqual(PER_PHASE);
  console.log(`[cluster-loss] broker ${victimId} killed; accepted ${JSON.stringify(Object.fromEntries(Object.entries(accepted).map(([k, v]) => [k, v.length])))}`);
}, 420_000);
