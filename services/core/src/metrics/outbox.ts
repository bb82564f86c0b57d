/**
 * The outbox as an operator watches it: rows waiting to be published and the age of the oldest
 * (read from the store at scrape time), publish requests and failed publish attempts.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Db } from '../store/sqlite.ts';

export interface OutboxMetrics {
  /** Count one topic's batch that failed to publish (the topic backs off). */
  publishFailed(): void;
  /** Count one publish request the relay made (one per pass; one per topic when it falls back). */
  publishRequested(): void;
}

export function outboxMetrics(registry: Registry, db: Db, now: () => number = Date.now): OutboxMetrics {
  const pending = () => (db.open ? (db.prepare('SELECT count(*) AS n, min(created_at) AS oldest FROM outbox WHERE published_at IS NULL').get() as { n: number; oldest: number | null }) : undefined);
  new Gauge({
    name: 'mx_outbox_backlog_records',
    help: 'Outbox rows not yet acknowledged by Kafka',
    registers: [registry],
    collect() {
      const p = pending();
      if (p) this.set(p.n);
    },
  });
  new Gauge({
    name: 'mx_outbox_oldest_age_seconds',
    help: 'Age of the oldest outbox row not yet acknowledged by Kafka (0 when none waits)',
    registers: [registry],
    collect() {
      const p = pending();
      if (p) this.set(p.oldest === null ? 0 : Math.max(0, now() - p.oldest) / 1000);
    },
  });
  const failures = new Counter({ name: 'mx_outbox_publish_failures_total', help: 'Topic batches whose publish to Kafka failed (the topic backs off and retries)', registers: [registry] });
  const requests = new Counter({
    name: 'mx_outbox_publish_requests_total',
    help: 'Publish requests the outbox relay made to Kafka: one per pass for all due topics, one per topic when that one failed or the topic is retried',
    registers: [registry],
  });
  return { publishFailed: () => failures.inc(), publishRequested: () => requests.inc() };
}
