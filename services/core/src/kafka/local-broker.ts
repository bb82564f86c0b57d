/**
 * A real single-node Apache Kafka broker (KRaft, broker + controller in one JVM) for the demo,
 * the tests and CI, on a machine without Docker: the jars come from Maven Central once, into a
 * cache outside the work tree.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ADMIN_PRINCIPAL, ensureBrokerTls, kafkajsSecurity, type KafkaClientSecurity } from './security.ts';

/** Pinned versions: the broker, and the log4j2 backend its POM leaves out (Kafka uses slf4j 1.7). */
export const KAFKA_VERSION = '4.1.1';
export const SCALA_VERSION = '2.13';
export const LOG4J_VERSION = '2.24.3';
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies';

export class LocalBrokerError extends Error {
  constructor(
    readonly code: 'JAVA_MISSING' | 'MAVEN_MISSING' | 'FETCH_FAILED' | 'PORT_IN_USE' | 'FORMAT_FAILED' | 'START_FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'LocalBrokerError';
  }
}

/** Where the jars and the run records live: `$MX_CACHE_DIR` or `~/.cache/mekong-exchange`. */
export function cacheRoot(): string {
  return process.env.MX_CACHE_DIR ?? join(homedir(), '.cache', 'mekong-exchange');
}

function libDir(): string {
  return join(cacheRoot(), `kafka-${KAFKA_VERSION}`, 'lib');
}

function runsDir(): string {
  return join(cacheRoot(), 'brokers');
}

