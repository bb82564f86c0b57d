/**
 * The one place that knows kafkajs. Everything else sends and receives through these helpers,
 * so a later move to another client touches this folder only.
 */
import { Kafka, logLevel, Partitioners, type Consumer, type EachMessagePayload, type IHeaders, type LogEntry, type Producer } from 'kafkajs';
import type { Logger } from 'pino';

export interface TransportOptions {
  brokers: string[];
  clientId: string;
  /** pino logger for kafkajs' own messages (warn and up). */
  logger?: Logger;
  /** Short retries for tests; production keeps kafkajs' defaults. */
  retry?: { retries?: number; initialRetryTime?: number; maxRetryTime?: number };
  connectionTimeoutMs?: number;
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
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

export interface TopicSpec {
  topic: string;
  numPartitions?: number;
  replicationFactor?: number;
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

function kafkaLogCreator(logger: Logger | undefined) {
  return () =>
    ({ level, log }: LogEntry) => {
      if (!logger) return;
      const { message, ...rest } = log;
      const fields = { namespace: rest.namespace, broker: rest.broker, error: rest.error, retryCount: rest.retryCount };
      if (level <= logLevel.ERROR) logger.error(fields, `kafka: ${message}`);
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
  });
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
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((s) => ({ topic: s.topic, numPartitions: s.numPartitions ?? 3, replicationFactor: s.replicationFactor ?? 1 })),
        });
      } catch (e) {
        // Another process may have created the same topic between list and create.
        if ((e as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw e;
      }
    }
    // A topic someone else just created may not have its leaders yet (createTopics only waits for
    // the ones it created itself): wait until every partition of every topic has one.
    const names = specs.map((s) => s.topic);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const meta = await admin.fetchTopicMetadata({ topics: names }).catch(() => undefined);
      const ready = meta !== undefined && meta.topics.length === names.length && meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`topics have no leaders after ${timeoutMs} ms: ${names.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.disconnect();
  }
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
   */
  async publish(batches: { topic: string; records: OutgoingRecord[] }[]): Promise<void> {
    const current = this.connect();
    const producer = await current;
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

function headersOf(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}

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
  logger?: Logger;
  /** Delay before a consumer that kafkajs gave up on is recreated. */
  restartDelayMs?: number;
}

/**
 * A consumer group member that keeps running: when kafkajs crashes without restarting itself
 * (retries exhausted, a handler error), the consumer is recreated after a delay instead of
 * stopping for good.
 */
export class RecordConsumer {
  private consumer: Consumer | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Resolves once the group has joined for the first time. */
  readonly joined: Promise<void>;
  private markJoined!: () => void;

  constructor(
    private readonly kafka: Kafka,
    private readonly opts: ConsumerOptions,
  ) {
    this.joined = new Promise((resolve) => (this.markJoined = resolve));
  }

  async start(): Promise<void> {
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
      this.markJoined();
    });
    c.on(c.events.CRASH, (ev) => {
      this.opts.logger?.error({ err: ev.payload.error, restart: ev.payload.restart, groupId: this.opts.groupId }, 'consumer crashed');
      if (!ev.payload.restart && !this.stopped) this.scheduleRestart();
    });
    await c.connect();
    for (const topic of this.opts.topics) await c.subscribe({ topic, fromBeginning: this.opts.fromBeginning ?? true });
    await c.run({
      autoCommit: true,
      eachMessage: async ({ topic, partition, message }: EachMessagePayload) => {
        await this.opts.handle({
          topic,
          partition,
          offset: message.offset,
          key: message.key ? message.key.toString() : null,
          value: message.value ?? Buffer.alloc(0),
          headers: headersOf(message.headers),
        });
      },
    });
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
    await this.consumer?.disconnect().catch(() => {});
    this.consumer = undefined;
  }
}
