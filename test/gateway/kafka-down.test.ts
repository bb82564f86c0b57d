/**
 * Kafka down, on a broker of this test's own (the shared one is never touched): TH and LA run as
 * child processes; the broker's JVM is SIGKILLed, officers keep submitting (202, queued), readiness
 * reports 503; then the same broker (same port, cluster and data) comes back and every queued
 * notice is published and delivered exactly once, without restarting a gateway.
 */
import { mkdtempSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayAudience, mintToken } from '../../services/core/src/idp/dev-idp.ts';
import { Kafka, logLevel } from 'kafkajs';
import { freePort, startLocalBroker, type LocalBroker } from '../../services/core/src/kafka/local-broker.ts';
import { ensureTopics, RecordPublisher } from '../../services/core/src/kafka/transport.ts';
import { gatewayEnv, setupDeployment, type Deployment } from '../../services/cli/src/deployment/setup.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { eventually, portClosed, uniqueName } from '../support/kafka.ts';
import { GatewayProcess, killAllGateways, withStore } from '../support/processes.ts';

const SESSION_TIMEOUT_MS = 3000;

let brokerDir: string;
let broker: LocalBroker | undefined;
let restarted: LocalBroker | undefined;
let dep: Deployment;
const gw: Record<string, GatewayProcess> = {};
const tokens: Record<string, string> = {};
let caseNo = 100_000 + Math.floor(Math.random() * 800_000);
const timings: Record<string, number> = {};

beforeAll(async () => {
  brokerDir = mkdtempSync(join(tmpdir(), 'mx-kafka-down-broker-'));
  broker = await startLocalBroker({
    dir: brokerDir,
    extraProperties: {
      // Consumer group members lost with the broker are replaced quickly.
      'group.min.session.timeout.ms': '1000',
      // The restarted broker waits for its own previous registration to expire before it serves.
      'broker.session.timeout.ms': '4000',
      'broker.heartbeat.interval.ms': '500',
    },
  });
  dep = await setupDeployment(mkdtempSync(join(tmpdir(), 'mx-kafka-down-')), ['TH', 'LA']);
  const prefix = `${uniqueName('down')}.`;
  for (const e of ['TH', 'LA']) {
    tokens[e] = await mintToken(dep.idpPrivateJwks, { subject: `officer@${e}`, endpoint: e, agency: `${e} test agency`, roles: ['liaison-officer'], audience: gatewayAudience(e) });
    gw[e] = await GatewayProcess.spawn({
      env: { ...gatewayEnv(dep, e, broker.brokers, { topicPrefix: prefix }), MX_CONSUMER_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS) },
      logFile: join(dep.dir, `${e}.log`),
    });
    await gw[e]!.waitForConsumer({ timeoutMs: 45_000 });
  }
}, 120_000);

afterAll(async () => {
  await killAllGateways();
  // The restarted broker first: the first one's stop() removes the directory they share.
  await restarted?.stop();
  await broker?.stop();
  if (Object.keys(timings).length > 0) console.log(`[kafka-down] timings (ms): ${JSON.stringify(timings)}`);
}, 90_000);

const storeOf = (e: string) => join(dep.dir, 'data', e, 'gateway.sqlite');

async function submit(): Promise<{ status: number; body: { id: string; status: string } }> {
  return gw.TH!.call('POST', '/v1/notices', {
    token: tokens.TH!,
    body: { type: 'victim-repatriation-notice', to: ['LA'], caseRef: `TH-2026-${String(caseNo++).padStart(6, '0')}`, body: loadBody('victim-repatriation-notice') },
  });
}

async function lifecycle(id: string): Promise<{ status: string; recipients: { endpoint: string; published: boolean; delivered: boolean }[] }> {
  const r = await gw.TH!.call('GET', `/v1/messages/${id}`, { token: tokens.TH! });
  expect(r.status).toBe(200);
  return r.body;
}

