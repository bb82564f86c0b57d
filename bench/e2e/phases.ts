/**
 * The end-to-end phases against a running cluster. Every latency is from the moment a notice was
 * due (open loop: its slot in the fixed-rate schedule; closed loop: the request start) to the time
 * the services wrote in their own stores: LA's `inbox.received_at` (stored, verified, receipt
 * queued) and TH's `sent_recipients.delivered_at` (LA's signed receipt verified and stored). Those
 * rows are read after each phase from the SQLite files, read-only, joined on the message id that
 * the 202 returned; nothing polls the HTTP API during a measurement.
 */
import { cpuPerUnit, type CpuShare, type MemorySampler } from '../memory.ts';
import { distribution, epochMs, sleep, waitUntil, type Distribution } from '../stats.ts';
import type { Cluster } from './cluster.ts';
import type { NoticeClient, Submission } from './notice-client.ts';

export interface PhaseContext {
  cluster: Cluster;
  client: NoticeClient;
  memory: MemorySampler;
  log: (line: string) => void;
  /** How long to wait for a phase's notices (and everything they cause) to finish after it. */
  drainTimeoutMs: number;
  /** Leaves the audit log holds besides the gateways' events (the synthetic stream). */
  auditExtraLeaves: number;
}

interface Tracked {
  id: string;
  /** When the notice was due (epoch ms). */
  dueAt: number;
}

export interface Settled {
  /** Whether everything finished within the drain timeout. */
  drained: boolean;
  /** From the end of the load to the moment everything had finished (or the timeout). */
  drainMs: number;
}

export interface LatencyFigures {
  /** Submission (due time) to LA's stored inbox entry, ms; never-arrived count as Infinity. */
  toInbox: Distribution;
  /** Submission to TH's stored, verified receipt, ms. */
  toReceipt: Distribution;
  /** Notices whose receipt had not come when the phase was read. */
  incomplete: number;
}

/** How much the sender's store held when a phase started (its costs may grow with it). */
export interface StoreSize {
  sent: number;
  auditEvents: number;
}

function storeSize(ctx: PhaseContext): StoreSize {
  return { sent: ctx.cluster.stores.th.sentCount(), auditEvents: ctx.cluster.stores.th.auditEvents().recorded };
}

function countErrors(subs: Submission[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of subs) if (s.status !== 202) out[String(s.status)] = (out[String(s.status)] ?? 0) + 1;
  return out;
}

/**
 * Waits until the phase's notices all have their receipt at TH, both outboxes are empty, both
 * gateways have signed every audit event they recorded and (with an audit service) the log holds
 * them all: the system is idle again, so the next phase starts clean.
 */
export async function settle(ctx: PhaseContext, expectedReceipts: number, timeoutMs = ctx.drainTimeoutMs): Promise<Settled> {
  const { th, la, audit } = ctx.cluster.stores;
  const start = Date.now();
  const drained = await waitUntil(
    () => {
      if (th.receiptsSeen() < expectedReceipts) return false;
      if (th.outboxPending() > 0 || la.outboxPending() > 0) return false;
      const a = th.auditEvents();
      const b = la.auditEvents();
      if (a.signed < a.recorded || b.signed < b.recorded) return false;
      if (audit && audit.treeSize() < a.signed + b.signed + ctx.auditExtraLeaves) return false;
      return true;
    },
    timeoutMs,
    100,
  );
  return { drained, drainMs: Date.now() - start };
}

/** Lifecycle latencies of `tracked` from the stores. */
function latencies(ctx: PhaseContext, tracked: Tracked[], sinceMs: number, neverSent = 0): LatencyFigures & { delivered: number[] } {
  const sent = ctx.cluster.stores.th.sentSince(sinceMs - 1000);
  const inbox = ctx.cluster.stores.la.inboxSince(sinceMs - 1000);
  const toInbox: number[] = [];
  const toReceipt: number[] = [];
  const delivered: number[] = [];
  let incomplete = 0;
  for (const t of tracked) {
    const received = inbox.get(t.id);
    toInbox.push(received === undefined ? Infinity : Math.max(0, received - t.dueAt));
    const d = sent.get(t.id)?.deliveredAt ?? null;
    if (d === null) {
      incomplete += 1;
      toReceipt.push(Infinity);
    } else {
      toReceipt.push(Math.max(0, d - t.dueAt));
      delivered.push(d);
    }
  }
  for (let i = 0; i < neverSent; i++) {
    toInbox.push(Infinity);
    toReceipt.push(Infinity);
  }
  return { toInbox: distribution(toInbox), toReceipt: distribution(toReceipt), incomplete: incomplete + neverSent, delivered };
}

