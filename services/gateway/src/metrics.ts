/**
 * The gateway's metrics (README "Metrics"): HTTP, outbox, consumer lag, quarantines and envelope
 * cryptography from services/core/src/metrics, plus what only a gateway knows, read from its store
 * at scrape time: receipts overdue and offender alerts by timeliness class. Labels from closed
 * sets only.
 */
import type { Kafka } from 'kafkajs';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { consumerLagMetrics } from '../../core/src/metrics/consumer-lag.ts';
import { envelopeMetrics } from '../../core/src/metrics/envelope.ts';
import { outboxMetrics, type OutboxMetrics } from '../../core/src/metrics/outbox.ts';
import { quarantineMetrics } from '../../core/src/metrics/quarantine.ts';
import { createMetricsRegistry } from '../../core/src/metrics/registry.ts';
import type { Db } from '../../core/src/store/sqlite.ts';
import type { ExchangeMetrics } from './context.ts';
import { alertTimeliness, isOverdue, type AlertTimeliness } from './lifecycle.ts';

const CLASSES: readonly AlertTimeliness[] = ['timely', 'short-notice', 'after-arrival', 'after-departure'];

export interface GatewayMetrics {
  registry: Registry;
  exchange: ExchangeMetrics;
  outbox: OutboxMetrics;
}

export interface GatewayMetricsSources {
  db: Db;
  /** The exchange's clock, as epoch ms. */
  now: () => number;
  overdueAfterMs: number;
  alertLeadMs: number;
  /** Consumer lag of the inbox consumer group (absent: not reported). */
  lag?: { kafka: Kafka; groupId: string; topics: string[] };
  /** Also prom-client's process metrics (default true). */
  processMetrics?: boolean;
}

export function gatewayMetrics(src: GatewayMetricsSources): GatewayMetrics {
  const registry = createMetricsRegistry({ processMetrics: src.processMetrics ?? true });
  const { db } = src;
  const outbox = outboxMetrics(registry, db, src.now);
  if (src.lag) consumerLagMetrics(registry, src.lag);
  const groups = new Histogram({
    name: 'mx_submission_group_commit_units',
    help: 'Submissions committed together in one store transaction (one fsync) by the group commit; _count is the commits, _sum the submissions',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  const exchange: ExchangeMetrics = { envelope: envelopeMetrics(registry), quarantined: quarantineMetrics(registry), submissionGroup: (units) => groups.observe(units) };

  new Gauge({
    name: 'mx_receipts_overdue',
    help: 'Recipients of sent messages with no delivery receipt longer than MX_OVERDUE_AFTER_SECONDS after publication (the lifecycle\'s `overdue`)',
    registers: [registry],
    collect() {
      if (!db.open) return;
      const now = src.now();
      // Only recipients without a receipt can be overdue: the rule itself is lifecycle.ts's.
      const rows = db
        .prepare('SELECT r.delivered_at, r.published_at, s.created_at FROM sent_recipients r JOIN sent s ON s.id = r.message_id WHERE r.delivered_at IS NULL')
        .all() as { delivered_at: number | null; published_at: number | null; created_at: number }[];
      this.set(rows.filter((r) => isOverdue(r, r.created_at, now, src.overdueAfterMs)).length);
    },
  });

  new Gauge({
    name: 'mx_alerts_delivered',
    help: 'Offender alerts delivered, by direction (sent: per recipient, by its delivery receipt; received) and timeliness class',
    labelNames: ['direction', 'class'] as const,
    registers: [registry],
    collect() {
      if (!db.open) return;
      const count = (rows: { arrival_at: number; departure_at: number | null; at: number }[]) => {
        const n = new Map<AlertTimeliness, number>(CLASSES.map((c) => [c, 0]));
        for (const r of rows) {
          const c = alertTimeliness({ arrivalAt: r.arrival_at, departureAt: r.departure_at }, r.at, src.alertLeadMs);
          n.set(c, n.get(c)! + 1);
        }
        return n;
      };
      const sent = db
        .prepare("SELECT s.arrival_at, s.departure_at, r.delivered_at AS at FROM sent_recipients r JOIN sent s ON s.id = r.message_id WHERE s.arrival_at IS NOT NULL AND r.delivered_at IS NOT NULL AND r.rejected_reason IS NULL")
        .all() as { arrival_at: number; departure_at: number | null; at: number }[];
      const received = db.prepare('SELECT arrival_at, departure_at, received_at AS at FROM inbox WHERE arrival_at IS NOT NULL').all() as { arrival_at: number; departure_at: number | null; at: number }[];
      for (const [direction, rows] of [['sent', sent], ['received', received]] as const) {
        for (const [c, n] of count(rows)) this.set({ direction, class: c }, n);
      }
    },
  });

  return { registry, exchange, outbox };
}
