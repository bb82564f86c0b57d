/**
 * `mx audit verify`: an auditor checks the audit log without trusting the people who run it.
 *
 *   mx audit verify --url URL --audit-key FILE --trust DIR [--token T | env MX_TOKEN]
 *                   [--sample N] [--state FILE] [--concurrency N]
 *   mx audit verify --bundle FILE --audit-key FILE --trust DIR [--state FILE]
 *
 * Online, it
 * 1. downloads every checkpoint and verifies each signature with the audit service's public key
 *    (`--audit-key`, nothing else), their origin and order;
 * 2. with `--state FILE`, requires the latest checkpoint to extend the one it accepted last time
 *    (a consistency proof from it), so a rollback or a forked history is caught across runs, and
 *    remembers the new one when everything passed;
 * 3. for every leaf of the latest checkpoint (or `--sample N` random ones) downloads the bytes,
 *    recomputes the leaf hash, verifies the leaf's inclusion proof against the signed root,
 *    verifies the event's own signature with the gateways' public keys (`--trust`) as of its
 *    `issuedAt`, and checks that the service's index says what the signed event says;
 * 4. checks that the checkpoints are consistent with one another: with every leaf downloaded, by
 *    recomputing each checkpoint's root from the leaves; with `--sample`, by the consistency proof
 *    between each checkpoint and the next;
 * 5. checks each gateway's chain: sequence numbers without holes or duplicates, each event naming
 *    its predecessor's digest (from the verified events; with `--sample`, from the index).
 * With `--bundle FILE` it checks an evidence bundle (`GET /v1/messages/{id}/evidence`) offline.
 *
 * It prints what it checked, every failure with the entry or checkpoint it concerns, and a final
 * `VERDICT:` line; the exit code is 0 only when everything passed.
 */
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CheckpointSignatureError, CheckpointVerifier, type SignedCheckpoint } from '../../../audit/src/checkpoint-key.ts';
import { verifyAuditEvent, type AuditEvent } from '../../../audit/src/event.ts';
import { CompactRange, isMerkleError, leafHash, verifyConsistency, verifyInclusion } from '../../../audit/src/merkle/index.ts';
import { digestOf } from '../../../core/src/envelope/digest.ts';
import { MxError } from '../../../core/src/errors/mx-error.ts';
import { SchemaRegistry } from '../../../core/src/schemas/registry.ts';
import { writeFileAtomic } from '../../../core/src/trust/files.ts';
import { TrustRegistry } from '../../../core/src/trust/trust-registry.ts';
import { AuditClient, AuditHttpError, type AuditSchemas, type FetchLike } from './audit-client.ts';
import { commandUsage, parseCommand, tokenOf } from './args.ts';
import { UsageError } from './exit-codes.ts';

/** What failed; stable, for scripts and tests. */
export type VerifyCheck =
  | 'checkpoint-missing'
  | 'checkpoint-signature'
  | 'checkpoint-order'
  | 'checkpoint-consistency'
  | 'checkpoint-root'
  | 'origin-mismatch'
  | 'rollback'
  | 'state-fork'
  | 'leaf-unavailable'
  | 'leaf-hash'
  | 'inclusion'
  | 'event-signature'
  | 'index-mismatch'
  | 'seq-gap'
  | 'seq-conflict'
  | 'chain-broken'
  | 'bundle'
  | 'unreachable';

/** One failed check: `where` names the entry or checkpoint (e.g. `leaf 13`, `checkpoint size 40`). */
export interface VerifyFailure {
  readonly check: VerifyCheck;
  readonly where: string;
  readonly detail: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  /** 0 passed, 1 a check failed, 3 the service could not be reached, 4 it answered 5xx (see exit-codes.ts). */
  readonly exitCode: 0 | 1 | 3 | 4;
  readonly failures: readonly VerifyFailure[];
  /** The checkpoint everything was verified against. */
  readonly checkpoint?: SignedCheckpoint;
  readonly stats: { checkpoints: number; leavesChecked: number; eventsVerified: number; gateways: Record<string, { from: number; to: number; events: number }>; ms: number };
}

