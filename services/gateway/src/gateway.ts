/**
 * Builds a whole gateway from its configuration: store, trust, keys, Kafka transport, outbox
 * relay, inbox consumer and HTTP app. `start()` begins consuming and relaying; `stop()` stops
 * consuming, drains the outbox and closes the store.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../core/src/clock/clock.ts';
import { AuditEmitter } from '../../core/src/audit/emitter.ts';
import { ConfigError } from '../../core/src/config/settings.ts';
import { gatewayAudience } from '../../core/src/idp/dev-idp.ts';
import { clientSecurityOf } from '../../core/src/kafka/security.ts';
import { AUDIT_TOPIC_CONFIG, awaitTopics, clusterReachable, createKafka, DLQ_TOPIC_CONFIG, ensureTopics, INBOX_TOPIC_CONFIG, RecordConsumer, RecordPublisher, topicNames, type TransportOptions } from '../../core/src/kafka/transport.ts';
import { consumerReadiness } from '../../core/src/kafka/readiness.ts';
import { createLogger } from '../../core/src/log/logger.ts';
import { Outbox, OutboxRelay } from '../../core/src/outbox/outbox.ts';
import { SchemaRegistry } from '../../core/src/schemas/registry.ts';
import { openDatabase, type Db } from '../../core/src/store/sqlite.ts';
import type { Reloadable } from '../../core/src/trust/reloadable.ts';
import { buildApp } from './app.ts';
import { readMetricsToken } from '../../core/src/metrics/endpoint.ts';
import { withTrace, continueTrace, TRACEPARENT_HEADER, traceFields } from '../../core/src/trace/trace-context.ts';
import { gatewayMetrics } from './metrics.ts';
import type { EventStreams } from './events.ts';
import { OfficerAuth } from '../../core/src/idp/officer-auth.ts';
import { idpKeySourceOf } from '../../core/src/idp/key-settings.ts';
import { CONSOLE_SCOPE, consoleClientId, resourceIndicator } from '../../core/src/idp/console-clients.ts';
import type { GatewayConfig } from './config.ts';
import { documentMatchKey } from './duplicates.ts';
import type { ReceiveOutcome } from './receiving.ts';
import { Exchange } from './exchange.ts';
import { openLiveTrust, trustStatus, type TrustSet } from './live-trust.ts';
import { RequestSchemas } from './request-schemas.ts';
import { GatewayStore } from './store.ts';

const DAY = 86_400_000;
/**
 * Most records kept parked for re-examination after a trust reload, and most bytes: whoever may
 * write to this gateway's inbox topic could otherwise fill its disk with records under made-up kids.
 */
const MAX_PARKED = { records: 10_000, bytes: 256 * 1024 * 1024 };
/** How often due escalations are looked for between reads (an escalation is at most this late). */
const ESCALATION_CHECK_MS = 60_000;
/**
 * Most received records committed together. A group's first record waits for the others to be
 * verified, decrypted and signed for (a few ms each): 16 keeps that wait short while 16 records
 * share one commit.
 */
const RECEIVE_GROUP_RECORDS = 16;

export interface Gateway {
  app: ReturnType<typeof buildApp>;
  exchange: Exchange;
  store: GatewayStore;
  db: Db;
  logger: Logger;
  /** The inbox consumer (its state: membership, stalled partitions, restarts). */
  consumer: RecordConsumer;
  /** Trust registry, routing policy and private keys in use; `check()` re-reads them now. */
  trust: Reloadable<TrustSet>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  logger?: Logger;
  /** Shorter Kafka retries (tests). */
  retry?: TransportOptions['retry'];
  /** Shared, already loaded schema registry (tests build many gateways). */
  schemas?: SchemaRegistry;
  /** The exchange's clock (tests of expiry and retention move it instead of waiting); default the system clock. */
  clock?: Clock;
}

