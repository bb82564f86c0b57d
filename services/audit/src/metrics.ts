/**
 * The audit service's metrics (README "Metrics"): HTTP, consumer lag on `mx.audit`, quarantines
 * and signature verification from services/core/src/metrics, plus the log's own figures read at
 * scrape time: tree size, the latest checkpoint's age and size, whether signing is refused, and
 * each gateway's ingest lag (seconds since the broker appended its newest logged event).
 */
import type { Kafka } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';
import type { EnvelopeTimer } from '../../core/src/envelope/timing.ts';
import { consumerLagMetrics } from '../../core/src/metrics/consumer-lag.ts';
import { envelopeMetrics } from '../../core/src/metrics/envelope.ts';
import { quarantineMetrics } from '../../core/src/metrics/quarantine.ts';
import { createMetricsRegistry } from '../../core/src/metrics/registry.ts';
import type { CheckpointingStatus } from './checkpoints.ts';
import type { GatewayLag } from './lag.ts';
import type { AuditStore } from './store.ts';

export interface AuditMetrics {
  registry: Registry;
  envelope: EnvelopeTimer;
  quarantined: (reason: string) => void;
}

export interface AuditMetricsSources {
  store: AuditStore;
  checkpointing: () => CheckpointingStatus;
  gateways: () => GatewayLag[];
  lag: { kafka: Kafka; groupId: string; topics: string[] };
  now?: () => number;
}

export function auditMetrics(src: AuditMetricsSources): AuditMetrics {
  const registry = createMetricsRegistry();
  const now = src.now ?? Date.now;
  const { store } = src;
  consumerLagMetrics(registry, src.lag);
  const envelope = envelopeMetrics(registry);
  const quarantined = quarantineMetrics(registry);
  const open = () => store.db.open;

  new Gauge({
    name: 'mx_audit_tree_size_leaves',
    help: 'Leaves in the audit log (its Merkle tree size)',
    registers: [registry],
    collect() {
      if (open()) this.set(store.log.size());
    },
  });
  new Gauge({
    name: 'mx_audit_checkpoint_tree_size_leaves',
    help: 'Tree size of the latest signed checkpoint (0: none yet)',
    registers: [registry],
    collect() {
      if (open()) this.set(store.latestCheckpoint()?.treeSize ?? 0);
    },
  });
  new Gauge({
    name: 'mx_audit_checkpoint_age_seconds',
    help: 'Seconds since the latest checkpoint was signed (its `time`; NaN: none yet)',
    registers: [registry],
    collect() {
      if (!open()) return;
      const cp = store.latestCheckpoint();
      this.set(cp === undefined ? Number.NaN : Math.max(0, now() - Date.parse(cp.time)) / 1000);
    },
  });
  new Gauge({
    name: 'mx_audit_checkpoint_refusing',
    help: '1 while the service refuses to sign checkpoints (the store failed its integrity check), else 0',
    registers: [registry],
    collect() {
      this.set(src.checkpointing().state === 'refusing' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'mx_audit_ingest_lag_seconds',
    help: 'Per gateway: seconds since the broker appended its newest logged event (gateways send heartbeats when idle, so a growing value is a stalled or dead gateway)',
    labelNames: ['gateway'] as const,
    registers: [registry],
    collect() {
      if (!open()) return;
      this.reset();
      for (const g of src.gateways()) if (g.lagSeconds !== undefined) this.set({ gateway: g.gateway }, g.lagSeconds);
    },
  });
  return { registry, envelope, quarantined };
}
