/**
 * The bench's code path with tiny numbers, so it cannot rot: the same `runBench` as
 * `npm run bench`, on the shared test broker, with the TH and LA gateways and the audit service as
 * real child processes run from compiled JavaScript (the bench builds it first), the TH gateway
 * under --cpu-prof. Only that every figure is produced and
 * positive is checked: timings on a shared machine are not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBench, type BenchResult } from '../../bench/bench.ts';
import { preset } from '../../bench/options.ts';
import { formatProfile } from '../../bench/profile.ts';
import { formatTable, verdictWord } from '../../bench/report.ts';
import { testBrokers } from '../support/kafka.ts';

let result: BenchResult;
let printed: string[];
const lines: string[] = [];
const resultsDir = mkdtempSync(join(tmpdir(), 'mx-bench-smoke-'));

beforeAll(async () => {
  const options = { ...preset('smoke'), brokers: testBrokers(), resultsDir };
  result = await runBench(options, (l) => lines.push(l));
  printed = formatTable(result);
}, 420_000);

afterAll(() => {
  rmSync(resultsDir, { recursive: true, force: true });
});

/** A figure with its name, so a failure says which one. */
function positive(figures: Record<string, number | undefined>): void {
  const bad = Object.entries(figures).filter(([, v]) => v === undefined || !Number.isFinite(v) || v <= 0);
  expect(bad).toEqual([]);
}

test('baselines: raw kafkajs, Ed25519 with node:crypto and jose, the project functions, ajv', () => {
  const { kafka, crypto } = result.baselines;
  positive({ produce: kafka.produceMsgsPerSec, consume: kafka.consumeMsgsPerSec, ...crypto });
  expect(result.sample.recordBytes).toBeGreaterThan(2000);
  const { boundFormula, ...limits } = result.cryptoLimit;
  positive(limits);
  expect(boundFormula).toContain(`${result.cryptoPerLifecycle.encryptions} / `);
  // The bound charges the JWE too, so it is below the Ed25519-only limit of the same rates.
  expect(result.cryptoLimit.bound).toBeLessThan(result.cryptoLimit.ed25519OneCore);
});

test('end to end: accepted, sustained lifecycle and latency at each offered load', () => {
  const { lifecycle, latency, accept } = result.e2e;
  positive({ accepted: accept.acceptedPerSec, lifecycle: lifecycle.completedPerSec, lifecycleInbox: lifecycle.latency.toInbox.p50 });
  // CPU per lifecycle for every process, and TH's group commits read from its metrics: every
  // accepted submission of the window went through one (a commit holds at least one).
  positive({ TH: lifecycle.cpu.perUnitMs['gateway TH'], LA: lifecycle.cpu.perUnitMs['gateway LA'], audit: lifecycle.cpu.perUnitMs['audit service'] });
  expect(lifecycle.submissionGroups).toBeDefined();
  expect(lifecycle.submissionGroups!.submissions).toBeGreaterThanOrEqual(lifecycle.accepted);
  expect(lifecycle.submissionGroups!.commits).toBeGreaterThan(0);
  expect(lifecycle.submissionGroups!.commits).toBeLessThanOrEqual(lifecycle.submissionGroups!.submissions);
  // The smoke rate (50/s) and the measured saturation point, unless they coincide.
  expect(latency.length).toBeGreaterThanOrEqual(1);
  for (const l of latency) {
    positive({ [`${l.label} completed`]: l.completedPerSec, [`${l.label} p50`]: l.latency.toInbox.p50, [`${l.label} p99`]: l.latency.toInbox.p99, [`${l.label} receipt p99`]: l.latency.toReceipt.p99 });
    expect(l.latency.incomplete).toBe(0);
  }
  // What the stores say one notice cost matches the count read off the code.
  expect(result.measuredPerNotice).toBeDefined();
  expect(result.measuredPerNotice!.auditEvents).toBeCloseTo(result.cryptoPerLifecycle.auditEvents, 5);
  expect(result.measuredPerNotice!.signatures).toBeCloseTo(result.cryptoPerLifecycle.signatures, 5);
  expect(result.measuredPerNotice!.verifications).toBeCloseTo(result.cryptoPerLifecycle.envelopeVerifications + result.cryptoPerLifecycle.tokenVerifications, 5);
  positive({ ...result.ratios });
});

