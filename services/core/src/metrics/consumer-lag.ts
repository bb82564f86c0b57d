/**
 * Consumer lag per topic and partition: the partition's high-water mark minus the group's
 * committed offset (its next record), asked of the cluster at scrape time. A scrape that cannot
 * reach the cluster within `timeoutMs` reports no lag rather than hang (and `mx_kafka_lag_scrape_failures_total` counts it).
 */
import type { Kafka } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface ConsumerLagSource {
  /**
   * A client with few, short retries: kafkajs needs one to find the group coordinator after
   * connecting (with none it fails with "no brokers in the broker pool").
   */
  kafka: Kafka;
  groupId: string;
  topics: string[];
  timeoutMs?: number;
}

/** Lag of `groupId` on each partition of `topics`. */
export async function consumerLag(src: Omit<ConsumerLagSource, 'timeoutMs'>): Promise<{ topic: string; partition: number; lag: number }[]> {
  const admin = src.kafka.admin();
  try {
    await admin.connect();
    const out: { topic: string; partition: number; lag: number }[] = [];
    const committed = await admin.fetchOffsets({ groupId: src.groupId, topics: src.topics });
    for (const topic of src.topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const group = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const p of ends) {
        const high = Number(p.high);
        const at = Number(group.find((g) => g.partition === p.partition)?.offset ?? '-1');
        // No commit yet: everything from the log start is still to be read.
        const next = at >= 0 ? at : Number(p.low);
        out.push({ topic, partition: p.partition, lag: Math.max(0, high - next) });
      }
    }
    return out;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export function consumerLagMetrics(registry: Registry, src: ConsumerLagSource): void {
  const failures = new Counter({ name: 'mx_kafka_lag_scrape_failures_total', help: 'Scrapes that could not read consumer lag from Kafka in time', registers: [registry] });
  new Gauge({
    name: 'mx_kafka_consumer_lag_records',
    help: 'Records on a partition not yet processed by this service\'s consumer group (high-water mark minus committed offset)',
    labelNames: ['topic', 'partition'] as const,
    registers: [registry],
    async collect() {
      let timer: NodeJS.Timeout | undefined;
      try {
        const lags = await Promise.race([
          consumerLag(src),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('timeout')), src.timeoutMs ?? 3000);
          }),
        ]);
        this.reset();
        for (const l of lags) this.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
      } catch {
        this.reset();
        failures.inc();
      } finally {
        clearTimeout(timer);
      }
    },
  });
}