/** A few notices one at a time, waited for end to end: consumers joined, code paths warm. */
export async function warmUp(ctx: PhaseContext, notices: number, timeoutMs: number): Promise<void> {
  const base = ctx.cluster.stores.th.receiptsSeen();
  let ok = 0;
  for (let i = 0; i < notices; i++) {
    const s = await ctx.client.submit();
    if (s.status !== 202) throw new Error(`warm-up: POST /v1/notices answered ${s.status}; see the gateway logs`);
    ok += 1;
    // The first must go all the way through before the rest: that is when both consumers own their partitions.
    if (i === 0 && !(await waitUntil(() => ctx.cluster.stores.th.receiptsSeen() >= base + 1, timeoutMs, 50))) {
      throw new Error(`warm-up: no receipt for the first notice within ${timeoutMs} ms; see the gateway logs`);
    }
  }
  const s = await settle(ctx, base + ok, timeoutMs);
  if (!s.drained) throw new Error(`warm-up: ${notices} notices did not complete within ${timeoutMs} ms`);
  ctx.memory.mark();
}

export interface LifecycleResult {
  seconds: number;
  /** Notices allowed in flight (submitted, receipt not yet at TH). */
  window: number;
  connections: number;
  storeAtStart: StoreSize;
  accepted: number;
  errors: Record<string, number>;
  /** Full lifecycles (receipt verified at TH) completed inside the load window (after its first 20%, at most 5 s), per second. */
  completedPerSec: number;
  /** Every accepted notice through, including the tail after the window, per second. */
  completedPerSecInclDrain: number;
  /** Completions per second in equal slices of the window (at most 6, at least 5 s each). */
  timeline: number[];
  acceptedPerSec: number;
  latency: LatencyFigures;
  http: Distribution;
  settle: Settled;
  peakRssMiB: Record<string, number>;
  /** CPU per completed lifecycle during the window, per process and of the whole machine. */
  cpu: CpuShare;
  /** TH's submission group commits during the window (from its metrics; absent when it serves none). */
  submissionGroups?: { commits: number; submissions: number };
}

/**
 * Sustained full-lifecycle throughput: closed-loop submission with at most `window` notices in
 * flight end to end, for `seconds`. A notice counts when TH has stored LA's verified receipt; the
 * window keeps the pipeline full without building an unbounded backlog, so what completes inside
 * the window is what the system sustains.
 */
