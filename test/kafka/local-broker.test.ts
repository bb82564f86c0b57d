/**
 * Failure modes of the local broker launcher, and its three-node cluster with the services creating
 * their topics on it. These tests never touch the shared broker: those that start a broker start their own.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, symlinkSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import kafkajs, { type Admin } from 'kafkajs';
import { pino } from 'pino';
import { ensureKafkaJars, freePort, startLocalBroker, LocalBrokerError, type LocalBroker } from '../../services/core/src/kafka/local-broker.ts';
import { createKafka, ensureTopics, RecordPublisher, topicNames } from '../../services/core/src/kafka/transport.ts';
import { auditEnv, gatewayEnv, setupAudit, setupDeployment } from '../../services/cli/src/deployment/setup.ts';
import { loadAuditConfig } from '../../services/audit/src/config.ts';
import { createAuditService } from '../../services/audit/src/service.ts';
import { loadGatewayConfig } from '../../services/gateway/src/config.ts';
import { createGateway } from '../../services/gateway/src/gateway.ts';
import { SchemaRegistry } from '../../services/core/src/schemas/registry.ts';

function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const restore = () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  try {
    const out = fn();
    if (out instanceof Promise) return out.finally(restore) as T;
    restore();
    return out;
  } catch (e) {
    restore();
    throw e;
  }
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LocalBrokerError);
    return (e as LocalBrokerError).code;
  }
  return undefined;
}

/** A PATH with only the named tools from the real PATH. */
function pathWith(tools: string[]): string {
  const bin = mkdtempSync(join(tmpdir(), 'mx-path-'));
  for (const t of tools) {
    const real = spawnSync('bash', ['-c', `command -v ${t}`], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(real, join(bin, t));
  }
  return bin;
}

describe('local broker launcher failure modes', () => {
  const freshCache = () => mkdtempSync(join(tmpdir(), 'mx-cache-'));

  test('no Java on PATH: JAVA_MISSING', () => {
    expect(withEnv({ MX_CACHE_DIR: freshCache(), PATH: pathWith([]) }, () => codeOf(() => ensureKafkaJars()))).toBe('JAVA_MISSING');
  });

  test('no Maven on PATH: MAVEN_MISSING', () => {
    expect(withEnv({ MX_CACHE_DIR: freshCache(), PATH: pathWith(['java']) }, () => codeOf(() => ensureKafkaJars()))).toBe('MAVEN_MISSING');
  });

  test('Maven Central unreachable: FETCH_FAILED with what Maven said', () => {
    const dir = freshCache();
    mkdirSync(join(dir, 'm2'));
    const settings = join(dir, 'settings.xml');
    writeFileSync(
      settings,
      `<settings><mirrors><mirror><id>nowhere</id><mirrorOf>*</mirrorOf><url>https://127.0.0.1:1/maven2</url></mirror></mirrors></settings>`,
    );
    let err: LocalBrokerError | undefined;
    withEnv({ MX_CACHE_DIR: dir, MX_MAVEN_ARGS: `-s ${settings} -Dmaven.repo.local=${join(dir, 'm2')}` }, () => {
      try {
        ensureKafkaJars();
      } catch (e) {
        err = e as LocalBrokerError;
      }
    });
    expect(err?.code).toBe('FETCH_FAILED');
    expect(err?.message).toMatch(/Maven Central/);
  });

  test('a fixed port that is in use: PORT_IN_USE before anything starts', async () => {
    const port = await freePort();
    const srv: Server = createServer();
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', () => r()));
    try {
      await expect(startLocalBroker({ port })).rejects.toMatchObject({ code: 'PORT_IN_USE' });
    } finally {
      srv.close();
    }
  });

  test('a broker that dies during start-up: START_FAILED showing its last output', async () => {
    // A heap far too small: the JVM fails on start, as a misconfigured broker would.
    const err = await withEnv({ MX_KAFKA_HEAP_OPTS: '-Xmx6m' }, () => startLocalBroker({ startTimeoutMs: 60_000 }).then(
      async (b) => {
        await b.stop();
        return undefined;
      },
      (e: unknown) => e as LocalBrokerError,
    ));
    expect(err?.code).toBe('START_FAILED');
    expect(err?.message).toMatch(/OutOfMemoryError/);
    expect(err?.message).toMatch(/Last lines of/);
  });
});

describe('no broker outlives its owner', () => {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const waitGone = async (pid: number, ms: number) => {
    const end = Date.now() + ms;
    while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    return !alive(pid);
  };

  test('a broker whose owner is SIGKILLed is stopped by its watchdog, which also removes its run directory and record', async () => {
    const script = join(mkdtempSync(join(tmpdir(), 'mx-owner-')), 'owner.mts');
    const launcher = new URL('../../services/core/src/kafka/local-broker.ts', import.meta.url).pathname;
    writeFileSync(script, `import { startLocalBroker } from ${JSON.stringify(launcher)};\nconst b = await startLocalBroker();\nconsole.log('PID ' + b.pid + ' DIR ' + b.dir);\nsetInterval(() => {}, 1000);\n`);
    const { spawn } = await import('node:child_process');
    const owner = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    const [pid, dir] = await new Promise<[number, string]>((resolve, reject) => {
      let buf = '';
      owner.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /PID (\d+) DIR (\S+)\n/.exec(buf);
        if (m) resolve([Number(m[1]), m[2]!]);
      });
      owner.once('exit', () => reject(new Error(`owner exited early: ${buf}`)));
    });
    expect(alive(pid)).toBe(true);
    expect(existsSync(join(dir, 'data'))).toBe(true);
    const { cacheRoot } = await import('../../services/core/src/kafka/local-broker.ts');
    // Other runs on this machine add and remove their own records meanwhile.
    const mine = (f: string) => {
      try {
        return readFileSync(join(cacheRoot(), 'brokers', f), 'utf8').includes(`"pgid":${pid},`);
      } catch {
        return false;
      }
    };
    const records = () => readdirSync(join(cacheRoot(), 'brokers')).filter((f) => f.endsWith('.json') && mine(f));
    expect(records()).toHaveLength(1);
    owner.kill('SIGKILL');
    expect(await waitGone(pid, 30_000)).toBe(true);
    // The watchdog's last act, after its JVM is gone: the Kafka segments and the run record.
    const end = Date.now() + 10_000;
    while (existsSync(dir) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(dir)).toBe(false);
    expect(records()).toEqual([]);
  }, 90_000);

  test('a run record whose owner is gone is reaped at the next start', async () => {
    const { spawn } = await import('node:child_process');
    const { reapOrphanBrokers, cacheRoot } = await import('../../services/core/src/kafka/local-broker.ts');
    const stray = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    stray.unref();
    const deadOwner = spawnSync('true').pid; // a pid that has already exited
    const runs = join(cacheRoot(), 'brokers');
    mkdirSync(runs, { recursive: true });
    const dir = mkdtempSync(join(runs, 'run-test-'));
    writeFileSync(join(runs, `${stray.pid}.json`), JSON.stringify({ pgid: stray.pid, ownerPid: deadOwner, dir, port: 1 }));
    expect(reapOrphanBrokers()).toBeGreaterThanOrEqual(1);
    expect(await waitGone(stray.pid!, 5_000)).toBe(true);
  });
});