/** Where the command prints, and what it may use (tests inject them). */
export interface AuditVerifyIo {
  out(line: string): void;
  err?(line: string): void;
  env?: Record<string, string | undefined>;
  fetch?: FetchLike;
  /** Called as leaves are checked (`mx` passes a terminal progress line, only when stderr is a TTY). */
  progress?(done: number, total: number): void;
}

const stdio: AuditVerifyIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export interface OnlineOptions {
  url: string;
  auditKey: string;
  trust: string;
  token?: string;
  sample?: number;
  state?: string;
  concurrency?: number;
  json?: boolean;
}

export interface BundleOptions {
  bundle: string;
  auditKey: string;
  trust: string;
  state?: string;
  json?: boolean;
}

/** The `--state` file: the last checkpoint this auditor accepted. */
interface StateFile {
  format: 'mx-audit-verify-state/v1';
  acceptedAt: string;
  checkpoint: SignedCheckpoint;
}

function usage(problem: string): UsageError {
  return new UsageError(problem, 'audit verify');
}

function positiveInt(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9][0-9]{0,8}$/.test(raw)) throw usage(`${flag} must be a positive whole number`);
  return Number(raw);
}

/** Parses the arguments after `mx audit verify`. */
export function parseAuditVerifyArgs(args: readonly string[], env: Record<string, string | undefined> = process.env): OnlineOptions | BundleOptions | 'help' {
  const { values: raw } = parseCommand('audit verify', args);
  const values = raw as Record<string, string | undefined> & { help?: boolean; json?: boolean };
  if (values.help) return 'help';
  if (values['audit-key'] === undefined) throw usage('--audit-key is required (the audit service\'s public key file, audit.jwks.json)');
  if (values.trust === undefined) throw usage('--trust is required (the gateways\' trust directory)');
  const common = { auditKey: values['audit-key'], trust: values.trust, ...(values.state !== undefined ? { state: values.state } : {}), ...(values.json === true ? { json: true } : {}) };
  if (values.bundle !== undefined) {
    if (values.url !== undefined || values.sample !== undefined || values.token !== undefined || values['token-file'] !== undefined) throw usage('--bundle is checked offline: no --url, --sample or token');
    return { ...common, bundle: values.bundle };
  }
  if (values.url === undefined) throw usage('--url or --bundle is required');
  const token = tokenOf(raw, 'audit verify', env);
  const sample = positiveInt(values.sample, '--sample');
  const concurrency = positiveInt(values.concurrency, '--concurrency');
  return { ...common, url: values.url, ...(token ? { token } : {}), ...(sample !== undefined ? { sample } : {}), ...(concurrency !== undefined ? { concurrency } : {}) };
}

/**
 * `mx audit verify`: parses `args`, runs the online or bundle verification, prints the report and
 * returns the exit code (0 only when every check passed). Usage errors throw `VALIDATION_FAILED`.
 */
export async function auditVerify(args: readonly string[], io: AuditVerifyIo = stdio): Promise<number> {
  const options = parseAuditVerifyArgs(args, io.env ?? process.env);
  if (options === 'help') {
    io.out(commandUsage('audit verify'));
    return 0;
  }
  // With --json the report lines are not printed: the result document is the only output.
  const runIo: AuditVerifyIo = options.json ? { ...io, out: () => undefined } : io;
  const report = 'bundle' in options ? await verifyEvidenceBundle(options, runIo) : await verifyAuditLog(options, runIo);
  if (options.json) io.out(JSON.stringify(resultOf(report)));
  return report.exitCode;
}

/** The `--json` document of a verification. */
export function resultOf(r: VerifyReport): Record<string, unknown> {
  return {
    verdict: r.ok ? 'PASS' : 'FAIL',
    exitCode: r.exitCode,
    leavesChecked: r.stats.leavesChecked,
    eventsVerified: r.stats.eventsVerified,
    checkpoints: r.stats.checkpoints,
    checkpoint: r.checkpoint ?? null,
    gateways: r.stats.gateways,
    failures: r.failures,
    ms: r.stats.ms,
  };
}

/** Collects failures and prints them as they come (the first 50; all are in the report). */
class Findings {
  readonly failures: VerifyFailure[] = [];
  constructor(private readonly io: AuditVerifyIo) {}

