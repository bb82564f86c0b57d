/**
 * The one place that knows kafkajs. Everything else sends and receives through these helpers,
 * so a later move to another client touches this folder only.
 */
import kafkajs, { Kafka, logLevel, Partitioners, type Admin, type Consumer, type EachBatchPayload, type IHeaders, type KafkaMessage, type LogEntry, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { storeOutage } from '../store/outage.ts';
import { kafkajsSecurity, type KafkaClientSecurity } from './security.ts';

// Not named exports Node's CommonJS detection finds in kafkajs: read off the module object.
const { ConfigResourceTypes, ConfigSource, KafkaJSError } = kafkajs;

export interface TransportOptions {
  brokers: string[];
  clientId: string;
  /** pino logger for kafkajs' own messages (warn and up; known benign retriable ones at debug). */
  logger?: Logger;
  /** Short retries for tests; production keeps kafkajs' defaults. */
  retry?: { retries?: number; initialRetryTime?: number; maxRetryTime?: number };
  connectionTimeoutMs?: number;
  /** TLS and SCRAM credentials of this client's principal; none for a PLAINTEXT cluster. */
  security?: KafkaClientSecurity;
}

export interface OutgoingRecord {
  key: string;
  value: Buffer | Uint8Array | string;
  headers?: Record<string, string>;
}

export interface IncomingRecord {
  topic: string;
  partition: number;
  offset: string;
  /**
   * The record's timestamp. On a topic with `message.timestamp.type=LogAppendTime` (`mx.audit`)
   * it is the broker's clock when the record was appended, which no producer can choose.
   */
  timestamp: Date;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

export interface TopicSpec {
  topic: string;
  numPartitions?: number;
  /** Default 1. The topic also gets `min.insync.replicas` ({@link minInsyncReplicas}) unless its configs name one. */
  replicationFactor?: number;
  /** Topic configs set when the topic is created. */
  configEntries?: { name: string; value: string }[];
  /**
   * Also put `configEntries` right on a topic that exists without them (not its replication factor
   * or min ISR, which stay as created). Only for the topic's owner:
   * it needs DescribeConfigs and AlterConfigs on the topic, which a mere writer should not hold.
   */
  enforceConfig?: boolean;
}

/**
 * `mx.audit` is stamped by the broker (`LogAppendTime`): a record's timestamp is when it was
 * appended, which no producer can choose, so the audit service can check an event's key as of
 * that instant rather than the `issuedAt` the event claims (a backdated event signed with a
 * compromised key must not pass as written before the revocation).
 */
export const AUDIT_TOPIC_CONFIG: { name: string; value: string }[] = [
  { name: 'message.timestamp.type', value: 'LogAppendTime' },
  // Kept indefinitely: the audit store must be rebuildable from the topic at any time.
  { name: 'retention.ms', value: '-1' },
  { name: 'retention.bytes', value: '-1' },
];

const DAY_MS = 86_400_000;

/**
 * Inboxes keep a record 30 days: far longer than any gateway outage we tolerate (a gateway that
 * comes back reads what it missed), while a notice does not linger on the brokers past its use.
 */
export const INBOX_TOPIC_CONFIG: { name: string; value: string }[] = [
  { name: 'retention.ms', value: String(30 * DAY_MS) },
  { name: 'retention.bytes', value: '-1' },
];

/** Quarantine entries are kept 90 days, time for an operator's investigation. */
export const DLQ_TOPIC_CONFIG: { name: string; value: string }[] = [
  { name: 'retention.ms', value: String(90 * DAY_MS) },
  { name: 'retention.bytes', value: '-1' },
];

/**
 * `min.insync.replicas` of a topic created with this replication factor: 2 from 3 replicas up
 * (an acknowledged record is on two brokers, and one broker may be lost), else 1.
 */
export function minInsyncReplicas(replicationFactor: number): number {
  return replicationFactor >= 3 ? 2 : 1;
}

/** Topic names, one table for every service; `prefix` lets several deployments share a cluster. */
export function topicNames(prefix = '') {
  return {
    inbox: (endpoint: string) => `${prefix}mx.inbox.${endpoint}`,
    dlq: (endpoint: string) => `${prefix}mx.dlq.${endpoint}`,
    audit: `${prefix}mx.audit`,
  } as const;
}
export type TopicNames = ReturnType<typeof topicNames>;

/**
 * Broker answers kafkajs logs at error level on every request that its retrier then repeats, and
 * that are expected while a fresh cluster, topic or consumer group settles (leader elections,
 * coordinator loading). If the retries run out, the caller gets the error and reports it itself
 * (outbox relay, consumer crash, topic set-up), so these lines are debug, not error: a healthy
 * start must log no warning. Matched on kafkajs' message for each retriable protocol error.
 */
const SETTLING_ERRORS = new Set([
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'This server is not the leader for that topic-partition',
  'This server does not host this topic-partition',
  "The coordinator is loading and hence can't process requests for this group",
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  'The leader epoch in the request is older than the epoch on the broker',
  'The leader epoch in the request is newer than the epoch on the broker',
]);

/** Whether a kafkajs warn/error line is a known benign one (see {@link SETTLING_ERRORS}). */
export function isSettlingNoise(message: string, error: unknown): boolean {
  // The publisher caps kafkajs' retries on purpose: a failed send retires the producer and the
  // next publish starts a new idempotent session (see RecordPublisher.publish); receivers dedup.
  if (message === 'Limiting retries for the idempotent producer may invalidate EoS guarantees') return true;
  if (message.startsWith('Response ') && typeof error === 'string') {
    if (SETTLING_ERRORS.has(error)) return true;
    // Gateways racing to create the same topics: ensureTopics takes "already exists" as success
    // and reports any other creation failure itself.
    if (message.startsWith('Response CreateTopics') && error === 'Topic creation errors') return true;
  }
  const failedSend = /^Failed to send messages: (.*)$/.exec(message);
  return failedSend !== null && SETTLING_ERRORS.has(failedSend[1]!);
}

function kafkaLogCreator(logger: Logger | undefined) {
  return () =>
    ({ level, log }: LogEntry) => {
      if (!logger) return;
      const { message, ...rest } = log;
      const fields = { namespace: rest.namespace, broker: rest.broker, error: rest.error, retryCount: rest.retryCount };
      if (isSettlingNoise(message, rest.error)) logger.debug(fields, `kafka: ${message}`);
      else if (level <= logLevel.ERROR) logger.error(fields, `kafka: ${message}`);
      else if (level <= logLevel.WARN) logger.warn(fields, `kafka: ${message}`);
    };
}

/** A kafkajs client with our logging bridge. */
export function createKafka(opts: TransportOptions): Kafka {
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: opts.logger ? logLevel.WARN : logLevel.NOTHING,
    logCreator: kafkaLogCreator(opts.logger),
    connectionTimeout: opts.connectionTimeoutMs ?? 3000,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 5000, ...opts.retry },
    ...kafkajsSecurity(opts.security),
  });
}

