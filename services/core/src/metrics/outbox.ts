/**
 * The outbox as an operator watches it: rows waiting to be published and the age of the oldest
 * (read from the store at scrape time), and failed publish attempts.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Db } from '../store/sqlite.ts';

export interface OutboxMetrics {
  /** Count one failed publish request (a topic's batch). */
  publishFailed(): void;
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
  const failures = new Counter({ name: 'mx_outbox_publish_failures_total', help: 'Publish requests to Kafka that failed (the topic backs off and retries)', registers: [registry] });
  return { publishFailed: () => failures.inc() };
}