  fail(check: VerifyCheck, where: string, detail: string): void {
    this.failures.push({ check, where, detail });
    if (this.failures.length <= 50) this.io.out(`FAIL ${where}: ${detail} [${check}]`);
    else if (this.failures.length === 51) this.io.out('FAIL ... (more failures; see the summary)');
  }

  ok(line: string): void {
    this.io.out(`ok   ${line}`);
  }
}

function sizeLabel(cp: { treeSize: number }): string {
  return `checkpoint size ${cp.treeSize}`;
}

function b64(text: string): Buffer {
  return Buffer.from(text, 'base64');
}

function reason(err: unknown): string {
  if (err instanceof MxError) return `${err.code}: ${err.message}`;
  if (isMerkleError(err)) return `${err.code}: ${err.message}`;
  if (err instanceof CheckpointSignatureError) return `${err.problem}: ${err.message}`;
  if (err instanceof AuditHttpError) return err.message;
  return (err as Error).message;
}

async function readState(path: string | undefined): Promise<StateFile | undefined> {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const state = JSON.parse(text) as StateFile;
  if (state.format !== 'mx-audit-verify-state/v1' || typeof state.checkpoint?.treeSize !== 'number') throw new MxError('VALIDATION_FAILED', `${path} is not an mx audit verify state file`);
  return state;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** `count` distinct random indices of [0, size), sorted (Floyd's algorithm). */
function sampleIndices(size: number, count: number): number[] {
  if (count >= size) return Array.from({ length: size }, (_, i) => i);
  const chosen = new Set<number>();
  for (let j = size - count; j < size; j += 1) {
    const t = randomInt(0, j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** What the chain check needs of one event. */
interface ChainLink {
  index: number;
  eventId: string;
  gateway: string;
  seq: number;
  prevDigest: string | null;
}

/** Each gateway's sequence: no holes, no duplicates, each event naming its predecessor. */
function checkChains(links: readonly ChainLink[], f: Findings, source: string): VerifyReport['stats']['gateways'] {
  const byGateway = new Map<string, ChainLink[]>();
  for (const l of links) {
    const list = byGateway.get(l.gateway) ?? [];
    list.push(l);
    byGateway.set(l.gateway, list);
  }
  const summary: VerifyReport['stats']['gateways'] = {};
  for (const [gateway, list] of [...byGateway].sort(([a], [b]) => a.localeCompare(b))) {
    list.sort((a, b) => a.seq - b.seq || a.index - b.index);
    const first = list[0]!;
    let problems = 0;
    if (first.seq > 1) {
      f.fail('seq-gap', `gateway ${gateway}`, `seq 1..${first.seq - 1} missing: the first logged event is seq ${first.seq} (leaf ${first.index})`);
      problems += 1;
    }
    for (let i = 1; i < list.length; i += 1) {
      const prev = list[i - 1]!;
      const cur = list[i]!;
      if (cur.seq === prev.seq) {
        f.fail('seq-conflict', `gateway ${gateway} seq ${cur.seq}`, `two different events carry seq ${cur.seq} (leaves ${prev.index} and ${cur.index}): the gateway's trail forked`);
        problems += 1;
      } else if (cur.seq > prev.seq + 1) {
        const range = cur.seq - prev.seq === 2 ? `seq ${prev.seq + 1}` : `seq ${prev.seq + 1}..${cur.seq - 1}`;
        f.fail('seq-gap', `gateway ${gateway} ${range}`, `${range} missing from the log (seq ${prev.seq} is leaf ${prev.index}, seq ${cur.seq} is leaf ${cur.index})`);
        problems += 1;
      } else if (cur.prevDigest !== prev.eventId) {
        f.fail('chain-broken', `gateway ${gateway} seq ${cur.seq}`, `leaf ${cur.index} names previous digest ${String(cur.prevDigest)}, but seq ${prev.seq} (leaf ${prev.index}) is ${prev.eventId}`);
        problems += 1;
      }
    }
    summary[gateway] = { from: first.seq, to: list[list.length - 1]!.seq, events: list.length };
    if (problems === 0) f.ok(`gateway ${gateway}: seq ${first.seq}..${list[list.length - 1]!.seq} complete and linked (${list.length} events, ${source})`);
  }
  return summary;
}

/** Compares the service's index entry with the signed event. */
function compareIndex(summary: AuditSchemas['EventSummary'], eventId: string, body: AuditEvent): string | undefined {
  const diffs: string[] = [];
  if (summary.eventId !== eventId) diffs.push(`eventId ${summary.eventId} vs ${eventId}`);
  if (summary.gateway !== body.gateway) diffs.push(`gateway ${summary.gateway} vs ${body.gateway}`);
  if (summary.seq !== body.seq) diffs.push(`seq ${summary.seq} vs ${body.seq}`);
  if (summary.prevDigest !== body.prevDigest) diffs.push(`prevDigest ${String(summary.prevDigest)} vs ${String(body.prevDigest)}`);
  if (summary.action !== body.action) diffs.push(`action ${summary.action} vs ${body.action}`);
  if (summary.messageId !== body.messageId) diffs.push(`messageId ${String(summary.messageId)} vs ${String(body.messageId)}`);
  if (summary.messageType !== body.messageType) diffs.push(`messageType ${String(summary.messageType)} vs ${String(body.messageType)}`);
  if (summary.at !== body.at) diffs.push(`at ${summary.at} vs ${body.at}`);
  return diffs.length === 0 ? undefined : diffs.join(', ');
}

function verdict(io: AuditVerifyIo, f: Findings, what: string, started: number): void {
  const ms = Date.now() - started;
  if (f.failures.length === 0) {
    io.out(`VERDICT: PASS: ${what} (${ms} ms)`);
  } else {
    const first = f.failures[0]!;
    io.out(`VERDICT: FAIL: ${f.failures.length} problem${f.failures.length === 1 ? '' : 's'}; first: ${first.where}: ${first.detail} (${ms} ms)`);
  }
}

/** Online verification; see the module comment. */
export async function verifyAuditLog(o: OnlineOptions, io: AuditVerifyIo = stdio): Promise<VerifyReport> {
  const started = Date.now();
  const f = new Findings(io);
  const verifier = await CheckpointVerifier.fromFile(o.auditKey);
  const trust = await TrustRegistry.fromDirectory(o.trust);
  const schemas = SchemaRegistry.load();
  const state = await readState(o.state);
  const client = new AuditClient(o.url, o.token, io.fetch);
  const stats: { checkpoints: number; leavesChecked: number; eventsVerified: number; gateways: VerifyReport['stats']['gateways']; ms: number } = {
    checkpoints: 0,
    leavesChecked: 0,
    eventsVerified: 0,
    gateways: {},
    ms: 0,
  };
  const finish = async (checkpoint: SignedCheckpoint | undefined): Promise<VerifyReport> => {
    stats.ms = Date.now() - started;
    const ok = f.failures.length === 0 && checkpoint !== undefined;
    if (ok && o.state !== undefined && checkpoint !== undefined) {
      const next: StateFile = { format: 'mx-audit-verify-state/v1', acceptedAt: new Date().toISOString(), checkpoint };
      await writeFileAtomic(o.state, `${JSON.stringify(next, null, 2)}\n`, 0o644);
      io.out(`ok   state: remembered ${sizeLabel(checkpoint)} in ${o.state}`);
    }
    verdict(io, f, checkpoint ? `${stats.leavesChecked} leaves of ${sizeLabel(checkpoint)} (root ${checkpoint.rootHash}) verified` : 'nothing', started);
    return { ok, exitCode: ok ? 0 : (transport ?? 1), failures: f.failures, ...(checkpoint ? { checkpoint } : {}), stats };
  };
  // Set when the service could not be asked at all: unreachable (3) or failing (4), not a failed check.
  let transport: 3 | 4 | undefined;

  // 1. Checkpoints: signatures, order, origin.
  let checkpoints: AuditSchemas['Checkpoint'][];
  try {
    checkpoints = await client.all<AuditSchemas['Checkpoint']>('/v1/checkpoints');
  } catch (err) {
    f.fail('unreachable', o.url, `cannot list checkpoints: ${reason(err)}`);
    if (err instanceof AuditHttpError && err.status === 0) transport = 3;
    else if (err instanceof AuditHttpError && err.status >= 500) transport = 4;
    return finish(undefined);
  }
  stats.checkpoints = checkpoints.length;
  if (checkpoints.length === 0) {
    f.fail('checkpoint-missing', 'checkpoints', 'the log has no signed checkpoint: nothing can be verified');
    return finish(undefined);
  }
  const origin = state?.checkpoint.origin ?? checkpoints[0]!.origin;
  const valid: SignedCheckpoint[] = [];
  const kids = new Set<string>();
  for (const cp of checkpoints) {
    try {
      kids.add(await verifier.verify(cp));
    } catch (err) {
      f.fail('checkpoint-signature', sizeLabel(cp), `signature does not hold: ${reason(err)}`);
      continue;
    }
    if (cp.origin !== origin) {
      f.fail('origin-mismatch', sizeLabel(cp), `origin ${cp.origin}, expected ${origin}`);
      continue;
    }
    const prev = valid[valid.length - 1];
    if (prev !== undefined && (cp.treeSize <= prev.treeSize || cp.time < prev.time)) {
      f.fail('checkpoint-order', sizeLabel(cp), `comes after ${sizeLabel(prev)} (${prev.time}) but is not larger and later (${cp.time})`);
      continue;
    }
    valid.push(cp);
  }
  if (valid.length === checkpoints.length) f.ok(`${checkpoints.length} checkpoint${checkpoints.length === 1 ? '' : 's'}, signatures by ${[...kids].join(', ')}, origin ${origin}`);
  const latest = valid[valid.length - 1];
  if (latest === undefined) return finish(undefined);
  if (latest !== checkpoints[checkpoints.length - 1]) {
    io.out(`note the checks below use the latest checkpoint whose signature holds: ${sizeLabel(latest)}`);
  }

  // 2. The checkpoint accepted last time (--state): the log must provably extend it.
  if (state !== undefined) {
    const s = state.checkpoint;
    const where = `state ${o.state} (size ${s.treeSize}, accepted ${state.acceptedAt})`;
    if (latest.treeSize < s.treeSize) {
      f.fail('rollback', where, `the latest checkpoint has size ${latest.treeSize}, smaller than the ${s.treeSize} accepted before: the log was rolled back`);
    } else if (latest.treeSize === s.treeSize) {
      if (latest.rootHash !== s.rootHash) f.fail('state-fork', where, `the latest checkpoint has the same size but root ${latest.rootHash}, not ${s.rootHash}: the history was rewritten`);
      else f.ok(`latest checkpoint equals the one accepted on ${state.acceptedAt}`);
    } else {
      try {
        const p = await client.get<AuditSchemas['ConsistencyProof']>('/v1/proofs/consistency', { from: s.treeSize, to: latest.treeSize });
        verifyConsistency(s.treeSize, latest.treeSize, p.proof.map(b64), b64(s.rootHash), b64(latest.rootHash));
        f.ok(`the log extends the checkpoint accepted on ${state.acceptedAt} (size ${s.treeSize} -> ${latest.treeSize})`);
      } catch (err) {
        f.fail('state-fork', where, `the latest checkpoint (size ${latest.treeSize}) does not provably extend it: ${reason(err)}`);
      }
    }
  }

  // 3. Leaves: inclusion against the signed root, event signatures, the index.
  const size = latest.treeSize;
  const root = b64(latest.rootHash);
  let summaries: AuditSchemas['EventSummary'][] = [];
  try {
    summaries = await client.all<AuditSchemas['EventSummary']>('/v1/events');
  } catch (err) {
    f.fail('unreachable', '/v1/events', `cannot list events: ${reason(err)}`);
  }
  const byIndex = new Map(summaries.filter((s) => s.index < size).map((s) => [s.index, s]));
  const indices = o.sample === undefined ? Array.from({ length: size }, (_, i) => i) : sampleIndices(size, o.sample);
  const verified = new Map<number, { eventId: string; body: AuditEvent }>();
  // Every leaf's recomputed hash, 32 bytes each, in index order (full mode).
  const leafHashes = Buffer.alloc(o.sample === undefined ? size * 32 : 0);
  let hashed = 0;
  let included = 0;
  // Failures of single leaves are collected per leaf and reported in index order afterwards.
  const leafFailures = new Map<number, VerifyFailure[]>();
  const failAt = (index: number, check: VerifyCheck, detail: string): void => {
    const list = leafFailures.get(index) ?? [];
    list.push({ check, where: `leaf ${index}`, detail });
    leafFailures.set(index, list);
  };
  let processed = 0;
  const tick = (): void => {
    processed += 1;
    io.progress?.(processed, indices.length);
  };
  const checkLeaf = async (index: number, leaf: { leafHash: string; bytes: string }, proof: readonly string[]): Promise<void> => {
    stats.leavesChecked += 1;
    const bytes = Buffer.from(leaf.bytes, 'base64');
    const hash = leafHash(bytes);
    if (o.sample === undefined) {
      hash.copy(leafHashes, index * 32);
      hashed += 1;
    }
    if (hash.toString('base64') !== leaf.leafHash) failAt(index, 'leaf-hash', `its bytes hash to ${hash.toString('base64')}, but the service gives leaf hash ${leaf.leafHash}`);
    try {
      verifyInclusion(hash, index, size, proof.map(b64), root);
      included += 1;
    } catch (err) {
      failAt(index, 'inclusion', `not included in ${sizeLabel(latest)} (root ${latest.rootHash}) with these bytes: ${reason(err)}`);
    }
    const eventId = digestOf(bytes);
    try {
      const ev = await verifyAuditEvent(bytes, trust, schemas);
      stats.eventsVerified += 1;
      verified.set(index, { eventId, body: ev.body });
      const summary = byIndex.get(index);
      if (summary === undefined) failAt(index, 'index-mismatch', 'the service\'s event index has no entry for it');
      else {
        const diff = compareIndex(summary, eventId, ev.body);
        if (diff !== undefined) failAt(index, 'index-mismatch', `the service's index differs from the signed event: ${diff}`);
      }
    } catch (err) {
      failAt(index, 'event-signature', `the audit event does not verify: ${reason(err)}`);
    }
    tick();
  };
  /** One leaf and its own inclusion proof, in two requests. */
  const checkOne = async (index: number): Promise<void> => {
    let leaf: AuditSchemas['Leaf'];
    let proof: AuditSchemas['InclusionProof'];
    try {
      [leaf, proof] = await Promise.all([
        client.get<AuditSchemas['Leaf']>(`/v1/leaves/${index}`),
        client.get<AuditSchemas['InclusionProof']>('/v1/proofs/inclusion', { index, treeSize: size }),
      ]);
    } catch (err) {
      failAt(index, 'leaf-unavailable', `the service did not return it or its proof: ${reason(err)}`);
      tick();
      return;
    }
    await checkLeaf(index, leaf, proof.proof);
  };
  const concurrency = o.concurrency ?? 8;
  if (o.sample !== undefined) {
    await pool(indices, concurrency, checkOne);
  } else {
    // Every leaf: pages of leaves with their proofs; a page the service cannot serve is checked leaf by leaf.
    const PAGE = 500;
    const starts = Array.from({ length: Math.ceil(size / PAGE) }, (_, i) => i * PAGE);
    await pool(starts, Math.min(concurrency, 4), async (from) => {
      const end = Math.min(size, from + PAGE);
      let page: AuditSchemas['LeafPage'];
      try {
        page = await client.get<AuditSchemas['LeafPage']>('/v1/leaves', { from, limit: end - from, treeSize: size });
        const expected = Array.from({ length: end - from }, (_, i) => from + i);
        if (page.items.map((l) => l.index).join() !== expected.join()) throw new AuditHttpError(200, 'BAD_PAGE', `GET /v1/leaves?from=${from} did not list leaves ${from}..${end - 1}`);
      } catch {
        await pool(Array.from({ length: end - from }, (_, i) => from + i), concurrency, checkOne);
        return;
      }
      // Signature checks run on the crypto thread pool: keep several in flight.
      await pool(page.items, 16, (leaf) => checkLeaf(leaf.index, leaf, leaf.proof ?? []));
    });
  }
  for (const index of [...leafFailures.keys()].sort((x, y) => x - y)) {
    for (const { check, where, detail } of leafFailures.get(index)!) f.fail(check, where, detail);
  }
  if (included === indices.length) f.ok(`${included} leaves${o.sample !== undefined ? ` (a random sample of ${size})` : ''} included in ${sizeLabel(latest)} (root ${latest.rootHash})`);
  if (stats.eventsVerified === indices.length) f.ok(`${stats.eventsVerified} audit events carry valid gateway signatures`);
  const beyond = summaries.filter((s) => s.index >= size).length;
  if (beyond > 0) io.out(`note ${beyond} events logged after ${sizeLabel(latest)} are not covered by a checkpoint yet and were not checked`);

  // 4. Consistency of the checkpoints with one another. With every leaf in hand, each checkpoint's
  // root is recomputed from the leaves: that proves them all prefixes of one history, with no
  // request per checkpoint. Otherwise (a sample, or leaves the service would not serve), the
  // service's consistency proof between each checkpoint and the next is checked.
  const chain = valid.filter((c) => c.treeSize >= (state?.checkpoint.treeSize ?? 0));
  if (o.sample === undefined && hashed === size) {
    const range = CompactRange.empty();
    let matching = 0;
    for (const cp of valid) {
      while (range.size < cp.treeSize) range.append(leafHashes.subarray(range.size * 32, range.size * 32 + 32));
      if (range.root().toString('base64') === cp.rootHash) matching += 1;
      else f.fail('checkpoint-root', sizeLabel(cp), `the first ${cp.treeSize} leaves the service serves hash to ${range.root().toString('base64')}, not the signed root ${cp.rootHash}`);
    }
    if (matching === valid.length) f.ok(`every checkpoint's root recomputed from the leaves: ${valid.length} consistent checkpoints, sizes ${valid[0]!.treeSize} -> ${latest.treeSize}`);
  } else {
    let consistent = 0;
    for (let i = 1; i < chain.length; i += 1) {
      const a = chain[i - 1]!;
      const b = chain[i]!;
      try {
        const p = await client.get<AuditSchemas['ConsistencyProof']>('/v1/proofs/consistency', { from: a.treeSize, to: b.treeSize });
        verifyConsistency(a.treeSize, b.treeSize, p.proof.map(b64), b64(a.rootHash), b64(b.rootHash));
        consistent += 1;
      } catch (err) {
        f.fail('checkpoint-consistency', `checkpoints size ${a.treeSize} -> ${b.treeSize}`, `no valid consistency proof: ${reason(err)}`);
      }
    }
    if (chain.length > 1 && consistent === chain.length - 1) f.ok(`each checkpoint extends the one before (${consistent} consistency proofs, sizes ${chain[0]!.treeSize} -> ${latest.treeSize})`);
  }

  // 5. Each gateway's chain.
  if (o.sample === undefined) {
    const links = [...verified].map(([index, v]) => ({ index, eventId: v.eventId, gateway: v.body.gateway, seq: v.body.seq, prevDigest: v.body.prevDigest }));
    stats.gateways = checkChains(links, f, 'from the signed events');
  } else {
    const links = [...byIndex.values()].map((s) => ({ index: s.index, eventId: s.eventId, gateway: s.gateway, seq: s.seq, prevDigest: s.prevDigest }));
    stats.gateways = checkChains(links, f, 'from the service\'s index; sampled entries checked against their signed events');
  }
  return finish(latest);
}

/** Offline verification of an evidence bundle. */
export async function verifyEvidenceBundle(o: BundleOptions, io: AuditVerifyIo = stdio): Promise<VerifyReport> {
  const started = Date.now();
  const f = new Findings(io);
  const verifier = await CheckpointVerifier.fromFile(o.auditKey);
  const trust = await TrustRegistry.fromDirectory(o.trust);
  const schemas = SchemaRegistry.load();
  const state = await readState(o.state);
  const bundle = JSON.parse(await readFile(o.bundle, 'utf8')) as AuditSchemas['EvidenceBundle'];
  const stats = { checkpoints: 1, leavesChecked: 0, eventsVerified: 0, gateways: {}, ms: 0 };
  const done = (checkpoint: SignedCheckpoint | undefined): VerifyReport => {
    stats.ms = Date.now() - started;
    const ok = f.failures.length === 0;
    verdict(io, f, `${stats.eventsVerified} events of message ${String(bundle.messageId)} proven in ${checkpoint ? sizeLabel(checkpoint) : 'no checkpoint'}`, started);
    return { ok, exitCode: ok ? 0 : 1, failures: f.failures, ...(checkpoint ? { checkpoint } : {}), stats };
  };
  if (bundle.format !== 'mx-evidence-bundle/v1' || !Array.isArray(bundle.entries) || typeof bundle.checkpoint !== 'object') {
    f.fail('bundle', o.bundle, 'not an mx-evidence-bundle/v1 document');
    return done(undefined);
  }
  const cp = bundle.checkpoint;
  try {
    const kid = await verifier.verify(cp);
    f.ok(`${sizeLabel(cp)} signed by ${kid} at ${cp.time}`);
  } catch (err) {
    f.fail('checkpoint-signature', sizeLabel(cp), `signature does not hold: ${reason(err)}`);
    return done(undefined);
  }
  if (state !== undefined) {
    const s = state.checkpoint;
    if (s.origin !== cp.origin) f.fail('origin-mismatch', sizeLabel(cp), `origin ${cp.origin}, the state's is ${s.origin}`);
    else if (s.treeSize === cp.treeSize && s.rootHash !== cp.rootHash) f.fail('state-fork', sizeLabel(cp), `same size as the accepted checkpoint but root ${cp.rootHash}, not ${s.rootHash}`);
    else if (s.treeSize !== cp.treeSize) io.out(`note consistency with the accepted checkpoint (size ${s.treeSize}) needs the service: run mx audit verify --url ... --state ${o.state}`);
  }
  const root = b64(cp.rootHash);
  const history: { at: string; index: number; body: AuditEvent }[] = [];
  const seen = new Set<number>();
  for (const e of bundle.entries) {
    const where = `entry leaf ${e.index}`;
    stats.leavesChecked += 1;
    if (seen.has(e.index)) f.fail('bundle', where, 'appears twice');
    seen.add(e.index);
    const bytes = Buffer.from(e.bytes, 'base64');
    const hash = leafHash(bytes);
    if (hash.toString('base64') !== e.leafHash) f.fail('leaf-hash', where, `its bytes hash to ${hash.toString('base64')}, the bundle says ${e.leafHash}`);
    if (digestOf(bytes) !== e.eventId) f.fail('bundle', where, `its bytes have digest ${digestOf(bytes)}, the bundle says event ${e.eventId}`);
    try {
      verifyInclusion(hash, e.index, cp.treeSize, e.proof.map(b64), root);
    } catch (err) {
      f.fail('inclusion', where, `not included in ${sizeLabel(cp)}: ${reason(err)}`);
    }
    try {
      const ev = await verifyAuditEvent(bytes, trust, schemas);
      stats.eventsVerified += 1;
      if (ev.body.messageId !== bundle.messageId) f.fail('bundle', where, `the event is about message ${String(ev.body.messageId)}, not ${bundle.messageId}`);
      history.push({ at: ev.body.at, index: e.index, body: ev.body });
    } catch (err) {
      f.fail('event-signature', where, `the audit event does not verify: ${reason(err)}`);
    }
  }
  history.sort((a, b) => a.at.localeCompare(b.at) || a.index - b.index);
  io.out(`history of message ${bundle.messageId} (${history.length} signed events):`);
  for (const h of history) {
    const b = h.body;
    io.out(`  ${b.at}  ${b.gateway.padEnd(8)} seq ${String(b.seq).padEnd(5)} ${b.action.padEnd(16)} ${b.counterpart ? `counterpart ${b.counterpart}` : ''}${b.outcome ? ` ${b.outcome}` : ''}${b.reasonCode ? ` ${b.reasonCode}` : ''}  (leaf ${h.index})`);
  }
  return done(cp);
}