function pom(): string {
  const dep = (g: string, a: string, v: string) =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>mekong-exchange</groupId><artifactId>local-kafka</artifactId><version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
${dep('org.apache.kafka', `kafka_${SCALA_VERSION}`, KAFKA_VERSION)}
${dep('org.apache.logging.log4j', 'log4j-api', LOG4J_VERSION)}
${dep('org.apache.logging.log4j', 'log4j-core', LOG4J_VERSION)}
${dep('org.apache.logging.log4j', 'log4j-slf4j-impl', LOG4J_VERSION)}
  </dependencies>
</project>
`;
}

function requireTool(cmd: string, args: string[], code: 'JAVA_MISSING' | 'MAVEN_MISSING', hint: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: process.env });
  if (r.error || r.status !== 0) {
    throw new LocalBrokerError(code, `'${cmd} ${args.join(' ')}' failed (${r.error?.message ?? `exit ${r.status}`}). ${hint}`);
  }
  return `${r.stdout}${r.stderr}`;
}

/**
 * Makes sure the Kafka jars are in the cache, fetching them with Maven once.
 * Returns the lib directory and whether this call downloaded anything.
 */
export function ensureKafkaJars(log: (line: string) => void = () => {}): { lib: string; downloaded: boolean } {
  const lib = libDir();
  const marker = join(lib, '.complete');
  if (existsSync(marker)) return { lib, downloaded: false };
  requireTool('java', ['-version'], 'JAVA_MISSING', 'Java 17 or newer must be on PATH to run the local Kafka broker.');
  requireTool('mvn', ['-v'], 'MAVEN_MISSING', 'Apache Maven must be on PATH: it fetches the Kafka jars from Maven Central once.');
  const work = join(cacheRoot(), `kafka-${KAFKA_VERSION}`);
  rmSync(lib, { recursive: true, force: true });
  mkdirSync(lib, { recursive: true });
  writeFileSync(join(work, 'pom.xml'), pom());
  log(`fetching Apache Kafka ${KAFKA_VERSION} and log4j ${LOG4J_VERSION} from Maven Central into ${lib} (once)`);
  // MX_MAVEN_ARGS passes extra Maven arguments (a settings file with a proxy or mirror, say).
  const extra = (process.env.MX_MAVEN_ARGS ?? '').split(' ').filter(Boolean);
  const r = spawnSync('mvn', ['-B', '-q', ...extra, '-f', join(work, 'pom.xml'), DEPENDENCY_PLUGIN, `-DoutputDirectory=${lib}`, '-DincludeScope=runtime'], {
    encoding: 'utf8',
    cwd: work,
    env: process.env,
  });
  if (r.status !== 0 || !readdirSync(lib).some((f) => f.startsWith(`kafka_${SCALA_VERSION}-`))) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new LocalBrokerError(
      'FETCH_FAILED',
      `could not fetch Kafka ${KAFKA_VERSION} from Maven Central (is it reachable? a proxy in ~/.m2/settings.xml?). Maven said:\n${tail}`,
    );
  }
  writeFileSync(marker, new Date().toISOString());
  return { lib, downloaded: true };
}

/** A free loopback port (the OS picks it; nothing assumes 9092). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', () => reject(new LocalBrokerError('PORT_IN_USE', `port ${port} on 127.0.0.1 is already in use; pick another or leave it unset to use a free one`)));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

/** Whether a process with this pid exists (a process of another user counts). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface RunRecord {
  pgid: number;
  ownerPid: number;
  dir: string;
  port: number;
}

/**
 * Kills brokers left behind by an earlier run that was killed before it could stop them
 * (its owner process is gone), and removes their data directories.
 */
export function reapOrphanBrokers(log: (line: string) => void = () => {}): number {
  const dir = runsDir();
  if (!existsSync(dir)) return 0;
  let reaped = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const file = join(dir, f);
    let rec: RunRecord;
    try {
      rec = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
    } catch {
      rmSync(file, { force: true });
      continue;
    }
    if (isAlive(rec.ownerPid)) continue;
    if (isAlive(rec.pgid)) {
      try {
        process.kill(-rec.pgid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      reaped++;
      log(`reaped a broker left behind by an earlier run (pid ${rec.pgid}, port ${rec.port})`);
    }
    if (rec.dir.startsWith(runsDir())) {
      rmSync(rec.dir, { recursive: true, force: true });
      // A cluster's node directory sits in the cluster's run directory, removed with its last node.
      const parent = dirname(rec.dir);
      if (parent !== runsDir() && parent.startsWith(runsDir())) {
        try {
          rmdirSync(parent);
        } catch {
          /* another node's directory is still there */
        }
      }
    }
    rmSync(file, { force: true });
  }
  return reaped;
}

export interface LocalBrokerOptions {
  /** Fixed client port; by default a free one is chosen. */
  port?: number;
  /** Called with progress lines. */
  log?: (line: string) => void;
  /** How long to wait for the broker to answer (ms). */
  startTimeoutMs?: number;
  /** Extra `server.properties` lines (tests use it to break a broker on purpose). */
  extraProperties?: Record<string, string>;
  /**
   * The broker's run directory (default: a fresh one under the cache). When it already holds the
   * configuration of a broker started there before and since killed, that same broker is started
   * again: same ports, cluster id and data (`port` and `extraProperties` are then ignored), so a
   * test can take Kafka down and bring it back. `stop()` removes the directory. A three-node
   * cluster needs a fresh one (its nodes come back with `nodes[i].start()`).
   */
  dir?: string;
  /**
   * Run the client listener as SASL_SSL with SCRAM-SHA-512 users and ACLs (StandardAuthorizer,
   * deny when no ACL matches): `secretsDir` is a deployment directory whose TLS material is
   * created or reused (see security.ts), `users` every principal's password, `admin` among them.
   */
  security?: { secretsDir: string; users: Record<string, string> };
  /**
   * 1 (default): one JVM, broker and controller. 3: three JVMs, each broker and controller
   * (combined mode) of a three-voter quorum, each with its own ports and data under `dir`; the
   * internal topics get replication factor 3 and min ISR 2, and so does the broker default
   * `min.insync.replicas`. `port` applies to the single node only.
   */
  nodes?: 1 | 3;
}

/** One node of a {@link LocalBroker}, for tests that take a broker down and bring it back. */
export interface LocalBrokerNode {
  /** `node.id` (1, 2, 3). */
  readonly id: number;
  /** This node's client address. */
  readonly broker: string;
  readonly dir: string;
  readonly logFile: string;
  /** Whether its JVM is running (false once killed or stopped, until `start()`). */
  readonly running: boolean;
  /** Kill the JVM without a clean shutdown. */
  kill(): void;
  /** Clean shutdown; the data stays for `start()`. */
  stop(): Promise<void>;
  /** Starts the node again on the same ports and data; resolves once it answers on its own address. */
  start(opts?: { startTimeoutMs?: number }): Promise<void>;
}

export interface LocalBroker {
  readonly brokers: string[];
  readonly version: string;
  readonly logFile: string;
  /** The run directory (configuration, log, data); `stop()` removes it. */
  readonly dir: string;
  /** The watchdog's pid, which is also the process group of the watchdog and the JVM. */
  readonly pid: number;
  /** Start-up time in ms, and whether jars were downloaded in this start. */
  readonly startMs: number;
  readonly downloaded: boolean;
  /** The admin principal's client security on a secured broker (undefined on a PLAINTEXT one). */
  readonly admin: KafkaClientSecurity | undefined;
  /** Every node (one on a single-node broker). */
  readonly nodes: readonly LocalBrokerNode[];
  stop(): Promise<void>;
  /** Kill the JVM (every node's) without a clean shutdown (failure tests). */
  kill(): void;
}

function tail(file: string, lines = 20): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text ? text.split('\n').slice(-lines).join('\n') : '(empty)';
  } catch {
    return '(not written)';
  }
}

function lastLines(dir: string): string {
  return `Last lines of ${join(dir, 'server.log')}:\n${tail(join(dir, 'server.log'))}\nLast lines of the JVM's output (${join(dir, 'console.log')}):\n${tail(join(dir, 'console.log'), 10)}`;
}

