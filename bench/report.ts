/**
 * The printed table (Markdown, so it can go into the README as it is) and the targets of issue 15
 * beside their figures: reported, never asserted.
 */
import { cpus } from 'node:os';
import type { BenchResult } from './bench.ts';
import { CRYPTO_BOUND_FORMULA } from './crypto-count.ts';
import type { Distribution } from './stats.ts';
import { describeGroups, fmt } from './e2e/phases.ts';

const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%` : 'n/a');
const lat = (d: Distribution) => `${fmt(d.p50)} / ${fmt(d.p95)} / ${fmt(d.p99)}`;

export interface TargetVerdict {
  target: string;
  /** The figure the target is judged on, with what it came from. */
  measured: string;
  /** Undefined: not measured in this run (`note` says why). */
  met: boolean | undefined;
  note: string;
}

/** What a verdict prints as. */
export function verdictWord(t: TargetVerdict): 'met' | 'not met' | 'not measured' {
  return t.met === undefined ? 'not measured' : t.met ? 'met' : 'not met';
}

/** The rate of the latency target (notices/s) and its limit (ms). */
export const LATENCY_TARGET = { rate: 50, p99Ms: 50 } as const;
/** The share of the same run's crypto bound the full lifecycle should reach. */
export const BOUND_SHARE_TARGET = 0.5;
/** Gateway resident memory at sustained load, bytes (200 MB = 190.7 MiB). */
export const GATEWAY_RSS_TARGET_BYTES = 200e6;

/**
 * The three targets of issue 15, judged on this run's figures: the full lifecycle (with encryption
 * on) against the crypto bound of one core measured in the same run, p99 submission-to-inbox at
 * 50 notices/s, and the gateways' resident memory during the sustained lifecycle run.
 */
export function targets(r: BenchResult): TargetVerdict[] {
  const out: TargetVerdict[] = [];
  const life = r.e2e.lifecycle.completedPerSec;
  const bound = r.cryptoLimit.bound;
  const share = life / bound;
  const boundTarget = `full lifecycle >= ${pct(BOUND_SHARE_TARGET)} of the crypto bound (one core, node:crypto${r.sample.encrypted ? ', encryption on' : ''})`;
  out.push({
    target: boundTarget,
    measured: `${n0(life)} of ${n0(bound)} notices/s = ${pct(share)}`,
    met: Number.isFinite(share) ? share >= BOUND_SHARE_TARGET : undefined,
    note: !Number.isFinite(share) ? 'no lifecycle rate or bound' : share >= BOUND_SHARE_TARGET ? '' : `${(BOUND_SHARE_TARGET / share).toFixed(1)}x needed`,
  });
  const latencyTarget = `p99 submission->inbox < ${LATENCY_TARGET.p99Ms} ms at ${LATENCY_TARGET.rate} notices/s`;
  const atRate = r.e2e.latency.find((l) => l.offeredPerSec === LATENCY_TARGET.rate);
  if (atRate) {
    const p99 = atRate.latency.toInbox.p99;
    out.push({
      target: latencyTarget,
      measured: `${fmt(p99)} ms`,
      met: p99 < LATENCY_TARGET.p99Ms,
      note: p99 < LATENCY_TARGET.p99Ms ? '' : Number.isFinite(p99) ? `${(p99 / LATENCY_TARGET.p99Ms).toFixed(1)}x the limit` : 'notices did not all arrive',
    });
  } else out.push({ target: latencyTarget, measured: 'n/a', met: undefined, note: `${LATENCY_TARGET.rate}/s was not among --rates` });
  const limitMiB = GATEWAY_RSS_TARGET_BYTES / 2 ** 20;
  const worstOf = (m: Record<string, number>) => Object.entries(m).filter(([k]) => k.startsWith('gateway')).reduce((a, [, v]) => Math.max(a, v), 0);
  const sustained = worstOf(r.memory.sustainedMiB);
  const overall = worstOf(r.memory.peakMiB);
  const mb = (mib: number) => `${n0(mib * 1.048576)} MB`;
  out.push({
    target: `gateway RSS < ${n0(GATEWAY_RSS_TARGET_BYTES / 1e6)} MB at sustained load`,
    measured: `largest gateway ${mb(sustained)} during the sustained lifecycle run`,
    met: sustained > 0 ? sustained < limitMiB : undefined,
    note: `${mb(overall)} peak with overload${r.options.profile ? '; the services ran under --cpu-prof' : ''}`,
  });
  return out;
}

/** The targets block: a table of each target, its figure and met / not met. */
export function formatTargets(list: readonly TargetVerdict[]): string[] {
  return [
    'Targets (issue 15; reported, not asserted):',
    '',
    '| target | figure | verdict |',
    '|---|---|---|',
    ...list.map((t) => `| ${t.target} | ${t.measured} | ${verdictWord(t)}${t.note ? ` (${t.note})` : ''} |`),
  ];
}

export function formatTable(r: BenchResult): string[] {
  const k = r.baselines.kafka;
  const c = r.baselines.crypto;
  const life = r.e2e.lifecycle;
  const count = r.cryptoPerLifecycle;
  const rows: [string, string, string][] = [];
  rows.push([`raw kafkajs produce, ${k.recordBytes} B records (sendBatch of ${k.batchSize}, acks -1, idempotent)`, `${n0(k.produceMsgsPerSec)} msgs/s`, `${k.produceMBPerSec.toFixed(1)} MiB/s, ${k.records.toLocaleString('en-US')} records`]);
  rows.push(['raw kafkajs consume (consumer group, eachMessage)', `${n0(k.consumeMsgsPerSec)} msgs/s`, '']);
  rows.push(['Ed25519 sign / verify, node:crypto (1 core)', `${n0(c.nodeSign)} / ${n0(c.nodeVerify)} ops/s`, `${c.signingInputBytes} B signing input`]);
  rows.push(['Ed25519 sign / verify, jose flattened JWS (1 core)', `${n0(c.joseSign)} / ${n0(c.joseVerify)} ops/s`, '']);
  rows.push(['signNotice / verifyNotice, as the project uses them (1 core)', `${n0(c.signNotice)} / ${n0(c.verifyNotice)} ops/s`, 'verify includes the schema check']);
  rows.push(['officer token check, OfficerAuth (node:crypto) / jose jwtVerify (EdDSA)', `${n0(c.officerTokenVerify)}${c.joseTokenVerify === undefined ? '' : ` / ${n0(c.joseTokenVerify)}`} ops/s`, 'once per POST; jose only for comparison']);
  rows.push(['ajv: notice body / envelope + body', `${n0(c.ajvBody)} / ${n0(c.ajvDocument)} validations/s`, '']);
  rows.push([
    'JWE encrypt, encryptBody as the project uses it (1 core): 1 recipient / 4 recipients',
    `${n0(c.jweEncrypt1)} / ${n0(c.jweEncrypt4)} ops/s`,
    `${perExtraRecipient(c.jweEncrypt1, c.jweEncrypt4)}; ${c.bodyBytes} B body -> ${c.jweBytes} B JWE`,
  ]);
  rows.push(['JWE decrypt, decryptBody as the project uses it (1 core), one recipient', `${n0(c.jweDecrypt)} ops/s`, 'incl. the envelope binding check']);
  rows.push(['node:crypto floor: X25519 keygen+ECDH per recipient / AES-256-GCM of the body', `${n0(c.nodeX25519PerRecipient)} / ${n0(c.nodeAesGcm)} ops/s`, 'no Concat KDF or key wrap: a lower bound, not a JWE']);
  rows.push(['JWE encrypt / decrypt, node:crypto only (1 core), one recipient', `${n0(c.nodeJweEncrypt)} / ${n0(c.nodeJweDecrypt)} ops/s`, 'the same JWE (jose reads it): X25519, Concat KDF, AES key wrap, AES-256-GCM']);
  const pp = Object.entries(count.perProcess)
    .map(([p, v]) => `${p} ${+v.signatures.toFixed(2)}+${v.verifications}${v.encryptions ? `, ${v.encryptions} encrypt` : ''}${v.decryptions ? `, ${v.decryptions} decrypt` : ''}`)
    .join(', ');
  rows.push([
    'crypto per notice lifecycle (signatures + verifications)',
    `${count.signatures} + ${count.envelopeVerifications + count.tokenVerifications}${count.checkpointSignatures ? ` (+${+count.checkpointSignatures.toFixed(2)} checkpoint)` : ''}; ${count.encryptions} JWE encrypt + ${count.decryptions} decrypt`,
    `${pp}${r.measuredPerNotice ? `; stores say ${r.measuredPerNotice.signatures.toFixed(2)} + ${r.measuredPerNotice.verifications.toFixed(2)} over ${r.measuredPerNotice.notices} notices` : ''}`,
  ]);
  rows.push(['**crypto bound, one core** (node:crypto: signatures, verifications, JWE encrypt and decrypt)', `**${n0(r.cryptoLimit.bound)} notices/s**`, `${CRYPTO_BOUND_FORMULA} = ${r.cryptoLimit.boundFormula}`]);
  rows.push(['crypto limit, one core: Ed25519 alone (node:crypto) / project functions incl. JWE', `${n0(r.cryptoLimit.ed25519OneCore)} / ${n0(r.cryptoLimit.projectOneCore)} notices/s`, `TH's own share alone: ${n0(r.cryptoLimit.senderProcess)}/s`]);
  rows.push([`POST /v1/notices accepted (closed loop, ${r.e2e.accept.connections} connections, ${r.e2e.accept.seconds.toFixed(0)} s, fresh gateways)`, `${n0(r.e2e.accept.acceptedPerSec)} notices/s`, `HTTP p50 / p99 ${fmt(r.e2e.accept.http.p50)} / ${fmt(r.e2e.accept.http.p99)} ms${errorsNote(r.e2e.accept.errors)}`]);
  rows.push([
    `**full lifecycle, sustained ${life.seconds.toFixed(0)} s** (submission -> LA inbox -> TH verified receipt)`,
    `**${n0(life.completedPerSec)} notices/s**`,
    `**${pct(r.ratios.lifecycleOverCryptoBound)} of the crypto bound**; ${pct(r.ratios.lifecycleOverKafkaProduce)} of raw produce, ${pct(r.ratios.lifecycleOverKafkaConsume)} of raw consume, ${pct(r.ratios.lifecycleOverProjectCryptoLimit)} of the project crypto limit, ${pct(r.ratios.lifecycleOverEd25519Limit)} of the Ed25519 limit${r.sample.encrypted ? '; bodies encrypted' : ''}`,
  ]);
  rows.push([
    `  latency under that load, p50 / p95 / p99 to inbox (ms)`,
    lat(life.latency.toInbox),
    `per ${(life.seconds / life.timeline.length).toFixed(0)} s slice: ${life.timeline.join(', ')}/s; window ${life.window} in flight; the tail drained ${life.settle.drainMs} ms after (${n0(life.completedPerSecInclDrain)}/s counting it); TH store held ${n0(life.storeAtStart.sent)} notices at the start`,
  ]);
  rows.push([
    '  CPU per lifecycle under that load, per process (ms)',
    Object.entries(life.cpu.perUnitMs)
      .map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
      .join(', '),
    `${life.cpu.machinePerUnitMs !== undefined ? `whole machine ${life.cpu.machinePerUnitMs.toFixed(2)} ms per lifecycle, ${life.cpu.machineBusyCores?.toFixed(2)} of ${cpus().length} cores busy` : ''}${life.submissionGroups ? `; TH: ${describeGroups(life.submissionGroups)}` : ''}`,
  ]);
  for (const l of r.e2e.latency) {
    rows.push([
      `latency at ${l.label.startsWith(`${l.offeredPerSec}/s`) ? l.label : `${l.label} (${l.offeredPerSec}/s)`}, p50 / p95 / p99 to LA inbox (ms)`,
      lat(l.latency.toInbox),
      `to TH receipt p99 ${fmt(l.latency.toReceipt.p99)} ms; completed ${n0(l.completedPerSec)}/s${l.shed ? `; ${l.shed} of ${l.offered} not sent (over ${n0(r.options.openLoopMaxOutstanding)} unanswered)` : ''}${l.latency.incomplete - l.shed > 0 ? `; ${l.latency.incomplete - l.shed} unfinished at the drain limit` : ''}${errorsNote(l.errors)}${l.schedulerLagP99 > 10 ? `; generator lag p99 ${fmt(l.schedulerLagP99)} ms` : ''}; TH store held ${n0(l.storeAtStart.sent)} notices`,
    ]);
  }
  const a = r.audit;
  if (a.ingest) rows.push([`audit service ingest (${a.ingest.events.toLocaleString('en-US')} signed events): appended / checkpointed`, `${n0(a.ingest.appendedPerSec)} / ${n0(a.ingest.checkpointedPerSec)} events/s`, `${a.ingest.checkpointsSigned} checkpoints; last one ${a.ingest.checkpointLagMs} ms after the last append`]);
  for (const p of a.proofs) {
    rows.push([`Merkle proofs at ${p.leaves.toLocaleString('en-US')} leaves: inclusion / consistency, p50 (p99)`, `${p.inclusionMs.p50.toFixed(2)} (${p.inclusionMs.p99.toFixed(2)}) / ${p.consistencyMs.p50.toFixed(2)} (${p.consistencyMs.p99.toFixed(2)}) ms`, `appendMany ${p.appendUsPerLeaf.toFixed(0)} µs/leaf`]);
  }
  if (a.verify) rows.push([`mx audit verify, whole log of ${a.verify.leaves.toLocaleString('en-US')} leaves`, `${a.verify.seconds.toFixed(1)} s`, `${n0(a.verify.leavesPerSec)} leaves/s; ${a.verify.verdict}`]);
  for (const m of a.missing) rows.push(['audit', 'n/a', m]);
  const mem = (m: Record<string, number>) =>
    Object.entries(m)
      .map(([k2, v]) => `${k2} ${n0(v)}`)
      .join(', ');
  const profiled = r.options.profile ? '; the services ran under --cpu-prof (the profiler adds memory)' : '';
  rows.push(['RSS idle, after start-up (MiB)', mem(r.memory.idleMiB), r.services.from === 'compiled' ? 'services run from compiled JavaScript (npm run build), plain node' : 'services run from TypeScript through tsx (--from-source)']);
  rows.push(['RSS peak during the sustained lifecycle run (MiB)', mem(r.memory.sustainedMiB), `VmRSS sampled every 250 ms${profiled}`]);
  rows.push(['RSS peak over the whole run, overload included (VmHWM, MiB)', mem(r.memory.peakMiB), `the 1000/s phase holds up to ${n0(r.options.openLoopMaxOutstanding)} requests open${profiled}`]);

  const lines = ['| figure | value | beside it |', '|---|---|---|', ...rows.map(([x, y, z]) => `| ${x} | ${y} | ${z} |`)];
  lines.push('');
  lines.push(...formatTargets(r.targets.length > 0 ? r.targets : targets(r)));
  lines.push('');
  lines.push(
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memGiB} GiB, Node ${r.machine.node}, ${r.machine.kafka}. ` +
      `Load average before ${r.machine.loadavgBefore.map((x) => x.toFixed(2)).join(' ')}, after ${r.machine.loadavgAfter.map((x) => x.toFixed(2)).join(' ')}. ` +
      `Services from ${r.services.from === 'compiled' ? 'compiled JavaScript' : 'the sources through tsx'}. Preset ${r.preset}, ${r.seconds.toFixed(0)} s.`,
  );
  return lines;
}

/** The cost of each recipient past the first, from the 1- and 4-recipient rates (a loaded machine can invert them). */
function perExtraRecipient(one: number, four: number): string {
  const ms = (1000 / four - 1000 / one) / 3;
  return ms > 0 ? `~${ms.toFixed(3)} ms per extra recipient` : 'per extra recipient: n/a (4 recipients measured faster than 1: noise)';
}

function errorsNote(errors: Record<string, number>): string {
  const e = Object.entries(errors);
  return e.length === 0 ? '' : `; errors ${e.map(([s, n]) => `${s === '0' ? 'transport' : `HTTP ${s}`} x${n}`).join(', ')}`;
}
