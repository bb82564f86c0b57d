/** The Kafka side of a service's readiness: the cluster answers, the consumer is a group member and no partition is stalled. */
import type { Readiness } from '../http/api.ts';
import type { RecordConsumer } from './transport.ts';

/**
 * Not ready (with the reason an operator reads in the 503) while a partition is stalled, the
 * cluster does not answer, or the consumer is not a member of its group. Before `consuming`
 * (start-up still creating topics), membership is not asked.
 */
export async function consumerReadiness(consumer: RecordConsumer, o: { consuming: boolean; reachable: () => Promise<boolean> }): Promise<Readiness> {
  const state = consumer.state();
  const stall = state.stalled[0];
  if (stall !== undefined) return { ready: false, reason: `partition ${stall.topic}/${stall.partition} stalled at offset ${stall.offset}: ${stall.reason}` };
  if (!(await o.reachable())) return { ready: false, reason: 'Kafka is not reachable' };
  if (!o.consuming) return { ready: false, reason: 'not consuming yet (setting up topics)' };
  if (!state.member) return { ready: false, reason: 'the consumer is not a member of its group (joining or rebalancing)' };
  return { ready: true };
}