async function allDelivered(ids: readonly string[], timeoutMs: number, what: string): Promise<void> {
  await eventually(async () => {
    for (const id of ids) if ((await lifecycle(id)).status !== 'delivered') return undefined;
    return true;
  }, timeoutMs, what);
}

async function readiness(e: string): Promise<{ status: number; ms: number }> {
  const t0 = Date.now();
  const r = await gw[e]!.call('GET', '/v1/ready');
  return { status: r.status, ms: Date.now() - t0 };
}


test('with the broker killed, notices are accepted and queued and readiness is 503; once it returns, every one is published and delivered exactly once', async () => {
  // Warm up: the producer has an idempotent session and sequence numbers, the consumers own their partitions.
  const first = await submit();
  expect(first.status).toBe(202);
  await allDelivered([first.body.id], 20_000, 'the warm-up notice');
  expect((await readiness('TH')).status).toBe(200);

  broker!.kill();
  await portClosed(broker!.brokers[0]!);
  const downAt = Date.now();

  // Kafka is gone: accepting still works, and nothing claims to be published.
  const queued: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await submit();
    expect(r.status).toBe(202);
    expect(r.body.status).toBe('queued');
    queued.push(r.body.id);
  }
  timings.submitWhileDown = Date.now() - downAt;
  for (const id of queued) {
    const m = await lifecycle(id);
    expect(m.status).toBe('queued');
    expect(m.recipients).toEqual([expect.objectContaining({ endpoint: 'LA', published: false, delivered: false })]);
  }
  for (const e of ['TH', 'LA']) {
    const r = await readiness(e);
    expect(r.status).toBe(503);
    timings[`ready503_${e}`] = r.ms;
  }

  // Down until the relay has failed on every queued notice and backed off more than once (by then
  // the consumers have also run out of their own retries): counted in TH's outbox, not by the clock.
  const retriedRows = () =>
    withStore(storeOf('TH'), (db) => (db.prepare("SELECT count(*) AS n FROM outbox WHERE kind = 'notice' AND published_at IS NULL AND attempts >= 3 AND last_error IS NOT NULL").get() as { n: number }).n);
  await eventually(() => (retriedRows() >= queued.length ? true : undefined), 90_000, 'the relay to retry every queued notice');
  timings.relayRetried = Date.now() - downAt;
  for (let i = 0; i < 5; i++) {
    const r = await submit();
    expect(r.status).toBe(202);
    queued.push(r.body.id);
  }
  for (const id of queued) expect((await lifecycle(id)).status).toBe('queued');
  timings.down = Date.now() - downAt;

  // The same broker comes back: same port, same cluster, same data.
  restarted = await startLocalBroker({ dir: brokerDir });
  expect(restarted.brokers).toEqual(broker!.brokers);
  const upAt = Date.now();
  timings.brokerRestart = restarted.startMs;

  await eventually(async () => ((await readiness('TH')).status === 200 && (await readiness('LA')).status === 200 ? true : undefined), 30_000, 'both gateways ready');
  timings.readyAfterReturn = Date.now() - upAt;
  await eventually(async () => {
    for (const id of queued) if (!(await lifecycle(id)).recipients[0]!.published) return undefined;
    return true;
  }, 45_000, 'every queued notice published');
  timings.publishedAfterReturn = Date.now() - upAt;
  await allDelivered(queued, 45_000, 'every queued notice delivered');
  timings.deliveredAfterReturn = Date.now() - upAt;

  // Exactly once at LA: one inbox entry and one `delivered` event each; nothing quarantined.
  const la = withStore(storeOf('LA'), (db) => ({
    per: [first.body.id, ...queued].map((id) => ({
      id,
      inbox: (db.prepare("SELECT count(*) AS n FROM inbox WHERE from_ep = 'TH' AND id = ?").get(id) as { n: number }).n,
      delivered: (db.prepare("SELECT count(*) AS n FROM audit_events WHERE json_extract(fact, '$.action') = 'delivered' AND json_extract(fact, '$.messageId') = ?").get(id) as { n: number }).n,
    })),
    total: (db.prepare('SELECT count(*) AS n FROM inbox').get() as { n: number }).n,
    dead: (db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n,
  }));
  expect(la.per.filter((p) => p.inbox !== 1 || p.delivered !== 1)).toEqual([]);
  expect(la.total).toBe(1 + queued.length);
  expect(la.dead).toBe(0);

  // Not stuck afterwards: a new notice goes through at normal speed.
  const t0 = Date.now();
  const after = await submit();
  await allDelivered([after.body.id], 10_000, 'a notice after recovery');
  timings.freshNoticeAfterRecovery = Date.now() - t0;
}, 240_000);