export async function lifecycleThroughput(ctx: PhaseContext, opts: { seconds: number; window: number; connections: number }): Promise<LifecycleResult> {
  const { th } = ctx.cluster.stores;
  const base = th.receiptsSeen();
  const storeAtStart = storeSize(ctx);
  let completed = 0;
  let started = 0;
  const poll = setInterval(() => (completed = th.receiptsSeen() - base), 10);
  const subs: Submission[] = [];
  const tracked: Tracked[] = [];
  const groupsAtStart = await ctx.cluster.submissionGroups();
  const cpuAtStart = ctx.memory.cpu();
  const t0 = epochMs();
  const end = t0 + opts.seconds * 1000;
  const worker = async () => {
    while (epochMs() < end) {
      if (started - completed >= opts.window) {
        await sleep(2);
        continue;
      }
      started += 1;
      const s = await ctx.client.submit();
      subs.push(s);
      if (s.id) tracked.push({ id: s.id, dueAt: s.startedAt });
      else started -= 1;
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, worker));
  const t1 = epochMs();
  const cpuAtEnd = ctx.memory.cpu();
  const groupsAtEnd = await ctx.cluster.submissionGroups();
  clearInterval(poll);
  const peakRssMiB = ctx.memory.mark();
  const settled = await settle(ctx, base + tracked.length);
  const lat = latencies(ctx, tracked, t0);
  // The first seconds fill the pipeline; the rate is taken over the rest of the window.
  const steadyFrom = t0 + Math.min(5000, 0.2 * (t1 - t0));
  const inWindow = lat.delivered.filter((d) => d >= steadyFrom && d <= t1).length;
  const last = lat.delivered.reduce((a, b) => Math.max(a, b), t0);
  // Completions per second in consecutive slices of the window: a rate that sinks while the
  // store grows shows up here.
  const slices = Math.max(1, Math.min(6, Math.floor((t1 - t0) / 5000)));
  const sliceMs = (t1 - t0) / slices;
  const timeline = Array.from({ length: slices }, (_, k) => {
    const from = t0 + k * sliceMs;
    return Math.round((lat.delivered.filter((d) => d >= from && d < from + sliceMs).length / sliceMs) * 1000);
  });
  const result: LifecycleResult = {
    seconds: (t1 - t0) / 1000,
    window: opts.window,
    connections: opts.connections,
    storeAtStart,
    accepted: tracked.length,
    errors: countErrors(subs),
    completedPerSec: (inWindow / (t1 - steadyFrom)) * 1000,
    completedPerSecInclDrain: (lat.delivered.length / Math.max(1, last - t0)) * 1000,
    timeline,
    acceptedPerSec: (tracked.length / (t1 - t0)) * 1000,
    latency: { toInbox: lat.toInbox, toReceipt: lat.toReceipt, incomplete: lat.incomplete },
    http: distribution(subs.map((s) => s.httpMs)),
    settle: settled,
    peakRssMiB,
    cpu: cpuPerUnit(cpuAtStart, cpuAtEnd, lat.delivered.filter((d) => d >= t0 && d <= t1).length, (t1 - t0) / 1000),
    ...(groupsAtStart && groupsAtEnd ? { submissionGroups: { commits: groupsAtEnd.commits - groupsAtStart.commits, submissions: groupsAtEnd.submissions - groupsAtStart.submissions } } : {}),
  };
  ctx.log(
    `  lifecycle: ${Math.round(result.completedPerSec)} notices/s completed over ${result.seconds.toFixed(1)} s (window ${opts.window}, ${opts.connections} connections); ` +
      `submission->inbox p50 ${fmt(lat.toInbox.p50)} p99 ${fmt(lat.toInbox.p99)} ms; drained in ${settled.drainMs} ms${settled.drained ? '' : ' (TIMED OUT)'}`,
  );
  ctx.log(`  CPU per lifecycle: ${describeCpu(result.cpu)}`);
  if (result.submissionGroups) ctx.log(`  group commit at TH: ${describeGroups(result.submissionGroups)}`);
  return result;
}

export interface FixedRateResult {
  label: string;
  offeredPerSec: number;
  seconds: number;
  storeAtStart: StoreSize;
  offered: number;
  /** Not sent: the generator already had `maxOutstanding` requests unanswered (counted as never arrived). */
  shed: number;
  accepted: number;
  errors: Record<string, number>;
  /** Notices whose receipt reached TH inside the load window, per second. */
  completedPerSec: number;
  latency: LatencyFigures;
  http: Distribution;
  /** How late the scheduler started requests (ms): large values mean the generator fell behind. */
  schedulerLagP99: number;
  settle: Settled;
  peakRssMiB: Record<string, number>;
}

/**
 * Open-loop load at a fixed offered rate: notice i is due at t0 + i / rate whatever happened to
 * the ones before (no coordinated omission: a slow response does not delay the next request, and
 * latency counts from the due time, so a generator that falls behind shows up as latency).
 */