/**
 * Resolves once every topic in `names` exists with a leader for each partition. Services do not
 * create topics (only the admin principal may: `mx kafka provision`); they wait for them, calling
 * `onMissing` with what is still absent or unreadable at most every `logEveryMs`. Once they are
 * there, `replicas.onFewer` hears of those with fewer replicas than `replicas.want` (provisioned
 * with a smaller replication factor than this service is configured for).
 */
export async function awaitTopics(
  kafka: Kafka,
  names: string[],
  opts: { onMissing?: (missing: string[], err?: string) => void; logEveryMs?: number; stopped?: () => boolean; replicas?: { want: number; onFewer: (fewer: { topic: string; replicas: number }[]) => void } } = {},
): Promise<void> {
  let lastLog = 0;
  for (;;) {
    const admin = kafka.admin();
    let missing: string[] = names;
    let problem: string | undefined;
    try {
      await admin.connect();
      // Metadata for a topic one may not DESCRIBE looks the same as a missing one: both are waited for.
      const meta = await admin.fetchTopicMetadata({ topics: names });
      const ready = new Set(meta.topics.filter((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)).map((t) => t.name));
      missing = names.filter((n) => !ready.has(n));
      if (missing.length === 0 && opts.replicas) {
        const want = opts.replicas.want;
        const fewer = meta.topics.map((t) => ({ topic: t.name, replicas: Math.min(...t.partitions.map((p) => p.replicas.length)) })).filter((t) => t.replicas < want);
        if (fewer.length > 0) opts.replicas.onFewer(fewer);
      }
    } catch (e) {
      problem = (e as { type?: string }).type ?? (e as Error).name;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    if (missing.length === 0) return;
    if (opts.stopped?.()) throw new Error('stopped while waiting for topics');
    if (Date.now() - lastLog >= (opts.logEveryMs ?? 10_000)) {
      lastLog = Date.now();
      opts.onMissing?.(missing, problem);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Creates the topics that do not exist yet and waits for their leaders: kafkajs 2.2.4 must never
 * rely on auto-creation (the local broker disables it).
 */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[], timeoutMs = 30_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      try {
        // kafkajs' own leader wait gives up with UNKNOWN_TOPIC_OR_PARTITION when the broker's
        // metadata lags behind the creation (seen on a loaded 2-core machine): the loop below waits instead.
        await admin.createTopics({
          waitForLeaders: false,
          topics: missing.map((s) => {
            const replicationFactor = s.replicationFactor ?? 1;
            // Always explicit: a broker default of 2 (a three-node cluster) would make an RF 1 topic unwritable.
            const minIsr = s.configEntries?.some((c) => c.name === 'min.insync.replicas') ? [] : [{ name: 'min.insync.replicas', value: String(minInsyncReplicas(replicationFactor)) }];
            return { topic: s.topic, numPartitions: s.numPartitions ?? 3, replicationFactor, configEntries: [...(s.configEntries ?? []), ...minIsr] };
          }),
        });
      } catch (e) {
        // Another process may have created the same topic between list and create.
        if ((e as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw topicCreationError(e);
      }
    }
    // Wait until every partition of every topic has a leader: the ones created just now, and those
    // another process just created.
    const names = specs.map((s) => s.topic);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const meta = await admin.fetchTopicMetadata({ topics: names }).catch(() => undefined);
      const ready = meta !== undefined && meta.topics.length === names.length && meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`topics have no leaders after ${timeoutMs} ms: ${names.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const spec of specs) if (spec.configEntries && spec.enforceConfig) await ensureTopicConfig(admin, spec.topic, spec.configEntries);
  } finally {
    await admin.disconnect();
  }
}

/** kafkajs says only "Topic creation errors": name each topic and its error code. */
function topicCreationError(e: unknown): unknown {
  const errors = (e as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return e;
  const each = (errors as { topic?: string; type?: string }[]).map((x) => `${x.topic ?? '?'}: ${x.type ?? 'UNKNOWN'}`);
  const hint = each.some((x) => x.endsWith('INVALID_REPLICATION_FACTOR')) ? ' (a replication factor above the number of brokers?)' : '';
  return new Error(`creating topics failed: ${each.join(', ')}${hint}`, { cause: e });
}

/**
 * Puts `wanted` on a topic created earlier without it. AlterConfigs replaces a topic's whole set
 * of dynamic configs, so the ones it already has are sent along.
 */
async function ensureTopicConfig(admin: Admin, topic: string, wanted: { name: string; value: string }[]): Promise<void> {
  const described = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }], includeSynonyms: false });
  const entries = described.resources[0]?.configEntries ?? [];
  const differs = wanted.some((w) => entries.find((e) => e.configName === w.name)?.configValue !== w.value);
  if (!differs) return;
  const kept = entries.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && !wanted.some((w) => w.name === e.configName)).map((e) => ({ name: e.configName, value: e.configValue }));
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [...kept, ...wanted] }] });
}

/** True when the cluster answers a metadata request. */
export async function clusterReachable(kafka: Kafka): Promise<boolean> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * A publish that failed before anything was sent: the producer could not connect to the cluster
 * (no bootstrap broker answered). Unlike a failed send, it says nothing about any topic, so the
 * outbox relay does not try the topics one by one after it (see `OutboxRelay`).
 */
export class PublisherUnreachableError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'PublisherUnreachableError';
  }
}

/**
 * The sending side: idempotent, one request in flight, every send acknowledged by all in-sync
 * replicas. After a failed send the producer is replaced (see {@link RecordPublisher.publish}).
 */
export class RecordPublisher {
  private producer: Promise<Producer> | undefined;

  constructor(private readonly kafka: Kafka) {}

  private connect(): Promise<Producer> {
    this.producer ??= (async () => {
      const p = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
      try {
        await p.connect();
        return p;
      } catch (e) {
        this.producer = undefined;
        await p.disconnect().catch(() => {});
        throw e;
      }
    })();
    return this.producer;
  }

  /**
   * Publishes records to several topics in one batch request; resolves when the broker acknowledged all.
   *
   * A send that failed may still have been written (the broker stalled past the request timeout,
   * or died after appending), yet kafkajs rolls its sequence numbers back: the next, different
   * batch on that partition is then refused with OUT_OF_ORDER_SEQUENCE_NUMBER, forever. So a
   * failed send retires the producer; the next publish starts a new idempotent session (a new
   * producer id). A record written twice that way collapses on the receiver's `(from, id)` dedup.
   *
   * Rejects with {@link PublisherUnreachableError} when the producer could not connect (nothing sent).
   */
  async publish(batches: { topic: string; records: OutgoingRecord[] }[]): Promise<void> {
    const current = this.connect();
    let producer: Producer;
    try {
      producer = await current;
    } catch (e) {
      throw new PublisherUnreachableError(e);
    }
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: batches.map((b) => ({
          topic: b.topic,
          messages: b.records.map((r) => ({ key: r.key, value: Buffer.from(r.value), ...(r.headers ? { headers: r.headers } : {}) })),
        })),
      });
    } catch (e) {
      if (this.producer === current) {
        this.producer = undefined;
        await producer.disconnect().catch(() => {});
      }
      throw e;
    }
  }

  async close(): Promise<void> {
    const current = this.producer;
    this.producer = undefined;
    if (current) await (await current.catch(() => undefined))?.disconnect().catch(() => {});
  }
}

function incomingRecord(topic: string, partition: number, message: KafkaMessage): IncomingRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: new Date(Number(message.timestamp)),
    key: message.key ? message.key.toString() : null,
    value: message.value ?? Buffer.alloc(0),
    headers: headersOf(message.headers),
  };
}

function headersOf(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}

/** A partition whose current record cannot be handled because the store or Kafka is out. */
export interface StalledPartition {
  topic: string;
  partition: number;
  /** The record being retried. */
  offset: string;
  /** The outage, e.g. `store unavailable (SQLITE_BUSY)`: no record content. */
  reason: string;
  /** When the first attempt at this record began (ISO 8601). */
  since: string;
}

/** What readiness and tests read of a {@link RecordConsumer}. */
export interface ConsumerState {
  /** Joined its group and holds its assignment (false while rebalancing, crashed or stopped). */
  member: boolean;
  stalled: StalledPartition[];
  /** Times kafkajs crashed the consumer since start (each is followed by a restart). */
  restarts: number;
  /** Records handed to `quarantine` since start. */
  quarantined: number;
  /** Group commits since start ({@link ConsumerOptions.batch}) and the records they stored. */
  groups: { commits: number; records: number };
  /** Offset commit requests since start ({@link ConsumerOptions.commitIntervalMs}). */
  offsetCommits: number;
}

/**
 * The outage `err` reports, or undefined when it is none: a kafkajs error flagged `retriable`, or a
 * store outage ({@link storeOutage}). Follows `cause` chains.
 */
export function transientFailure(err: unknown): string | undefined {
  const store = storeOutage(err);
  if (store !== undefined) return `store unavailable (${store})`;
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    if (e instanceof KafkaJSError && e.retriable) return `Kafka unavailable (${e.name})`;
  }
  return undefined;
}

/** What a {@link BatchHandling.prepare} made of one record: its store work, not yet run. */
export interface PreparedRecord {
  /**
   * The record's store work, run synchronously inside its group's one transaction. A throw rolls
   * the whole group back; its records are then handled one by one through `handle`.
   */
  apply: () => void;
  /** Runs once the group's transaction committed, before the offsets are resolved (logging, test hooks). */
  committed?: () => void;
}

/**
 * Several records of a fetched batch committed in one store transaction: one commit (one fsync)
 * for the group instead of one per record. The record-by-record path (`handle`, `quarantine`,
 * retries in place) stays the one that decides about any record that is not plainly good, so a
 * poison record never fails or stalls the records around it.
 */
export interface BatchHandling {
  /**
   * Does a record's asynchronous work (verification, signing) and writes nothing. Resolves to
   * undefined (or throws) when the record needs the record-by-record path: it failed a check, or
   * the store is out. Its group is committed first, so that path sees every record before it.
   */
  prepare: (record: IncomingRecord) => Promise<PreparedRecord | undefined>;
  /** Runs the `apply` of each record, in order, in one transaction that has committed when this returns. */
  commit: (applies: (() => void)[]) => void;
  /** Most records in one group; default 100. */
  maxRecords?: number;
}

/** Default most time between offset commits of a consumer ({@link ConsumerOptions.commitIntervalMs}). */
export const DEFAULT_COMMIT_INTERVAL_MS = 1000;

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** A new group starts at the earliest offset (kafkajs' default is the latest). */
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /**
   * Handles one record. The offset is committed only after this resolves, so whatever the
   * handler stored before a crash is seen again after restart: handlers must be idempotent.
   */
  handle: (record: IncomingRecord) => Promise<void>;
  /**
   * Keeps a record the handler failed on for a reason other than an outage (a bug, an input no
   * check foresaw) where an operator finds it, with `err`'s code or `INTERNAL`. The offset is
   * committed once this resolves: such a record never blocks its partition. Without it, the
   * record is retried like an outage.
   */
  quarantine?: (record: IncomingRecord, err: unknown) => Promise<void>;
  /** Classifies a handler error as an outage (retry in place); default {@link transientFailure}. */
  transient?: (err: unknown) => string | undefined;
  /** A record retried this long counts its partition as stalled (readiness fails); default 30 s. */
  stallAfterMs?: number;
  /** First and longest pause between attempts at one record; default 100 ms and 5 s. */
  retryBackoffMs?: { initial: number; max: number };
  logger?: Logger;
  /** Delay before a consumer that kafkajs gave up on is recreated. */
  restartDelayMs?: number;
  /**
   * How often handled records' offsets are committed to Kafka, at most: after a batch once this
   * long has passed since the last commit, and by a timer when no batch follows. 0 commits after
   * every fetched batch. Default {@link DEFAULT_COMMIT_INTERVAL_MS}. A record handled but not yet
   * committed when the member dies comes again, and handlers are idempotent; each offset commit is
   * a replicated write on the broker, so committing per batch costs the broker more than the records.
   */
  commitIntervalMs?: number;
  /**
   * Commit the records of a fetched batch in groups ({@link BatchHandling}); offsets are resolved
   * only after their group committed. Without it each record is handled on its own.
   */
  batch?: BatchHandling;
}

/**
 * A consumer group member that keeps running and that no record can block.
 *
 * - A handler error that is an outage (store or Kafka) retries the same record in place with
 *   exponential backoff, heartbeating meanwhile so the member keeps its assignment; past
 *   `stallAfterMs` the partition is reported stalled (one error line with topic, partition, offset
 *   and reason; {@link state}) until the record goes through.
 * - Any other handler error hands the record to `quarantine` and commits its offset.
 * - When kafkajs crashes without restarting itself (retries exhausted), the consumer is recreated
 *   after a delay instead of stopping for good.
 * - With `batch`, the plainly good records of a fetched batch are committed in groups, one store
 *   transaction each; every other record, and every record of a group that failed to commit,
 *   goes the record-by-record way above.
 */
export class RecordConsumer {
  private consumer: Consumer | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private member = false;
  private restarts = 0;
  private quarantined = 0;
  private readonly groups = { commits: 0, records: 0 };
  private readonly stalled = new Map<string, StalledPartition>();
  /** The running batch's offset functions, kept for the trailing commit; and whether a batch runs. */
  private offsets: { consumer: Consumer; commit: EachBatchPayload['commitOffsetsIfNecessary']; uncommitted: EachBatchPayload['uncommittedOffsets'] } | undefined;
  private inBatch = false;
  private offsetCommits = 0;
  private commitTimer: NodeJS.Timeout | undefined;
  /** Resolves once the group has joined for the first time. */
  readonly joined: Promise<void>;
  private markJoined!: () => void;

  constructor(
    private readonly kafka: Kafka,
    private readonly opts: ConsumerOptions,
  ) {
    this.joined = new Promise((resolve) => (this.markJoined = resolve));
  }

  /** Group membership, stalled partitions and restart count, as of now. */
  state(): ConsumerState {
    return { member: this.member, stalled: [...this.stalled.values()].map((s) => ({ ...s })), restarts: this.restarts, quarantined: this.quarantined, groups: { ...this.groups }, offsetCommits: this.offsetCommits };
  }

  async start(): Promise<void> {
    await this.coordinatorAnswers();
    const c = this.kafka.consumer({
      groupId: this.opts.groupId,
      sessionTimeout: this.opts.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: this.opts.heartbeatIntervalMs ?? 1_000,
      allowAutoTopicCreation: false,
    });
    this.consumer = c;
    c.on(c.events.GROUP_JOIN, (ev) => {
      // Logged so an operator (and the crash tests) can see when a restarted member took over.
      this.opts.logger?.info({ groupId: this.opts.groupId, memberId: ev.payload.memberId, assignment: ev.payload.memberAssignment, durationMs: ev.payload.duration }, 'consumer group joined');
      this.member = true;
      this.markJoined();
    });
    c.on(c.events.COMMIT_OFFSETS, () => {
      this.offsetCommits += 1;
    });
    c.on(c.events.REBALANCING, () => {
      this.member = false;
    });
    c.on(c.events.STOP, () => {
      this.member = false;
    });
    c.on(c.events.CRASH, (ev) => {
      this.member = false;
      if (this.stopped) return;
      this.restarts += 1;
      this.opts.logger?.error({ err: ev.payload.error, restart: ev.payload.restart, groupId: this.opts.groupId }, 'consumer crashed');
      if (!ev.payload.restart) this.scheduleRestart();
    });
    await c.connect();
    for (const topic of this.opts.topics) await c.subscribe({ topic, fromBeginning: this.opts.fromBeginning ?? true });
    // eachBatch with manual resolution: an offset is resolved only once its record is stored (its
    // group committed, or the record handled or quarantined on its own). The resolved offsets are
    // committed at most once per interval (and before rethrowing when a batch fails); with 0,
    // kafkajs commits them at the end of each batch.
    const interval = this.opts.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS;
    await c.run({
      autoCommit: interval === 0,
      ...(interval > 0 ? { autoCommitInterval: interval } : {}),
      eachBatchAutoResolve: false,
      eachBatch: async (payload: EachBatchPayload) => {
        if (interval === 0) return this.processBatch(payload);
        this.offsets = { consumer: c, commit: payload.commitOffsetsIfNecessary, uncommitted: payload.uncommittedOffsets };
        this.inBatch = true;
        try {
          await this.processBatch(payload);
        } catch (err) {
          // What was handled before the failure is not handled again by the next holder.
          await this.commitResolved().catch(() => {});
          throw err;
        } finally {
          this.inBatch = false;
        }
        // Stopping: commit now, before kafkajs leaves the group (it waits for this batch to end).
        if (this.stopped) await this.commitResolved().catch(() => {});
        else await payload.commitOffsetsIfNecessary();
        this.armCommitTimer(interval);
      },
    });
  }

  /** Commits every resolved, uncommitted offset of the current consumer (no batch may be running). */
  private async commitResolved(): Promise<void> {
    const o = this.offsets;
    if (o === undefined || o.consumer !== this.consumer) return;
    const pending = o.uncommitted();
    if (pending.topics.every((t) => t.partitions.length === 0)) return;
    await o.commit(pending);
  }

  /** When no batch follows within `interval`, commits what the last ones resolved. */
  private armCommitTimer(interval: number): void {
    if (this.commitTimer !== undefined) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      if (this.stopped) return;
      // A running batch commits (or re-arms this) when it ends; two commits must not race.
      if (this.inBatch) return this.armCommitTimer(interval);
      this.commitResolved().catch((err: unknown) => {
        // A rebalance in progress, or the broker away: the records come again, and are idempotent.
        this.opts.logger?.debug({ err: err instanceof Error ? err.message : String(err), groupId: this.opts.groupId }, 'trailing offset commit failed');
      });
    }, interval);
    this.commitTimer.unref();
  }

  private async processBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const live = () => isRunning() && !isStale() && !this.stopped;
    const batching = this.opts.batch;
    if (batching === undefined) {
      for (const message of batch.messages) {
        if (!live()) return;
        await this.process(incomingRecord(topic, partition, message), heartbeat);
        resolveOffset(message.offset);
        await heartbeat();
      }
      return;
    }
    const maxRecords = batching.maxRecords ?? 100;
    let group: { rec: IncomingRecord; prepared: PreparedRecord }[] = [];
    const commitGroup = async (): Promise<void> => {
      const g = group;
      group = [];
      if (g.length === 0) return;
      try {
        batching.commit(g.map((x) => x.prepared.apply));
      } catch (err) {
        // Rolled back whole: each record goes the proven way, which retries an outage in place
        // and quarantines a record that fails for a reason of its own.
        this.opts.logger?.info({ topic, partition, records: g.length, reason: transientFailure(err) ?? (err instanceof Error ? err.name : 'error') }, 'a group of records could not be committed together; handling them one by one');
        // The failed commit may have blocked the thread for the store's busy timeout: keep the session.
        await heartbeat();
        for (const { rec } of g) {
          await this.process(rec, heartbeat);
          resolveOffset(rec.offset);
        }
        return;
      }
      this.groups.commits += 1;
      this.groups.records += g.length;
      for (const { rec, prepared } of g) {
        prepared.committed?.();
        resolveOffset(rec.offset);
      }
    };
    for (const message of batch.messages) {
      // Stopping or rebalancing: what is prepared but not committed comes again, uncommitted.
      if (!live()) return;
      const rec = incomingRecord(topic, partition, message);
      let prepared: PreparedRecord | undefined;
      try {
        prepared = await batching.prepare(rec);
      } catch {
        prepared = undefined;
      }
      if (prepared === undefined) {
        await commitGroup();
        if (!live()) return;
        await this.process(rec, heartbeat);
        resolveOffset(rec.offset);
      } else {
        group.push({ rec, prepared });
        if (group.length >= maxRecords) await commitGroup();
      }
      await heartbeat();
    }
    if (live()) await commitGroup();
  }

  /**
   * On a fresh cluster the group coordinator may still be loading `__consumer_offsets`: a join then
   * crashes the consumer (kafkajs logs it as an error and restarts it). Asking the coordinator
   * first, with the admin's retries, waits that out quietly. Gives up after 30 s and lets the
   * join report whatever is really wrong.
   */
  private async coordinatorAnswers(): Promise<void> {
    const admin = this.kafka.admin();
    const deadline = Date.now() + 30_000;
    try {
      await admin.connect();
      for (;;) {
        try {
          await admin.describeGroups([this.opts.groupId]);
          return;
        } catch {
          if (this.stopped || Date.now() > deadline) return;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } catch {
      // Not reachable: the consumer's own connect reports it.
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  /** Resolves once the record is handled or quarantined; throws only to give the record back (stopping, rebalance). */
  private async process(rec: IncomingRecord, heartbeat: () => Promise<void>): Promise<void> {
    const transient = this.opts.transient ?? transientFailure;
    const backoff = this.opts.retryBackoffMs ?? { initial: 100, max: 5_000 };
    const stallAfterMs = this.opts.stallAfterMs ?? 30_000;
    const key = `${rec.topic}/${rec.partition}`;
    const started = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      let outage: string | undefined;
      try {
        await this.opts.handle(rec);
        this.clearStall(key);
        return;
      } catch (err) {
        outage = transient(err);
        if (outage === undefined && this.opts.quarantine !== undefined) {
          try {
            await this.opts.quarantine(rec, err);
            this.quarantined += 1;
            this.clearStall(key);
            return;
          } catch (qerr) {
            // Keeping the record failed too: that is the store's trouble, not the record's.
            outage = transient(qerr) ?? 'the record could not be quarantined';
            this.opts.logger?.error({ err: qerr, topic: rec.topic, partition: rec.partition, offset: rec.offset }, 'could not quarantine a record; retrying');
          }
        }
        outage ??= 'the handler failed';
      }
      if (this.stopped) throw this.giveBack(key, 'consumer stopping');
      // Once per record: a short outage is worth a line even if it never reaches the stall limit.
      if (attempt === 0) this.opts.logger?.warn({ topic: rec.topic, partition: rec.partition, offset: rec.offset, reason: outage, groupId: this.opts.groupId }, 'retrying a record in place');
      if (Date.now() - started >= stallAfterMs && !this.stalled.has(key)) {
        const stall: StalledPartition = { topic: rec.topic, partition: rec.partition, offset: rec.offset, reason: outage, since: new Date(started).toISOString() };
        this.stalled.set(key, stall);
        this.opts.logger?.error({ topic: rec.topic, partition: rec.partition, offset: rec.offset, reason: outage, groupId: this.opts.groupId }, 'partition stalled: retrying its record until the outage ends');
      }
      // A failed attempt may have blocked the thread for a while (SQLite's busy timeout is
      // synchronous): heartbeat before the pause as well as after, so the session never lapses.
      await this.heartbeatOrGiveBack(key, heartbeat);
      const pause = Math.min(backoff.max, backoff.initial * 2 ** Math.min(attempt, 20));
      await new Promise((r) => setTimeout(r, pause));
      if (this.stopped) throw this.giveBack(key, 'consumer stopping');
      await this.heartbeatOrGiveBack(key, heartbeat);
    }
  }

  /** Keeps the assignment while retrying; a rebalance gives the record back uncommitted. */
  private async heartbeatOrGiveBack(key: string, heartbeat: () => Promise<void>): Promise<void> {
    try {
      await heartbeat();
    } catch (err) {
      throw this.giveBack(key, 'rebalance', err);
    }
  }

  /** The record goes back uncommitted (handled again by whoever holds the partition next): its stall is no longer ours to report. */
  private giveBack(key: string, why: string, cause?: unknown): Error {
    this.stalled.delete(key);
    return new Error(`${why}: the record is handled again after the group settles`, cause === undefined ? {} : { cause });
  }

  private clearStall(key: string): void {
    const s = this.stalled.get(key);
    if (s === undefined) return;
    this.stalled.delete(key);
    this.opts.logger?.info({ topic: s.topic, partition: s.partition, offset: s.offset, groupId: this.opts.groupId }, 'partition resumed');
  }

  private scheduleRestart(): void {
    const old = this.consumer;
    this.consumer = undefined;
    this.restartTimer = setTimeout(() => {
      void (async () => {
        await old?.disconnect().catch(() => {});
        if (this.stopped) return;
        try {
          await this.start();
        } catch (err) {
          this.opts.logger?.error({ err, groupId: this.opts.groupId }, 'consumer restart failed; retrying');
          this.scheduleRestart();
        }
      })();
    }, this.opts.restartDelayMs ?? 2_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.commitTimer) clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    // Leaving cleanly: what was handled is committed, so the next holder starts after it (a
    // running batch does this itself when it ends).
    if (!this.inBatch) await this.commitResolved().catch(() => {});
    await this.consumer?.disconnect().catch(() => {});
    this.consumer = undefined;
    this.member = false;
    this.stalled.clear();
  }
}
