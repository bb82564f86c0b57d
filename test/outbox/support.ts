/** Shared by the outbox order tests: read a topic back and check per-key order of first copies. */
import type { Kafka } from 'kafkajs';
import { RecordConsumer, type IncomingRecord } from '../../services/core/src/kafka/transport.ts';
import { eventually, uniqueName } from '../support/kafka.ts';

/**
 * The value the tests publish. A row cannot hold its own id (known after the insert), so it holds
 * the test's insert counter, which follows outbox id order: rows are added one at a time.
 */
export function rowValue(key: string, seq: number): Buffer {
  return Buffer.from(JSON.stringify({ key, seq }));
}

export function seqOf(r: IncomingRecord): number {
  return (JSON.parse(r.value.toString('utf8')) as { seq: number }).seq;
}

export interface KeyOrder {
  /** Per key, the rows (insert counters) in the order their first copies appear on the topic. */
  firstCopies: Map<string, number[]>;
  /** How many records were copies of a row already seen (a failed send that was still written). */
  duplicates: number;
}

/**
 * Reads `topic` from the beginning until every id in `expected` was seen. Records of one key sit
 * in one partition and a consumer hands them over in offset order, so the order seen per key is
 * the order on the topic.
 */
export async function readBack(kafka: Kafka, topic: string, expected: ReadonlySet<number>, timeoutMs: number): Promise<KeyOrder> {
  const got: IncomingRecord[] = [];
  const seen = new Set<number>();
  const consumer = new RecordConsumer(kafka, {
    groupId: uniqueName('g-outbox-order'),
    topics: [topic],
    fromBeginning: true,
    sessionTimeoutMs: 6000,
    handle: async (r) => {
      got.push(r);
      seen.add(seqOf(r));
    },
  });
  try {
    await consumer.start();
    await eventually(() => ([...expected].every((id) => seen.has(id)) ? true : undefined), timeoutMs, `all ${expected.size} rows on ${topic} (seen ${seen.size})`);
  } finally {
    await consumer.stop();
  }
  const firstCopies = new Map<string, number[]>();
  const first = new Set<number>();
  let duplicates = 0;
  for (const r of got) {
    const id = seqOf(r);
    if (first.has(id)) {
      duplicates++;
      continue;
    }
    first.add(id);
    const key = r.key ?? '';
    firstCopies.set(key, [...(firstCopies.get(key) ?? []), id]);
  }
  return { firstCopies, duplicates };
}

/** The keys whose first copies are not in increasing row id order, with the first inversion. */
export function orderViolations(firstCopies: Map<string, number[]>): { key: string; row: number; after: number }[] {
  const out: { key: string; row: number; after: number }[] = [];
  for (const [key, ids] of firstCopies) {
    const i = ids.findIndex((id, j) => j > 0 && id < ids[j - 1]!);
    if (i > 0) out.push({ key, row: ids[i]!, after: ids[i - 1]! });
  }
  return out;
}