export async function fixedRate(ctx: PhaseContext, opts: { label: string; rate: number; seconds: number; maxOutstanding: number }): Promise<FixedRateResult> {
  const base = ctx.cluster.stores.th.receiptsSeen();
  const storeAtStart = storeSize(ctx);
  let shed = 0;
  const total = Math.max(1, Math.round(opts.rate * opts.seconds));
  const interval = 1000 / opts.rate;
  const subs: Submission[] = [];
  const tracked: Tracked[] = [];
  const lags: number[] = [];
  const t0 = epochMs() + 5;
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = epochMs();
      while (i < total && t0 + i * interval <= now) {
        const due = t0 + i * interval;
        i += 1;
        // Past this many unanswered requests the gateway is far behind: the notice is not sent
        // (and counts as never arrived) rather than queue without bound in the generator.
        if (ctx.client.inFlight >= opts.maxOutstanding) {
          shed += 1;
          continue;
        }
        void ctx.client.submit().then((s) => {
          subs.push(s);
          lags.push(s.startedAt - due);
          if (s.id) tracked.push({ id: s.id, dueAt: due });
        });
      }
      if (i >= total) return resolve();
      setTimeout(tick, Math.max(0, Math.min(4, t0 + i * interval - epochMs())));
    };
    tick();
  });
  const loadEnd = t0 + total * interval;
  if (!(await waitUntil(() => ctx.client.inFlight === 0, ctx.drainTimeoutMs, 50))) ctx.log(`  ${ctx.client.inFlight} requests still unanswered ${ctx.drainTimeoutMs} ms after the load`);
  const peakRssMiB = ctx.memory.mark();
  const settled = await settle(ctx, base + tracked.length);
  const lat = latencies(ctx, tracked, t0, shed);
  const inWindow = lat.delivered.filter((d) => d <= loadEnd).length;
  const result: FixedRateResult = {
    label: opts.label,
    offeredPerSec: opts.rate,
    seconds: opts.seconds,
    storeAtStart,
    offered: total,
    shed,
    accepted: tracked.length,
    errors: countErrors(subs),
    completedPerSec: (inWindow / (loadEnd - t0)) * 1000,
    latency: { toInbox: lat.toInbox, toReceipt: lat.toReceipt, incomplete: lat.incomplete },
    http: distribution(subs.map((s) => s.httpMs)),
    schedulerLagP99: distribution(lags).p99,
    settle: settled,
    peakRssMiB,
  };
  ctx.log(
    `  ${opts.label.startsWith(`${opts.rate}/s`) ? opts.label : `${opts.label}, ${opts.rate}/s`} for ${opts.seconds} s: submission->inbox p50 ${fmt(lat.toInbox.p50)} p95 ${fmt(lat.toInbox.p95)} p99 ${fmt(lat.toInbox.p99)} ms, ` +
      `->receipt p99 ${fmt(lat.toReceipt.p99)} ms; completed ${Math.round(result.completedPerSec)}/s in the window; ` +
      `drained in ${settled.drainMs} ms${settled.drained ? '' : ' (TIMED OUT)'}`,
  );
  return result;
}

export interface AcceptResult {
  seconds: number;
  connections: number;
  accepted: number;
  acceptedPerSec: number;
  errors: Record<string, number>;
  http: Distribution;
  peakRssMiB: Record<string, number>;
}

/**
 * POST /v1/notices as fast as `connections` closed-loop clients get answers: what the sending
 * gateway accepts (validated, signed, in the outbox). The relay, LA and the receipts keep working
 * meanwhile, as they would; the backlog this builds is not waited for.
 */
export async function acceptThroughput(ctx: PhaseContext, opts: { seconds: number; connections: number }): Promise<AcceptResult> {
  const subs: Submission[] = [];
  const t0 = epochMs();
  const end = t0 + opts.seconds * 1000;
  await Promise.all(
    Array.from({ length: opts.connections }, async () => {
      while (epochMs() < end) subs.push(await ctx.client.submit());
    }),
  );
  const t1 = epochMs();
  const accepted = subs.filter((s) => s.status === 202).length;
  const result: AcceptResult = {
    seconds: (t1 - t0) / 1000,
    connections: opts.connections,
    accepted,
    acceptedPerSec: (accepted / (t1 - t0)) * 1000,
    errors: countErrors(subs),
    http: distribution(subs.map((s) => s.httpMs)),
    peakRssMiB: ctx.memory.mark(),
  };
  ctx.log(`  accepted by POST /v1/notices: ${Math.round(result.acceptedPerSec)}/s (${opts.connections} connections, HTTP p50 ${fmt(result.http.p50)} p99 ${fmt(result.http.p99)} ms)`);
  return result;
}

export function fmt(ms: number): string {
  if (!Number.isFinite(ms)) return Number.isNaN(ms) ? 'n/a' : 'never';
  return ms >= 100 ? String(Math.round(ms)) : ms.toFixed(1);
}

/** "TH 2.1 ms, LA 1.0 ms, ...; machine 5.2 ms (1.9 of its cores busy)". */
export function describeCpu(c: CpuShare): string {
  const parts = Object.entries(c.perUnitMs).map(([name, ms]) => `${name} ${ms.toFixed(2)} ms`);
  const machine = c.machinePerUnitMs !== undefined ? `; machine ${c.machinePerUnitMs.toFixed(2)} ms${c.machineBusyCores !== undefined ? ` (${c.machineBusyCores.toFixed(2)} cores busy)` : ''}` : '';
  return `${parts.join(', ')}${machine}`;
}

/** "13.4 submissions per store commit (5,012 in 374 commits)". */
export function describeGroups(g: { commits: number; submissions: number }): string {
  return `${g.commits > 0 ? (g.submissions / g.commits).toFixed(1) : 'no'} submissions per store commit (${g.submissions.toLocaleString('en-US')} in ${g.commits.toLocaleString('en-US')} commits)`;
}
