/**
 * Builds the audit service from its configuration: store, trust registry (re-read from its
 * directory while the service runs; each change re-examines the records held for an unknown key),
 * checkpoint key, the `mx.audit` consumer, the checkpointer and the HTTP app. `start()` checks the
 * store, re-examines held records, then begins consuming, reloading and checkpointing; `stop()`
 * stops consuming and reloading, waits for a re-examination or signing in progress and closes the
 * store.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { consumerReadiness } from '../../core/src/kafka/readiness.ts';
import { clientSecurityOf } from '../../core/src/kafka/security.ts';
import { AUDIT_TOPIC_CONFIG, awaitTopics, clusterReachable, createKafka, ensureTopics, RecordConsumer, topicNames, type TransportOptions } from '../../core/src/kafka/transport.ts';
import { createLogger } from '../../core/src/log/logger.ts';
import { SchemaRegistry } from '../../core/src/schemas/registry.ts';
import { openDatabase } from '../../core/src/store/sqlite.ts';
import { Reloadable, trustDirectoryFiles } from '../../core/src/trust/reloadable.ts';
import { TrustRegistry } from '../../core/src/trust/trust-registry.ts';
import { buildApp } from './app.ts';
import { AuditorAuth } from './auth.ts';
import { idpKeySourceOf } from '../../core/src/idp/key-settings.ts';
import { CONSOLE_SCOPE, resourceIndicator } from '../../core/src/idp/console-clients.ts';
import { loadCheckpointSigner } from './checkpoint-key.ts';
import { Checkpointer } from './checkpoints.ts';
import type { AuditConfig } from './config.ts';
import { Ingestor } from './ingest.ts';
import { gatewayLag } from './lag.ts';
import { AuditStore } from './store.ts';
import { auditMetrics } from './metrics.ts';
import { readMetricsToken } from '../../core/src/metrics/endpoint.ts';

/** The store's file name under `MX_DATA_DIR`. */
export const AUDIT_DB_FILE = 'audit.sqlite';

export interface AuditService {
  app: ReturnType<typeof buildApp>;
  store: AuditStore;
  ingestor: Ingestor;
  /** The trust registry, re-read from `MX_TRUST_DIR` every `MX_TRUST_RELOAD_SECONDS`. */
  trust: Reloadable<TrustRegistry>;
  checkpointer: Checkpointer;
  /** The `mx.audit` consumer (its state: membership, stalled partitions, restarts). */
  consumer: RecordConsumer;
  logger: Logger;
  /** Path of the SQLite file. */
  dbFile: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface AuditServiceOptions {
  logger?: Logger;
  /** Shorter Kafka retries (tests). */
  retry?: TransportOptions['retry'];
  /** Shared, already loaded schema registry. */
  schemas?: SchemaRegistry;
  /** Consumer session timeout (tests restart members quickly). */
  sessionTimeoutMs?: number;
}

export async function createAuditService(cfg: AuditConfig, opts: AuditServiceOptions = {}): Promise<AuditService> {
  const logger = opts.logger ?? createLogger({ service: 'audit' });
  const schemas = opts.schemas ?? SchemaRegistry.load();
  const trust = await Reloadable.open(trustDirectoryFiles(cfg.trustDir), () => TrustRegistry.fromDirectory(cfg.trustDir), {
    intervalMs: cfg.trustReloadSeconds * 1000,
    logger,
    what: 'trust registry',
  });
  const signer = await loadCheckpointSigner(cfg.signingKey);
  const pseudonymKey = readFileSync(cfg.pseudonymKeyFile);
  if (pseudonymKey.length < 32) throw new Error('MX_PSEUDONYM_KEY_FILE must hold at least 32 bytes');
  const auditorEndpoints = cfg.idpEndpoints.length > 0 ? () => cfg.idpEndpoints : () => trust.current.endpoints();
  const auth = new AuditorAuth({ keys: idpKeySourceOf(cfg), issuer: cfg.idpIssuer, audience: cfg.idpAudience, endpoints: auditorEndpoints, pseudonymKey });

  const metricsToken = cfg.metricsTokenFile ? readMetricsToken(cfg.metricsTokenFile) : undefined;
  const dbFile = join(cfg.dataDir, AUDIT_DB_FILE);
  const db = openDatabase(dbFile);
  const store = new AuditStore(db);
  const checkpointer = new Checkpointer({
    store,
    signer,
    origin: cfg.origin,
    everyLeaves: cfg.checkpointEveryLeaves,
    everySeconds: cfg.checkpointEverySeconds,
    logger,
  });
  const topic = topicNames(cfg.topicPrefix).audit;
  const security = clientSecurityOf(cfg);
  const secured = security ? { security } : {};
  const groupId = `${cfg.topicPrefix}${cfg.consumerGroup}`;
  let startedAt: number | undefined;
  const gateways = () => gatewayLag(store.gatewayHeads(), trust.current.endpoints(), { now: Date.now(), startedAt, silentAfterMs: cfg.silentAfterSeconds * 1000 });
  const metrics = auditMetrics({ store, checkpointing: () => checkpointer.status(), gateways, lag: { kafka: createKafka({ brokers: cfg.brokers, clientId: 'mx-audit-metrics', retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 500 }, connectionTimeoutMs: 1000, ...secured }), groupId, topics: [topic] } });
  const ingestor = new Ingestor({
    store,
    timer: metrics.envelope,
    onQuarantined: metrics.quarantined,
    trust: () => trust.current,
    schemas,
    logger,
    clockSkewMs: cfg.clockSkewSeconds * 1000,
    onAppended: (size) => checkpointer.onAppended(size),
  });
  // A key the registry lacked may be in the new one: records quarantined for it get another look.
  trust.onChange(() => ingestor.reexamine());