/**
 * A broker that answers late, under the test's control: a TCP relay in front of a broker that
 * advertises the relay's address, so every kafkajs connection (bootstrap and leader) passes through
 * it. While holding, requests still reach the broker (which appends) but its answers wait in the
 * relay; released, they are delivered, late. Unlike freezing the JVM, nothing here depends on how
 * fast a loaded machine stops a process or whether the broker fences itself after a long freeze.
 */
class StallingRelay {
  private holding = false;
  private readonly links = new Set<{ client: Socket; upstream: Socket; held: Buffer[] }>();
  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(targetPort: number): Promise<StallingRelay> {
    let relay: StallingRelay | undefined;
    const server = createServer((client) => relay!.link(client, targetPort));
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
    relay = new StallingRelay(server, port);
    return relay;
  }

  private link(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    const l = { client, upstream, held: [] as Buffer[] };
    this.links.add(l);
    client.on('data', (d: Buffer) => upstream.write(d));
    upstream.on('data', (d: Buffer) => (this.holding ? l.held.push(d) : client.write(d)));
    const close = () => {
      this.links.delete(l);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }

  /** From now on the broker's answers wait in the relay. */
  hold(): void {
    this.holding = true;
  }

  /** Delivers what was held, in order, and passes answers through again. */
  release(): void {
    this.holding = false;
    for (const l of this.links) for (const d of l.held.splice(0)) l.client.write(d);
  }

  async close(): Promise<void> {
    for (const l of this.links) (l.client.destroy(), l.upstream.destroy());
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

test('a broker that stalls past the request timeout and then appends the timed-out batch does not wedge the idempotent publisher', async () => {
  const brokerPort = await freePort();
  const relay = await StallingRelay.start(brokerPort);
  const b = await startLocalBroker({ port: brokerPort, extraProperties: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${relay.port}` } });
  const kafka = new Kafka({ clientId: 'mx-stall-test', brokers: [`127.0.0.1:${relay.port}`], logLevel: logLevel.NOTHING, requestTimeout: 1000, connectionTimeout: 1000, retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 100 } });
  const topic = uniqueName('stall');
  const publisher = new RecordPublisher(kafka);
  const admin = kafka.admin();
  try {
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    await admin.connect();
    const high = async () => (await admin.fetchTopicOffsets(topic))[0]!.high;
    await publisher.publish([{ topic, records: [{ key: 'k', value: 'warm-up' }] }]);
    expect(await high()).toBe('1');
    // The batch reaches the broker, its answer does not reach kafkajs: the send times out (both
    // attempts; the retry carries the same sequence number) and kafkajs rolls its sequence back...
    relay.hold();
    try {
      await expect(publisher.publish([{ topic, records: [{ key: 'k', value: 'one' }] }])).rejects.toThrow(/timed out/i);
    } finally {
      relay.release();
    }
    // ...while the broker appended it once. The next, different batch must still be accepted.
    await eventually(async () => ((await high()) === '2' ? true : undefined), 20_000, 'the timed-out batch appended');
    await publisher.publish([{ topic, records: [{ key: 'k', value: 'one' }, { key: 'k', value: 'two' }] }]);
    expect(await high()).toBe('4');
  } finally {
    await admin.disconnect();
    await publisher.close();
    await relay.close();
    await b.stop();
  }
}, 120_000);
