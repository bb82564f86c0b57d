/**
 * Audit service ingest: a burst of pre-signed audit events (the synthetic CN chain) written to
 * `mx.audit` at once, while the gateways are idle; the service verifies each event's signature and
 * schema, appends it to the Merkle log with its index row, and signs checkpoints. The figures come
 * from its own store: `events.logged_at` of the first and last event, and the first checkpoint
 * that covers the whole burst.
 */
import { createKafka } from '../../services/core/src/kafka/transport.ts';
import type { KafkaClientSecurity } from '../../services/core/src/kafka/security.ts';
import { RecordPublisher, topicNames } from '../../services/core/src/kafka/transport.ts';
import { waitUntil } from '../stats.ts';
import type { AuditStoreReader } from '../e2e/stores.ts';

export interface AuditIngestResult {
  events: number;
  /** First to last append, from the service's `logged_at`: the service's own rate. */
  appendedPerSec: number;
  /** From the first record handed to Kafka until a signed checkpoint covered the whole burst. */
  checkpointedPerSec: number;
  checkpointsSigned: number;
  /** From the last append to the checkpoint covering it (ms). */
  checkpointLagMs: number;
  quarantined: number;
}

export async function measureAuditIngest(
  store: AuditStoreReader,
  events: Buffer[],
  opts: { brokers: string[]; topicPrefix: string; gateway: string; timeoutMs: number; security?: KafkaClientSecurity | undefined },
  log: (line: string) => void,
): Promise<AuditIngestResult> {
  const before = store.loggedBy(opts.gateway).count;
  const cpBefore = store.checkpoints().count;
  const publisher = new RecordPublisher(createKafka({ brokers: opts.brokers, clientId: 'mx-bench-audit-feed', ...(opts.security ? { security: opts.security } : {}) }));
  const topic = topicNames(opts.topicPrefix).audit;
  const t0 = Date.now();
  try {
    for (let i = 0; i < events.length; i += 500) {
      await publisher.publish([{ topic, records: events.slice(i, i + 500).map((value) => ({ key: opts.gateway, value, headers: { 'mx-type': 'audit-event', 'mx-from': opts.gateway } })) }]);
    }
  } finally {
    await publisher.close();
  }
  const target = before + events.length;
  const appended = await waitUntil(() => store.loggedBy(opts.gateway).count >= target, opts.timeoutMs, 50);
  if (!appended) throw new Error(`audit ingest: ${store.loggedBy(opts.gateway).count - before} of ${events.length} events logged within ${opts.timeoutMs} ms (quarantined: ${store.quarantined()})`);
  const size = store.treeSize();
  const covered = await waitUntil(() => store.checkpoints().maxTreeSize >= size, opts.timeoutMs, 20);
  const tCheckpoint = Date.now();
  if (!covered) throw new Error(`audit ingest: no checkpoint covered tree size ${size} within ${opts.timeoutMs} ms`);
  const logged = store.loggedBy(opts.gateway);
  const first = logged.first ?? t0;
  const last = logged.last ?? t0;
  const result: AuditIngestResult = {
    events: events.length,
    appendedPerSec: (events.length / Math.max(1, last - first)) * 1000,
    checkpointedPerSec: (events.length / Math.max(1, tCheckpoint - t0)) * 1000,
    checkpointsSigned: store.checkpoints().count - cpBefore,
    checkpointLagMs: tCheckpoint - last,
    quarantined: store.quarantined(),
  };
  log(
    `  audit ingest of ${events.length} signed events: ${Math.round(result.appendedPerSec)} appended/s (service), ` +
      `${Math.round(result.checkpointedPerSec)}/s from Kafka to a covering checkpoint; ${result.checkpointsSigned} checkpoints signed`,
  );
  return result;
}