interface SecureListener {
  keystore: string;
  truststore: string;
  storePassword: string;
  adminPassword: string;
}

/** A node of a multi-node cluster: its id, the quorum's voters, and the internal topics' replication. */
interface ClusterNode {
  nodeId: number;
  voters: string;
}

function serverProperties(dir: string, port: number, controllerPort: number, secure?: SecureListener, cluster?: ClusterNode): string {
  const client = secure ? 'SASL_SSL' : 'PLAINTEXT';
  const security = secure
    ? [
        // The controller listener stays PLAINTEXT on loopback (KRaft controllers cannot check SCRAM
        // users, which live in the metadata log they serve); its principal is ANONYMOUS, which must
        // be a super user for the broker half of this node to register with the controller half.
        'sasl.enabled.mechanisms=SCRAM-SHA-512',
        'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
        `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${ADMIN_PRINCIPAL}" password="${secure.adminPassword}";`,
        'ssl.keystore.type=PKCS12',
        `ssl.keystore.location=${secure.keystore}`,
        `ssl.keystore.password=${secure.storePassword}`,
        'ssl.truststore.type=PKCS12',
        `ssl.truststore.location=${secure.truststore}`,
        `ssl.truststore.password=${secure.storePassword}`,
        'ssl.endpoint.identification.algorithm=https',
        'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        `super.users=User:${ADMIN_PRINCIPAL};User:ANONYMOUS`,
        'allow.everyone.if.no.acl.found=false',
      ]
    : [];
  return [
    'process.roles=broker,controller',
    `node.id=${cluster?.nodeId ?? 1}`,
    `controller.quorum.voters=${cluster?.voters ?? `1@127.0.0.1:${controllerPort}`}`,
    `listeners=${client}://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=${client}://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    `inter.broker.listener.name=${client}`,
    `listener.security.protocol.map=CONTROLLER:PLAINTEXT,${client}:${client}`,
    ...security,
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    'auto.create.topics.enable=false',
    `offsets.topic.replication.factor=${cluster ? 3 : 1}`,
    'offsets.topic.num.partitions=1',
    `transaction.state.log.replication.factor=${cluster ? 3 : 1}`,
    `transaction.state.log.min.isr=${cluster ? 2 : 1}`,
    // The offsets topic has no min-ISR setting of its own: it takes the broker default. Topics
    // made by ensureTopics always carry their own (see minInsyncReplicas in transport.ts).
    ...(cluster ? ['min.insync.replicas=2', 'default.replication.factor=3'] : []),
    'group.initial.rebalance.delay.ms=0',
    'log.cleaner.dedupe.buffer.size=4194304',
    '',
  ].join('\n');
}

/** log4j2: start-up and errors go to server.log (with no config log4j2 prints errors only). */
function log4j2Properties(logFile: string): string {
  return [
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${logFile}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = info',
    'rootLogger.appenderRef.file.ref = file',
    'logger.kafka.name = kafka',
    'logger.kafka.level = info',
    'logger.state.name = state.change.logger',
    'logger.state.level = warn',
    'logger.request.name = kafka.request.logger',
    'logger.request.level = warn',
    'logger.raft.name = org.apache.kafka.raft',
    'logger.raft.level = warn',
    '',
  ].join('\n');
}

/** Resolves with the number of brokers the cluster lists. */
async function describeCluster(brokers: string[], security?: KafkaClientSecurity): Promise<number> {
  const kafka = new Kafka({ clientId: 'mx-local-broker-probe', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000, ...kafkajsSecurity(security) });
  const admin = kafka.admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

// The watchdog shell owns the JVM: it forwards TERM/INT and kills the JVM once the owner is gone.
// An owner that is gone cannot call stop(), so the watchdog then removes the run directory and
// record itself (segments of a dead demo are of no use, and nobody would restart that broker), and
// a cluster's run directory once its last node's is gone.
// The JVM gets its 10 s to stop, but the watchdog returns as soon as it has.
const WATCHDOG = `owner=$1; dir=$2; record=$3; parent=$4; shift 4; "$@" & child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; exit 0' TERM INT
while kill -0 "$owner" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
if kill -0 "$owner" 2>/dev/null; then wait $child; exit $?; fi
kill -TERM $child 2>/dev/null
i=0; while kill -0 $child 2>/dev/null && [ $i -lt 20 ]; do sleep 0.5; i=$((i+1)); done
kill -KILL $child 2>/dev/null; wait $child
rm -rf "$dir" "$record"
if [ -n "$parent" ]; then rmdir "$parent" 2>/dev/null; fi
exit 0`;

/** One run of a node's JVM under its watchdog. */
interface NodeProcess {
  readonly pgid: number;
  readonly record: string;
  /** The watchdog's exit code once it has exited, else null. */
  exited(): number | null;
  readonly exitedP: Promise<void>;
  killGroup(sig: NodeJS.Signals): void;
}

function spawnNode(dir: string, props: string, java: string[], port: number, parent = ''): NodeProcess {
  // The JVM's own output (a crash before log4j2 is up, an OutOfMemoryError) goes to console.log.
  const out = openSync(join(dir, 'console.log'), 'a');
  const record = join(runsDir(), `run-${randomBytes(6).toString('hex')}.json`);
  const child: ChildProcess = spawn('bash', ['-c', WATCHDOG, 'mx-kafka', String(process.pid), dir, record, parent, 'java', ...java, 'kafka.Kafka', props], {
    detached: true,
    env: process.env,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.unref();
  const pgid = child.pid;
  if (pgid === undefined) throw new LocalBrokerError('START_FAILED', 'could not spawn the broker process');
  writeFileSync(record, JSON.stringify({ pgid, ownerPid: process.pid, dir, port } satisfies RunRecord));
  let code: number | null = null;
  const exitedP = new Promise<void>((resolve) => child.once('exit', (c) => ((code = c ?? -1), resolve())));
  return {
    pgid,
    record,
    exited: () => code,
    exitedP,
    killGroup(sig) {
      try {
        process.kill(-pgid, sig);
      } catch {
        /* already gone */
      }
    },
  };
}

/** SIGTERM, then SIGKILL after 20 s; resolves once the watchdog has exited. */
async function stopNode(p: NodeProcess): Promise<void> {
  if (p.exited() !== null) return;
  p.killGroup('SIGTERM');
  const timer = setTimeout(() => p.killGroup('SIGKILL'), 20_000);
  await p.exitedP;
  clearTimeout(timer);
  p.killGroup('SIGKILL');
}

/**
 * Formats a node's KRaft storage. SCRAM users exist from the first moment: KRaft stores them in
 * the metadata log, written at format time. The tool reads arguments from `@file` (one a line):
 * the passwords stay off its command line.
 */
async function formatStorage(dir: string, props: string, jvm: string[], clusterId: string, users: Record<string, string>): Promise<void> {
  const scram = Object.entries(users).flatMap(([name, password]) => ['--add-scram', `SCRAM-SHA-512=[name=${name},password=${password}]`]);
  const argsFile = join(dir, 'format-scram.args');
  if (scram.length > 0) writeFileSync(argsFile, `${scram.join('\n')}\n`, { mode: 0o600 });
  let fmt: { status: number | null; output: string; error?: Error };
  try {
    fmt = await new Promise((resolve) => {
      const p = spawn('java', [...jvm, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '--config', props, '--ignore-formatted', ...(scram.length > 0 ? [`@${argsFile}`] : [])], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      p.stdout.on('data', (d: Buffer) => (output += d.toString()));
      p.stderr.on('data', (d: Buffer) => (output += d.toString()));
      p.once('error', (error) => resolve({ status: null, output, error }));
      p.once('close', (status) => resolve({ status, output }));
    });
  } finally {
    rmSync(argsFile, { force: true });
  }
  if (fmt.error) throw new LocalBrokerError('JAVA_MISSING', `could not run java: ${fmt.error.message}`);
  if (fmt.status !== 0) {
    throw new LocalBrokerError('FORMAT_FAILED', `formatting KRaft storage failed (exit ${fmt.status}):\n${fmt.output.trim().split('\n').slice(-15).join('\n')}`);
  }
}

/**
 * Waits until a kafkajs admin reaching `brokers` sees at least `want` brokers. A node that exits
 * meanwhile fails the start with its last output; past the deadline every node is killed.
 */
async function awaitBrokers(brokers: string[], want: number, admin: KafkaClientSecurity | undefined, nodes: { dir: string; proc: NodeProcess }[], timeoutMs: number, onExit: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  for (;;) {
    const dead = nodes.find((n) => n.proc.exited() !== null);
    if (dead) {
      const detail = lastLines(dead.dir);
      for (const n of nodes) n.proc.killGroup('SIGKILL');
      onExit();
      throw new LocalBrokerError('START_FAILED', `the Kafka broker exited during start-up (code ${dead.proc.exited()}). ${detail}`);
    }
    if (Date.now() > deadline) {
      for (const n of nodes) n.proc.killGroup('SIGKILL');
      throw new LocalBrokerError('START_FAILED', `the Kafka broker did not answer within ${timeoutMs} ms (${lastErr}). ${lastLines(nodes[0]!.dir)}`);
    }
    try {
      const seen = await describeCluster(brokers, admin);
      if (seen >= want) return;
      lastErr = `${seen} of ${want} brokers registered`;
    } catch (e) {
      lastErr = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The security set-up shared by every node: TLS material, the admin's client credentials. */
function brokerSecurity(opts: LocalBrokerOptions): { admin: KafkaClientSecurity | undefined; secure: SecureListener | undefined } {
  const tls = opts.security ? ensureBrokerTls(opts.security.secretsDir) : undefined;
  const adminPassword = opts.security?.users[ADMIN_PRINCIPAL];
  if (opts.security && adminPassword === undefined) throw new LocalBrokerError('START_FAILED', `a secured broker needs the '${ADMIN_PRINCIPAL}' principal among its users`);
  const admin: KafkaClientSecurity | undefined = tls && adminPassword !== undefined ? { caPem: tls.caPem, username: ADMIN_PRINCIPAL, password: adminPassword } : undefined;
  const secure = tls && adminPassword !== undefined ? { keystore: tls.keystore, truststore: tls.truststore, storePassword: tls.storePassword, adminPassword } : undefined;
  return { admin, secure };
}

function jvmOptions(lib: string, log4j: string): string[] {
  return [`-Dlog4j2.configurationFile=${log4j}`, '-Djava.awt.headless=true', '-cp', `${lib}/*`];
}

/**
 * Starts a fresh KRaft broker (one node, or a three-node cluster with `nodes: 3`) on free
 * loopback ports and waits until a kafkajs admin can describe the cluster (with every node
 * registered). Each JVM runs in its own process group under a watchdog that kills it when this
 * process dies, and a run record lets the next start reap it if even that fails.
 */
export async function startLocalBroker(opts: LocalBrokerOptions = {}): Promise<LocalBroker> {
  if ((opts.nodes ?? 1) === 3) return startLocalCluster(opts);
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  reapOrphanBrokers(log);
  const { lib, downloaded } = ensureKafkaJars(log);
  mkdirSync(runsDir(), { recursive: true });
  const dir = opts.dir ?? join(runsDir(), `run-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  const props = join(dir, 'server.properties');
  const logFile = join(dir, 'server.log');
  const log4j = join(dir, 'log4j2.properties');
  const earlier = existsSync(props) ? readFileSync(props, 'utf8') : undefined;
  const { admin, secure } = brokerSecurity(opts);
  let port: number;
  let controllerPort: number;
  if (earlier !== undefined) {
    // The same broker again: its listeners must be free (the killed JVM is gone).
    const ports = /^listeners=(?:PLAINTEXT|SASL_SSL):\/\/127\.0\.0\.1:(\d+),CONTROLLER:\/\/127\.0\.0\.1:(\d+)$/m.exec(earlier);
    if (!ports) throw new LocalBrokerError('START_FAILED', `${props} does not name the listeners of a local broker`);
    port = Number(ports[1]);
    controllerPort = Number(ports[2]);
    await assertPortFree(port);
    await assertPortFree(controllerPort);
  } else {
    if (opts.port !== undefined) await assertPortFree(opts.port);
    port = opts.port ?? (await freePort());
    controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    const extraProps = Object.entries(opts.extraProperties ?? {}).map(([k, v]) => `${k}=${v}\n`).join('');
    // The file holds the keystore and admin passwords when secured: owner-only.
    writeFileSync(props, serverProperties(dir, port, controllerPort, secure) + extraProps, { mode: 0o600 });
    writeFileSync(log4j, log4j2Properties(logFile));
  }

  const jvm = jvmOptions(lib, log4j);
  // Like Kafka's own KAFKA_HEAP_OPTS: the broker's heap, not the storage tool's.
  const heap = (process.env.MX_KAFKA_HEAP_OPTS ?? '-Xms256m -Xmx512m').split(' ').filter(Boolean);
  // A broker started again keeps its formatted storage (and with it its cluster id and data).
  if (earlier === undefined) await formatStorage(dir, props, jvm, randomBytes(16).toString('base64url'), opts.security?.users ?? {});

  let proc = spawnNode(dir, props, [...heap, ...jvm], port);
  const brokers = [`127.0.0.1:${port}`];
  const cleanup = (): void => {
    rmSync(proc.record, { force: true });
    rmSync(join(dir, 'data'), { recursive: true, force: true });
  };
  await awaitBrokers(brokers, 1, admin, [{ dir, proc }], opts.startTimeoutMs ?? 90_000, cleanup);
  const startMs = Date.now() - t0;
  log(`Apache Kafka ${KAFKA_VERSION} (KRaft, single node) started by this run on ${brokers[0]} in ${startMs} ms${downloaded ? ' (jars downloaded)' : ' (cached jars)'}; log: ${logFile}`);

  const node: LocalBrokerNode = {
    id: 1,
    broker: brokers[0]!,
    dir,
    logFile,
    get running() {
      return proc.exited() === null;
    },
    kill: () => proc.killGroup('SIGKILL'),
    stop: () => stopNode(proc),
    async start(o = {}) {
      if (proc.exited() === null) return;
      await assertPortFree(port);
      await assertPortFree(controllerPort);
      rmSync(proc.record, { force: true });
      proc = spawnNode(dir, props, [...heap, ...jvm], port);
      await awaitBrokers(brokers, 1, admin, [{ dir, proc }], o.startTimeoutMs ?? 90_000, () => {});
    },
  };
  return {
    brokers,
    version: KAFKA_VERSION,
    logFile,
    dir,
    get pid() {
      return proc.pgid;
    },
    startMs,
    downloaded,
    admin,
    nodes: [node],
    async stop() {
      await stopNode(proc);
      cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
    kill() {
      proc.killGroup('SIGKILL');
    },
  };
}

/**
 * Three nodes on loopback, each broker and controller, a static three-voter quorum. Inter-broker
 * traffic uses the client listener (SASL_SSL as the admin principal when secured), so the one
 * broker certificate (SAN 127.0.0.1) serves every node. Heaps are small (`-Xms128m -Xmx256m` each
 * unless `MX_KAFKA_HEAP_OPTS` says otherwise) so the three fit a 2-core machine beside the tests.
 */
async function startLocalCluster(opts: LocalBrokerOptions): Promise<LocalBroker> {
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  if (opts.port !== undefined) throw new LocalBrokerError('START_FAILED', 'a fixed port is for a single-node broker; a cluster picks free ports');
  reapOrphanBrokers(log);
  const { lib, downloaded } = ensureKafkaJars(log);
  mkdirSync(runsDir(), { recursive: true });
  const dir = opts.dir ?? join(runsDir(), `cluster-${process.pid}-${randomBytes(4).toString('hex')}`);
  if (existsSync(join(dir, 'node-1', 'server.properties'))) throw new LocalBrokerError('START_FAILED', `${dir} holds a cluster already: a node of a running cluster comes back with nodes[i].start()`);
  mkdirSync(dir, { recursive: true });
  const { admin, secure } = brokerSecurity(opts);
  const taken = new Set<number>();
  const pick = async (): Promise<number> => {
    let p = await freePort();
    while (taken.has(p)) p = await freePort();
    taken.add(p);
    return p;
  };
  const ids = [1, 2, 3];
  const ports: { id: number; port: number; controllerPort: number }[] = [];
  for (const id of ids) ports.push({ id, port: await pick(), controllerPort: await pick() });
  const voters = ports.map((p) => `${p.id}@127.0.0.1:${p.controllerPort}`).join(',');
  const extraProps = Object.entries(opts.extraProperties ?? {}).map(([k, v]) => `${k}=${v}\n`).join('');
  const heap = (process.env.MX_KAFKA_HEAP_OPTS ?? '-Xms128m -Xmx256m').split(' ').filter(Boolean);
  const clusterId = randomBytes(16).toString('base64url');
  const specs = ports.map((p) => {
    const nodeDir = join(dir, `node-${p.id}`);
    mkdirSync(nodeDir, { recursive: true });
    const props = join(nodeDir, 'server.properties');
    const logFile = join(nodeDir, 'server.log');
    const log4j = join(nodeDir, 'log4j2.properties');
    writeFileSync(props, serverProperties(nodeDir, p.port, p.controllerPort, secure, { nodeId: p.id, voters }) + extraProps, { mode: 0o600 });
    writeFileSync(log4j, log4j2Properties(logFile));
    return { ...p, dir: nodeDir, props, logFile, jvm: jvmOptions(lib, log4j) };
  });
  await Promise.all(specs.map((s) => formatStorage(s.dir, s.props, s.jvm, clusterId, opts.security?.users ?? {})));
  const procs = new Map<number, NodeProcess>();
  const launch = (s: (typeof specs)[number]): NodeProcess => {
    const old = procs.get(s.id);
    if (old) rmSync(old.record, { force: true });
    const proc = spawnNode(s.dir, s.props, [...heap, ...s.jvm], s.port, dir);
    procs.set(s.id, proc);
    return proc;
  };
  for (const s of specs) launch(s);
  const brokers = specs.map((s) => `127.0.0.1:${s.port}`);
  const running = () => specs.map((s) => ({ dir: s.dir, proc: procs.get(s.id)! }));
  const cleanup = (): void => {
    for (const p of procs.values()) rmSync(p.record, { force: true });
  };
  await awaitBrokers(brokers, specs.length, admin, running(), opts.startTimeoutMs ?? 180_000, cleanup);
  const startMs = Date.now() - t0;
  log(`Apache Kafka ${KAFKA_VERSION} (KRaft, three nodes) started by this run on ${brokers.join(',')} in ${startMs} ms${downloaded ? ' (jars downloaded)' : ' (cached jars)'}; logs under ${dir}`);

  const nodes: LocalBrokerNode[] = specs.map((s) => ({
    id: s.id,
    broker: `127.0.0.1:${s.port}`,
    dir: s.dir,
    logFile: s.logFile,
    get running() {
      return procs.get(s.id)!.exited() === null;
    },
    kill: () => procs.get(s.id)!.killGroup('SIGKILL'),
    stop: () => stopNode(procs.get(s.id)!),
    async start(o = {}) {
      if (procs.get(s.id)!.exited() === null) return;
      await assertPortFree(s.port);
      await assertPortFree(s.controllerPort);
      const proc = launch(s);
      // Its own address answers once the node has caught up with the metadata log and is unfenced.
      await awaitBrokers([`127.0.0.1:${s.port}`], specs.length, admin, [{ dir: s.dir, proc }], o.startTimeoutMs ?? 120_000, () => {});
    },
  }));
  return {
    brokers,
    version: KAFKA_VERSION,
    logFile: specs[0]!.logFile,
    dir,
    get pid() {
      return procs.get(1)!.pgid;
    },
    startMs,
    downloaded,
    admin,
    nodes,
    async stop() {
      await Promise.all([...procs.values()].map((p) => stopNode(p)));
      cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
    kill() {
      for (const p of procs.values()) p.killGroup('SIGKILL');
    },
  };
}