test('audit: ingest, proofs, mx audit verify', () => {
  const { audit } = result;
  expect(audit.missing).toEqual([]);
  positive({ appended: audit.ingest?.appendedPerSec, checkpointed: audit.ingest?.checkpointedPerSec, inclusion: audit.proofs[0]?.inclusionMs.p50, consistency: audit.proofs[0]?.consistencyMs.p50, verify: audit.verify?.seconds });
  expect(audit.verify?.exitCode).toBe(0);
});

test('memory of every service process, and the gateway profile', () => {
  for (const m of [result.memory.idleMiB, result.memory.sustainedMiB, result.memory.peakMiB]) positive({ TH: m['gateway TH'], LA: m['gateway LA'], audit: m['audit service'] });
  expect(result.profile?.busyMs).toBeGreaterThan(0);
  expect(result.profile?.topSelf.length).toBeGreaterThan(0);
  // Compiled services: the profile names the compiled tree's files, not tsx's.
  expect(result.services.from).toBe('compiled');
  expect(result.profile!.topProjectInclusive.length).toBeGreaterThan(0);
  for (const e of result.profile!.topProjectInclusive) expect(e.name).toMatch(/ services\/\S+\.js(:\d+)?$/);
  expect(result.profile!.topProjectInclusive.some((e) => /\.js:\d+$/.test(e.name))).toBe(true);
  // The groups account for every busy sample.
  const grouped = result.profile!.byGroup.reduce((a, e) => a + e.ms, 0);
  expect(Math.abs(grouped - result.profile!.busyMs)).toBeLessThan(Math.max(5, result.profile!.busyMs * 0.01));
  expect(formatProfile(result.profile!).length).toBeGreaterThan(3);
  // The other services were profiled too, and summarized briefly.
  expect(Object.keys(result.otherProfiles ?? {}).sort()).toEqual(['audit service', 'gateway LA']);
  for (const [name, p] of Object.entries(result.otherProfiles!)) {
    expect(p.busyMs).toBeGreaterThan(0);
    expect(formatProfile(p, name, true)[0]).toContain(`CPU profile of ${name}`);
  }
});

test('the printed table has every row', () => {
  const text = printed.join('\n');
  for (const row of ['raw kafkajs produce', 'node:crypto', 'jose', 'signNotice', 'ajv', 'crypto limit', 'POST /v1/notices', 'full lifecycle', 'latency at', 'audit service ingest', 'Merkle proofs', 'mx audit verify', 'RSS idle', 'RSS peak', 'CPU per lifecycle', 'Targets']) {
    expect(text).toContain(row);
  }
});

test('the targets block: each of the three targets with its figure and a verdict, also in the JSON result', () => {
  expect(result.targets.map((t) => t.target)).toEqual([expect.stringContaining('crypto bound'), expect.stringContaining('p99 submission->inbox < 50 ms at 50 notices/s'), expect.stringContaining('gateway RSS < 200 MB')]);
  // Every figure was produced in the smoke run (its rates include 50/s): a verdict, never 'not measured'.
  for (const t of result.targets) expect(['met', 'not met']).toContain(verdictWord(t));
  const start = printed.indexOf('Targets (issue 15; reported, not asserted):');
  expect(start).toBeGreaterThanOrEqual(0);
  const rows = printed.slice(start).filter((l) => /^\| (full lifecycle|p99|gateway RSS)/.test(l));
  expect(rows).toHaveLength(3);
  for (const [i, row] of rows.entries()) expect(row).toContain(`| ${result.targets[i]!.measured} | ${verdictWord(result.targets[i]!)}`);
  expect(JSON.parse(JSON.stringify(result)).targets).toHaveLength(3);
});