export async function createGateway(cfg: GatewayConfig, opts: GatewayOptions = {}): Promise<Gateway> {
  const logger = opts.logger ?? createLogger({ service: 'gateway', endpoint: cfg.endpoint }, { level: cfg.logLevel });
  const schemas = opts.schemas ?? SchemaRegistry.load();
  const requests = new RequestSchemas(schemas);
  const live = await openLiveTrust(cfg, logger);
  const pseudonymKey = readFileSync(cfg.pseudonymKeyFile);
  if (pseudonymKey.length < 32) throw new ConfigError([`MX_PSEUDONYM_KEY_FILE ${cfg.pseudonymKeyFile} must hold at least 32 bytes`]);
  const auth = new OfficerAuth({ ...idpKeySourceOf(cfg), issuer: cfg.idpIssuer, audience: cfg.idpAudience || gatewayAudience(cfg.endpoint), endpoint: cfg.endpoint, pseudonymKey });
  const gatewayPseudonym = createHmac('sha256', pseudonymKey).update(`gateway:${cfg.endpoint}`).digest('base64url').slice(0, 32);

  const metricsToken = cfg.metricsTokenFile ? readMetricsToken(cfg.metricsTokenFile) : undefined;
  const topics = topicNames(cfg.topicPrefix);
  const db = openDatabase(join(cfg.dataDir, 'gateway.sqlite'));
  const store = new GatewayStore(db);
  const outbox = new Outbox(db);
  const clock = opts.clock ?? systemClock;
  const security = clientSecurityOf(cfg);
  const secured = security ? { security } : {};
  const groupId = `${cfg.topicPrefix}mx-gateway-${cfg.endpoint}`;
  const metrics = gatewayMetrics({
    db,
    now: () => clock.now().getTime(),
    overdueAfterMs: cfg.overdueAfterSeconds * 1000,
    alertLeadMs: cfg.alertLeadHours * 3_600_000,
    lag: { kafka: createKafka({ brokers: cfg.brokers, clientId: `mx-gateway-${cfg.endpoint}-metrics`, retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 500 }, connectionTimeoutMs: 1000, ...secured }), groupId, topics: [topics.inbox(cfg.endpoint)] },
  });
  const audit = new AuditEmitter(db, outbox, {
    endpoint: cfg.endpoint,
    topic: topics.audit,
    agency: cfg.agency,
    officer: gatewayPseudonym,
    signer: (now) => live.current.keys.current(now),
    now: () => clock.now(),
    logger,
    timer: metrics.exchange.envelope,
  });
  const exchange = new Exchange({
    endpoint: cfg.endpoint,
    agency: cfg.agency,
    gatewayPseudonym,
    documentMatchKey: documentMatchKey(pseudonymKey),
    db,
    store,
    outbox,
    audit,
    schemas,
    live,
    topics,
    logger,
    metrics: metrics.exchange,
    ...(opts.clock ? { clock: opts.clock } : {}),
    settings: {
      noticeLifetimeMs: cfg.noticeLifetimeDays * DAY,
      receiptLifetimeMs: 7 * DAY,
      clockSkewMs: cfg.clockSkewSeconds * 1000,
      maxAgeMs: cfg.maxAgeDays * DAY,
      maxLifetimeMs: cfg.maxLifetimeDays * DAY,
      maxRecordBytes: 256 * 1024,
      idempotencyRetentionMs: cfg.idempotencyRetentionHours * 3_600_000,
      maxParked: MAX_PARKED,
      alertLeadMs: cfg.alertLeadHours * 3_600_000,
      alertEscalateMs: cfg.alertEscalateHours * 3_600_000,
      crashAt: cfg.crashAt === 'after-store-commit' ? 'after-store-commit' : undefined,
    },
  });

  const kafka = createKafka({ brokers: cfg.brokers, clientId: `mx-gateway-${cfg.endpoint}`, logger, ...secured, ...(opts.retry ? { retry: opts.retry } : {}) });
  // Readiness asks once, without kafkajs' connection retries (and their log lines), so a probe gets its answer in about a second.
  const probe = createKafka({ brokers: cfg.brokers, clientId: `mx-gateway-${cfg.endpoint}-probe`, retry: { retries: 0 }, connectionTimeoutMs: 1000, ...secured });
  const publisher = new RecordPublisher(kafka);
  const relay = new OutboxRelay(db, outbox, publisher, {
    logger,
    onPublished: (rows, now) => exchange.onPublished(rows, now),
    onPublishFailed: () => metrics.outbox.publishFailed(),
    onPublishRequest: () => metrics.outbox.publishRequested(),
    ...(cfg.crashAt === 'after-publish-ack' ? { afterAck: (rows) => rows.some((r) => r.kind === 'notice') && process.kill(process.pid, 'SIGKILL') } : {}),
  });
  const consumer = new RecordConsumer(kafka, {
    groupId,
    topics: [topics.inbox(cfg.endpoint)],
    sessionTimeoutMs: cfg.consumerSessionTimeoutMs,
    commitIntervalMs: cfg.consumerCommitIntervalMs,
    heartbeatIntervalMs: Math.min(1000, Math.floor(cfg.consumerSessionTimeoutMs / 3)),
    logger,
    stallAfterMs: cfg.stallAfterMs,
    handle: async (rec) => {
      // The sender's traceparent is a hint only: a valid one is continued, anything else ignored.
      const trace = continueTrace(rec.headers[TRACEPARENT_HEADER]);
      const outcome = await withTrace(trace, () => exchange.receive(rec));
      logger.info({ topic: rec.topic, partition: rec.partition, offset: rec.offset, outcome, ...traceFields(trace) }, 'record received');
    },
    quarantine: (rec, err) => exchange.quarantineRecord(rec, err),
    // The good records of a fetched batch share one commit (one fsync); see "Receiving in batches" in the README.
    batch: {
      maxRecords: RECEIVE_GROUP_RECORDS,
      prepare: async (rec) => {
        const trace = continueTrace(rec.headers[TRACEPARENT_HEADER]);
        const prepared = await withTrace(trace, () => exchange.prepareReceive(rec));
        if (prepared === undefined) return undefined;
        let outcome: ReceiveOutcome = 'stored';
        return {
          // In the record's trace, so the receipt it queues carries it.
          apply: () => {
            outcome = withTrace(trace, prepared.apply);
          },
          committed: () => {
            logger.info({ topic: rec.topic, partition: rec.partition, offset: rec.offset, outcome, ...traceFields(trace) }, 'record received');
            exchange.received(outcome);
          },
        };
      },
      commit: (applies) => exchange.commitReceived(applies),
    },
  });

  let storeOpen = true;
  let consuming = false;

  // A PLAINTEXT development cluster has no admin principal: the gateway creates what it uses,
  // for every endpoint its routing policy names (on a secured cluster `mx kafka provision` does).
  const plaintextTopics = (endpoints: Iterable<string>) => [
    ...[...endpoints].flatMap((e) => [
      { topic: topics.inbox(e), numPartitions: cfg.partitions, replicationFactor: cfg.replicationFactor, configEntries: INBOX_TOPIC_CONFIG },
      { topic: topics.dlq(e), numPartitions: 1, replicationFactor: cfg.replicationFactor, configEntries: DLQ_TOPIC_CONFIG },
    ]),
    { topic: topics.audit, numPartitions: cfg.partitions, replicationFactor: cfg.replicationFactor, configEntries: AUDIT_TOPIC_CONFIG },
  ];
  let withTopics = new Set(live.current.policy.endpoints);
  live.onChange(async (set) => {
    const added = [...set.policy.endpoints].filter((e) => !withTopics.has(e));
    if (!security && added.length > 0) {
      await ensureTopics(kafka, plaintextTopics(added));
      logger.info({ endpoints: added }, 'topics created for endpoints the reloaded routing policy names');
    }
    withTopics = new Set([...withTopics, ...added]);
  });
  // Parked records wait for a key this gateway lacked: any reload may have brought it. Not awaited
  // here: a long re-examination must not hold back the next reload (a revocation, say).
  const reexamine = (): void => {
    if (!storeOpen) return;
    exchange.reexamineParked().catch((err: unknown) => logger.error({ err: (err as Error).name }, 're-examining parked records failed; they stay parked until the next reload'));
  };
  live.onChange(reexamine);
  const stallAfterMs = cfg.auditStallAfterSeconds * 1000;
  const auditTrail = () => {
    const b = audit.backlog();
    const stalled = b.oldestPendingAt !== undefined && clock.now().getTime() - b.oldestPendingAt.getTime() > stallAfterMs;
    return { unsigned: b.unsigned, unpublished: b.unpublished, ...(b.oldestPendingAt ? { oldestPendingAt: b.oldestPendingAt.toISOString() } : {}), stalled };
  };
  const app = buildApp({
    endpoint: cfg.endpoint,
    auth,
    exchange,
    store,
    requests,
    logger,
    overdueAfterMs: cfg.overdueAfterSeconds * 1000,
    bodyLimitBytes: cfg.bodyLimitBytes,
    knowsEndpoint: (e) => live.current.trust.hasEndpoint(e),
    trustStatus: () => trustStatus(live),
    rateLimit: { perOfficer: cfg.rateLimitPerOfficer, perEndpoint: cfg.rateLimitPerEndpoint },
    auditTrail,
    console: {
      dir: cfg.consoleDir,
      config: {
        service: 'gateway',
        endpoint: cfg.endpoint,
        // The resource indicator names the audience the gateway requires, as an absolute URI (RFC 8707).
        oidc: { issuer: cfg.idpIssuer, clientId: cfg.consoleClientId || consoleClientId(cfg.endpoint), resource: resourceIndicator(cfg.idpAudience || gatewayAudience(cfg.endpoint)), scope: CONSOLE_SCOPE },
      },
    },
    metrics: { registry: metrics.registry, token: metricsToken },
    eventStreams: { heartbeatMs: cfg.sseHeartbeatSeconds * 1000, maxStreamsPerOfficer: cfg.sseMaxStreamsPerOfficer },
    ready: async () => {
      if (!storeOpen || !db.open) return { ready: false, reason: 'the store is closed' };
      const consumerReady = await consumerReadiness(consumer, { consuming, reachable: () => clusterReachable(probe) });
      // Kafka being out also leaves audit events unpublished: its own reason, the cause, goes first.
      if (!consumerReady.ready) return consumerReady;
      const trail = auditTrail();
      if (trail.stalled) {
        return { ready: false, reason: `audit trail stalled: ${trail.unsigned} event(s) unsigned and ${trail.unpublished} unpublished, the oldest recorded at ${trail.oldestPendingAt}` };
      }
      return consumerReady;
    },
  });

  let escalationTimer: NodeJS.Timeout | undefined;
  return {
    app,
    exchange,
    store,
    db,
    logger,
    consumer,
    trust: live,
    async start() {
      live.start();
      // Escalations fall due as time passes, not only when someone reads; reads check too.
      escalationTimer = setInterval(() => {
        if (!storeOpen) return;
        try {
          exchange.escalateDue();
        } catch (err) {
          logger.warn({ err: (err as Error).message }, 'checking offender alerts for escalation failed; retrying at the next check');
        }
      }, ESCALATION_CHECK_MS);
      escalationTimer.unref();
      // Sending works while Kafka is down (the outbox queues); consuming needs the topics.
      relay.start();
      void audit.flush();
      audit.startHeartbeat(cfg.auditHeartbeatSeconds * 1000);
      if (security) {
        // On a secured cluster only the admin creates topics (`mx kafka provision`); a gateway waits for its own.
        await awaitTopics(kafka, [topics.inbox(cfg.endpoint), topics.dlq(cfg.endpoint), topics.audit], {
          stopped: () => !storeOpen,
          onMissing: (missing, problem) => logger.warn({ missing, problem }, 'waiting for Kafka topics to be provisioned (mx kafka provision)'),
          replicas: { want: cfg.replicationFactor, onFewer: (fewer) => logger.warn({ fewer, want: cfg.replicationFactor }, 'Kafka topics have fewer replicas than MX_TOPIC_REPLICATION_FACTOR (provisioned with a smaller --replication-factor?)') },
        });
      } else {
        for (;;) {
          try {
            await ensureTopics(kafka, plaintextTopics(live.current.policy.endpoints));
            break;
          } catch (err) {
            logger.warn({ err: (err as Error).message }, 'Kafka not reachable yet; retrying topic set-up');
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      }
      consuming = true;
      await consumer.start();
      // Keys published while this gateway was down are in the set it started with.
      reexamine();
    },
    async stop() {
      (app.locals.eventStreams as EventStreams).closeAll();
      clearInterval(escalationTimer);
      await live.stop();
      await consumer.stop();
      await exchange.reexaminationsDone();
      audit.close();
      await relay.stop({ drain: true, timeoutMs: 3000 });
      await publisher.close();
      storeOpen = false;
      db.close();
    },
  };
}