describe('a three-node cluster', () => {
  let b: LocalBroker | undefined;
  beforeAll(async () => {
    b = await startLocalBroker({ nodes: 3 });
  }, 240_000);
  afterAll(async () => {
    await b?.stop();
  }, 60_000);

  const topicConfig = async (admin: Admin, topic: string, names: string[]): Promise<Record<string, string>> => {
    const d = await admin.describeConfigs({ resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: names }], includeSynonyms: false });
    return Object.fromEntries(d.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
  };

  test('three brokers register; a topic at RF 3 gets min ISR 2 and one at RF 1 stays writable', async () => {
    const kafka = createKafka({ brokers: b!.brokers, clientId: 'mx-three-nodes-test' });
    const admin = kafka.admin();
    const publisher = new RecordPublisher(kafka);
    try {
      expect(b!.brokers).toHaveLength(3);
      expect(b!.nodes.map((n) => n.broker)).toEqual(b!.brokers);
      await admin.connect();
      expect((await admin.describeCluster()).brokers.map((x) => x.nodeId).sort()).toEqual([1, 2, 3]);
      const three = `three-${process.pid}-${Date.now()}`;
      const one = `one-${process.pid}-${Date.now()}`;
      await ensureTopics(kafka, [{ topic: three, numPartitions: 1, replicationFactor: 3 }, { topic: one, numPartitions: 1 }]);
      expect((await topicConfig(admin, three, ['min.insync.replicas']))['min.insync.replicas']).toBe('2');
      // The cluster's default is 2: without its own setting an RF 1 topic would refuse every acks=-1 send.
      expect((await topicConfig(admin, one, ['min.insync.replicas']))['min.insync.replicas']).toBe('1');
      await publisher.publish([{ topic: three, records: [{ key: 'k', value: 'a' }] }, { topic: one, records: [{ key: 'k', value: 'b' }] }]);
      const meta = await admin.fetchTopicMetadata({ topics: [three] });
      expect(meta.topics[0]!.partitions[0]!.replicas.sort()).toEqual([1, 2, 3]);
    } finally {
      await publisher.close();
      await admin.disconnect();
    }
  }, 60_000);

  test('a gateway that creates its own topics (PLAINTEXT cluster) gives them MX_TOPIC_REPLICATION_FACTOR replicas, min ISR 2 and their retention', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mx-rf-gateway-'));
    // A secrets directory with no CA: the gateway speaks PLAINTEXT and creates its topics itself.
    const dep = await setupDeployment(dir, ['LA', 'TH'], { kafkaSecretsDir: join(dir, 'no-kafka-credentials') });
    const prefix = `rf-${process.pid}-${Date.now()}.`;
    const gateway = await createGateway(loadGatewayConfig({ ...gatewayEnv(dep, 'LA', b!.brokers, { topicPrefix: prefix }), MX_TOPIC_REPLICATION_FACTOR: '3' }), { logger: pino({ level: 'silent' }), schemas: SchemaRegistry.load() });
    const admin = createKafka({ brokers: b!.brokers, clientId: 'mx-three-nodes-gateway-test' }).admin();
    try {
      await gateway.start();
      await admin.connect();
      const t = topicNames(prefix);
      const topics = [t.inbox('LA'), t.inbox('TH'), t.dlq('LA'), t.dlq('TH'), t.audit];
      const meta = await admin.fetchTopicMetadata({ topics });
      expect(meta.topics.flatMap((x) => x.partitions.map((p) => p.replicas.length))).toEqual(expect.arrayContaining([3]));
      expect(meta.topics.flatMap((x) => x.partitions.filter((p) => p.replicas.length !== 3))).toEqual([]);
      const retention = { inbox: String(30 * 86_400_000), dlq: String(90 * 86_400_000), audit: '-1' };
      const want = (topic: string) => ({ 'min.insync.replicas': '2', 'retention.bytes': '-1', 'retention.ms': topic === t.audit ? retention.audit : topic.includes('.dlq.') ? retention.dlq : retention.inbox });
      for (const topic of topics) expect(await topicConfig(admin, topic, ['min.insync.replicas', 'retention.ms', 'retention.bytes'])).toEqual(want(topic));
    } finally {
      await admin.disconnect();
      await gateway.stop();
    }
  }, 120_000);

  test('so does the audit service for mx.audit, kept indefinitely', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mx-rf-audit-'));
    const dep = await setupDeployment(dir, ['LA'], { kafkaSecretsDir: join(dir, 'no-kafka-credentials') });
    const audit = await setupAudit(dep);
    const prefix = `rf-audit-${process.pid}-${Date.now()}.`;
    const service = await createAuditService(loadAuditConfig({ ...auditEnv(dep, b!.brokers, { topicPrefix: prefix, dataDir: audit.dataDir }), MX_TOPIC_REPLICATION_FACTOR: '3' }), { logger: pino({ level: 'silent' }), schemas: SchemaRegistry.load() });
    const admin = createKafka({ brokers: b!.brokers, clientId: 'mx-three-nodes-audit-test' }).admin();
    try {
      await service.start();
      await admin.connect();
      const topic = topicNames(prefix).audit;
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(meta.topics[0]!.partitions.length).toBeGreaterThan(0);
      expect(meta.topics[0]!.partitions.filter((p) => p.replicas.length !== 3)).toEqual([]);
      expect(await topicConfig(admin, topic, ['min.insync.replicas', 'retention.ms', 'retention.bytes', 'message.timestamp.type'])).toEqual({ 'min.insync.replicas': '2', 'retention.ms': '-1', 'retention.bytes': '-1', 'message.timestamp.type': 'LogAppendTime' });
    } finally {
      await admin.disconnect();
      await service.stop();
    }
  }, 120_000);

  test('a killed node starts again on its ports and data; stop() removes the run directory', async () => {
    const admin = createKafka({ brokers: b!.brokers, clientId: 'mx-three-nodes-restart-test' }).admin();
    try {
      await admin.connect();
      const node = b!.nodes[2]!;
      node.kill();
      await eventuallyTrue(() => !node.running, 30_000);
      await node.start();
      expect(node.running).toBe(true);
      expect((await admin.describeCluster()).brokers.map((x) => x.nodeId).sort()).toEqual([1, 2, 3]);
    } finally {
      await admin.disconnect();
    }
    const dir = b!.dir;
    expect(existsSync(dir)).toBe(true);
    await b!.stop();
    b = undefined;
    expect(existsSync(dir)).toBe(false);
  }, 120_000);
});

async function eventuallyTrue(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 100));
  }
}