  const kafka = createKafka({ brokers: cfg.brokers, clientId: 'mx-audit', logger, ...secured, ...(opts.retry ? { retry: opts.retry } : {}) });
  // Readiness asks once, without kafkajs' connection retries, so a probe gets its answer in about a second.
  const probe = createKafka({ brokers: cfg.brokers, clientId: 'mx-audit-probe', retry: { retries: 0 }, connectionTimeoutMs: 1000, ...secured });
  const consumer = new RecordConsumer(kafka, {
    groupId,
    topics: [topic],
    fromBeginning: true,
    logger,
    ...(opts.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: opts.sessionTimeoutMs } : {}),
    stallAfterMs: cfg.stallAfterMs,
    commitIntervalMs: cfg.consumerCommitIntervalMs,
    handle: async (rec) => {
      await ingestor.handle(rec);
    },
    quarantine: (rec, err) => ingestor.quarantineUnexpected(rec, err),
    // Verified events of a fetched batch are appended in one transaction (one fsync); see "Store and durability" in the README.
    batch: { prepare: (rec) => ingestor.prepare(rec), commit: (applies) => store.commitAll(applies), maxRecords: 100 },
  });

  let storeOpen = true;
  let consuming = false;
  const app = buildApp({
    store,
    auth,
    logger,
    origin: cfg.origin,
    checkpointing: checkpointer,
    ingestCounters: () => ({ ...ingestor.counters }),
    consumerState: () => consumer.state(),
    trust: () => ({ ...trust.status(), endpoints: trust.current.endpoints() }),
    console: {
      dir: cfg.consoleDir,
      config: { service: 'audit', endpoint: 'AUDIT', oidc: { issuer: cfg.idpIssuer, clientId: cfg.consoleClientId, resource: resourceIndicator(cfg.idpAudience), scope: CONSOLE_SCOPE } },
    },
    gateways,
    metrics: { registry: metrics.registry, token: metricsToken },
    ready: async () => {
      if (!storeOpen || !db.open) return { ready: false, reason: 'the store is closed' };
      const signing = checkpointer.status();
      if (signing.state === 'refusing') return { ready: false, reason: `checkpoint signing refused: ${signing.lastRefusal?.problem ?? 'see /v1/status'}` };
      return consumerReadiness(consumer, { consuming, reachable: () => clusterReachable(probe) });
    },
  });

  return {
    app,
    store,
    ingestor,
    trust,
    checkpointer,
    consumer,
    logger,
    dbFile,
    async start() {
      if (cfg.verifyOnStart) {
        const started = Date.now();
        const problem = checkpointer.verifyAll();
        if (problem === undefined) logger.info({ treeSize: store.log.size(), ms: Date.now() - started }, 'store integrity verified');
      }
      if (security) {
        // On a secured cluster the admin created mx.audit with LogAppendTime (`mx kafka provision`).
        await awaitTopics(kafka, [topic], {
          stopped: () => !storeOpen,
          onMissing: (missing, problem) => logger.warn({ missing, problem }, 'waiting for Kafka topics to be provisioned (mx kafka provision)'),
          replicas: { want: cfg.replicationFactor, onFewer: (fewer) => logger.warn({ fewer, want: cfg.replicationFactor }, 'Kafka topics have fewer replicas than MX_TOPIC_REPLICATION_FACTOR (provisioned with a smaller --replication-factor?)') },
        });
      } else {
        for (;;) {
          try {
            // The service owns mx.audit: its revocation rule needs LogAppendTime, and rebuilding the
            // store needs unlimited retention, even on a topic made before.
            await ensureTopics(kafka, [{ topic, numPartitions: cfg.partitions, replicationFactor: cfg.replicationFactor, configEntries: AUDIT_TOPIC_CONFIG, enforceConfig: true }]);
            break;
          } catch (err) {
            logger.warn({ err: (err as Error).message }, 'Kafka not reachable yet; retrying topic set-up');
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      }
      // Records quarantined before a restart whose key the registry knows now (it was added while
      // the service was down) need no reload to be admitted.
      trust.start();
      await ingestor.reexamine();
      consuming = true;
      startedAt = Date.now();
      await consumer.start();
      checkpointer.start();
    },
    async stop() {
      await consumer.stop();
      await trust.stop();
      await ingestor.idle();
      await checkpointer.stop();
      storeOpen = false;
      db.close();
    },
  };
}
