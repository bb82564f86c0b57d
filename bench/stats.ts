/** Small measuring helpers: percentiles, rates, a timed loop. Nothing here asserts anything. */
import { performance } from 'node:perf_hooks';

/** Wall-clock milliseconds since the epoch with sub-millisecond resolution (same clock as `Date.now()`). */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The p-th percentile (0..100) by nearest rank of `values`, sorted or not. `Infinity` entries
 * stand for what never completed: a percentile that lands on one is reported as `Infinity`.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** p50/p95/p99/max/mean of `values` (milliseconds); `Infinity` marks values that never came. */
export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const finite = sorted.filter(Number.isFinite);
  const at = (p: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!);
  return {
    count: sorted.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
    mean: finite.length === 0 ? Number.NaN : finite.reduce((a, b) => a + b, 0) / finite.length,
  };
}

export interface OpsResult {
  ops: number;
  ms: number;
  opsPerSec: number;
}

/**
 * Runs `op` back to back on this thread for about `durationMs` (after `warmupMs`), awaiting it
 * when it returns a promise, and reports operations per second. `batch` calls run between clock
 * reads so the clock does not dominate very cheap operations.
 */
export async function opsPerSecond(op: () => unknown, durationMs: number, opts: { warmupMs?: number; batch?: number } = {}): Promise<OpsResult> {
  const batch = opts.batch ?? 16;
  const run = async (ms: number) => {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < batch; i++) {
        const r = op();
        if (r instanceof Promise) await r;
      }
      n += batch;
      now = performance.now();
    }
    return { ops: n, ms: now - start };
  };
  // JIT: ajv's validators and jose's code paths need a good while before they run optimized.
  const warmup = opts.warmupMs ?? Math.min(1000, Math.max(durationMs / 2, 25));
  if (warmup > 0) await run(warmup);
  const { ops, ms } = await run(durationMs);
  return { ops, ms, opsPerSec: (ops / ms) * 1000 };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every `everyMs` until it returns true or `timeoutMs` passed; resolves with whether it did. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= end) return false;
    await sleep(everyMs);
  }
}
