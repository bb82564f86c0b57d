/**
 * A deployment run as an operator runs it, for the trust-operations acceptance tests: gateways and
 * the audit service as separate processes on the shared broker, each reading its OWN copy of the
 * trust directory (as `mx setup --distribute` hands each service its bundle), so "LA has not
 * learned TH's new key yet" is a real state. The endpoint's key directory is the deployment's
 * (`<dir>/private/<EP>.jwks.json`, `<dir>/trust/<EP>.jwks.json`): `mx keys rotate` writes there,
 * and {@link OpsDeployment.publish} copies a public key file to the services that should learn it.
 * Every service reloads its trust files each second (`MX_TRUST_RELOAD_SECONDS=1`).
 */
import type { components as AuditComponents } from '../../openapi/generated/audit.ts';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditEnv, gatewayEnv, setupAudit, type AuditDeployment, type Deployment } from '../../services/cli/src/deployment/setup.ts';
import { keysRotate } from '../../services/cli/src/commands/keys.ts';
import { verifyAuditLog, type VerifyReport } from '../../services/cli/src/commands/audit-verify.ts';
import { AUDIT_AUDIENCE } from '../../services/audit/src/config.ts';
import { digestOf } from '../../services/core/src/envelope/digest.ts';
import { gatewayAudience, mintToken } from '../../services/core/src/idp/dev-idp.ts';
import { privateJwksPathOf, publicJwksPathOf, type GeneratedKey } from '../../services/core/src/trust/keygen.ts';
import { REVOCATIONS_FILE } from '../../services/core/src/trust/trust-registry.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { eventually, provisionTestKafka, testBrokers, testDeployment, uniqueName } from '../support/kafka.ts';
import { ServiceProcess, withStore } from '../support/processes.ts';

/** The trust reload interval every service of these tests runs with (`MX_TRUST_RELOAD_SECONDS`). */
export const RELOAD_SECONDS = 1;

/**
 * How long a trust change may take to be in force at a running service, as the README documents
 * it: one reload interval plus one second to notice, read and check the files.
 */
export const RELOAD_BOUND_MS = (RELOAD_SECONDS + 1) * 1000;

export type Gateway = 'TH' | 'LA';
export type Service = Gateway | 'audit';

const SESSION_TIMEOUT_MS = 6000;

export interface OpsOptions {
  /** Endpoints of the deployment (keys, topics); TH and LA run as processes, the others only have keys. */
  endpoints?: string[];
  /** Extra environment of every gateway. */
  gatewayEnv?: Record<string, string>;
  /** Extra environment of the audit service. */
  auditEnv?: Record<string, string>;
  /** Before the trust directories are handed out (e.g. a second key for an endpoint). */
  prepare?: (dep: Deployment) => Promise<void>;
}

interface DeadLetter {
  id: string;
  digest: string;
  reasonCode: string;
  from?: string;
}

interface Quarantined {
  id: string;
  digest: string;
  reasonCode: string;
  gateway?: string;
}

/** One gateway's row of the audit service's `/v1/status` `gateways`. */
type AuditSchemas = AuditComponents['schemas'];
export type AuditGatewayStatus = AuditSchemas['GatewayLag'];

/** Copies a file so that a reader sees the old bytes or the new ones, never half a file. */
function copyAtomic(from: string, to: string, mode?: number): void {
  const tmp = `${to}.${process.pid}.copying`;
  copyFileSync(from, tmp);
  if (mode !== undefined) chmodSync(tmp, mode);
  renameSync(tmp, to);
}

/** The `kid` in a signed record's protected header. */
export function kidOf(record: Buffer | Uint8Array): string {
  const jws = JSON.parse(Buffer.from(record).toString('utf8')) as { protected: string };
  return (JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8')) as { kid: string }).kid;
}

export class OpsDeployment {
  readonly procs: Partial<Record<Service, ServiceProcess>> = {};
  private readonly tokens = new Map<string, string>();
  private caseNo = 100_000 + Math.floor(Math.random() * 800_000);

  private constructor(
    readonly dep: Deployment,
    readonly audit: AuditDeployment,
    readonly prefix: string,
    private readonly opts: OpsOptions,
  ) {}

  /** Keys, trust directories (one per service), Kafka topics and ACLs; nothing started yet. */
  static async create(name: string, opts: OpsOptions = {}): Promise<OpsDeployment> {
    const endpoints = opts.endpoints ?? ['TH', 'LA'];
    const dep = await testDeployment(`mx-${name}-`, endpoints);
    const audit = await setupAudit(dep);
    await opts.prepare?.(dep);
    const prefix = `${uniqueName(name)}.`;
    await provisionTestKafka({ endpoints, topicPrefix: prefix });
    const ops = new OpsDeployment(dep, audit, prefix, opts);
    // TH's own trust directory is the one `mx keys rotate` writes into; the others are copies.
    for (const s of ['LA', 'audit'] as const) cpSync(dep.trustDir, ops.trustDir(s), { recursive: true });
    return ops;
  }

  /** The trust directory service `s` reads. */
  trustDir(s: Service): string {
    return s === 'TH' ? this.dep.trustDir : join(this.dep.dir, `trust-${s}`);
  }

  storeOf(e: Gateway): string {
    return join(this.dep.dir, 'data', e, 'gateway.sqlite');
  }

  envOf(s: Service, extra: Record<string, string> = {}): Record<string, string> {
    const common = { MX_TRUST_DIR: this.trustDir(s), MX_TRUST_RELOAD_SECONDS: String(RELOAD_SECONDS) };
    if (s === 'audit') {
      return { ...auditEnv(this.dep, testBrokers(), { topicPrefix: this.prefix, checkpointEverySeconds: 1 }), ...common, ...this.opts.auditEnv, ...extra };
    }
    return {
      ...gatewayEnv(this.dep, s, testBrokers(), { topicPrefix: this.prefix }),
      ...common,
      MX_CONSUMER_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      ...this.opts.gatewayEnv,
      ...extra,
    };
  }

  /** Starts service `s` as a process and waits until its consumer owns its topic. */
  async start(s: Service, extra: Record<string, string> = {}): Promise<ServiceProcess> {
    const p = await ServiceProcess.spawn({ kind: s === 'audit' ? 'audit' : 'gateway', name: s, env: this.envOf(s, extra), logFile: join(this.dep.dir, `${s}.log`) });
    this.procs[s] = p;
    await p.waitForConsumer({ timeoutMs: 60_000 });
    return p;
  }

  async stop(s: Service): Promise<void> {
    const p = this.procs[s];
    if (p === undefined) return;
    const exit = await p.stop();
    expect({ service: s, exit }).toEqual({ service: s, exit: { code: 0, signal: null } });
  }

  async restart(s: Service): Promise<ServiceProcess> {
    await this.stop(s);
    return this.start(s);
  }

  the(s: Service): ServiceProcess {
    const p = this.procs[s];
    if (!p || p.exit) throw new Error(`${s} is not running`);
    return p;
  }

  running(s: Service): boolean {
    const p = this.procs[s];
    return p !== undefined && p.exit === undefined;
  }

  // --- keys and trust files, as an operator handles them ---

  /** `mx keys rotate --endpoint <e>` in the endpoint's key directory (or another one, e.g. a staging copy). */
  async rotate(e: string, validFrom: Date, dir = this.dep.dir): Promise<GeneratedKey> {
    const lines: string[] = [];
    return keysRotate({ endpoint: e, dir, validFrom }, { out: (l) => lines.push(l) });
  }

  /** A copy of endpoint `e`'s key directory (private and public key file), to prepare a key offline. */
  stagingCopy(e: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'mx-staging-'));
    mkdirSync(join(dir, 'private'), { recursive: true, mode: 0o700 });
    mkdirSync(join(dir, 'trust'), { recursive: true });
    copyAtomic(privateJwksPathOf(this.dep.dir, e), privateJwksPathOf(dir, e), 0o600);
    copyAtomic(publicJwksPathOf(this.dep.dir, e), publicJwksPathOf(dir, e));
    return dir;
  }

  /** Installs a staged key directory's files as endpoint `e`'s own (private key and its own trust file). */
  install(e: string, staging: string): void {
    copyAtomic(privateJwksPathOf(staging, e), privateJwksPathOf(this.dep.dir, e), 0o600);
    copyAtomic(publicJwksPathOf(staging, e), publicJwksPathOf(this.dep.dir, e));
  }

  /** Hands endpoint `e`'s public key file (from the key directory `from`) to the trust directories of `to`. */
  publish(e: string, to: readonly Service[], from = this.dep.dir): void {
    for (const s of to) {
      if (s === 'TH' && from === this.dep.dir) continue;
      copyAtomic(publicJwksPathOf(from, e), join(this.trustDir(s), `${e}.jwks.json`));
    }
  }

  /** Appends a revocation of `kid` to revocations.json of `to` (and of the deployment's own trust directory). */
  revoke(kid: string, revokedAt: Date, to: readonly Service[]): void {
    const dirs = new Set([this.dep.trustDir, ...to.map((s) => this.trustDir(s))]);
    for (const dir of dirs) {
      const file = join(dir, REVOCATIONS_FILE);
      const list = JSON.parse(readFileSync(file, 'utf8')) as { revoked: { kid: string; revokedAt: string; reason: string }[] };
      list.revoked.push({ kid, revokedAt: revokedAt.toISOString(), reason: 'key compromise (test)' });
      writeFileSync(`${file}.tmp`, `${JSON.stringify(list, null, 2)}\n`);
      renameSync(`${file}.tmp`, file);
    }
  }

  // --- HTTP ---

  async token(e: string): Promise<string> {
    let t = this.tokens.get(e);
    if (t === undefined) {
      t = await mintToken(this.dep.idpPrivateJwks, { subject: `officer@${e}`, endpoint: e, agency: `${e} test agency`, roles: ['liaison-officer'], audience: gatewayAudience(e) });
      this.tokens.set(e, t);
    }
    return t;
  }

  /** A gateway's `GET /v1/status` (no token: counts, times and versions only). */
  async gatewayStatus(e: Gateway): Promise<{ status: number; body: any }> {
    return this.the(e).call('GET', '/v1/status');
  }

  async auditorToken(): Promise<string> {
    let t = this.tokens.get('auditor');
    if (t === undefined) {
      t = await mintToken(this.dep.idpPrivateJwks, { subject: 'auditor@TH', endpoint: 'TH', agency: 'TH audit office (test)', roles: ['auditor'], audience: AUDIT_AUDIENCE });
      this.tokens.set('auditor', t);
    }
    return t;
  }

  async auditGet(path: string): Promise<{ status: number; body: any }> {
    return this.the('audit').call('GET', path, { token: await this.auditorToken() });
  }

  /** TH submits a victim notice to LA (a new case each). */
  async submit(): Promise<{ status: number; body: any }> {
    return this.the('TH').call('POST', '/v1/notices', {
      token: await this.token('TH'),
      body: { type: 'victim-repatriation-notice', to: ['LA'], caseRef: this.nextCaseRef('TH'), body: loadBody('victim-repatriation-notice') },
    });
  }

  nextCaseRef(e: string): string {
    return `${e}-2026-${String(this.caseNo++).padStart(6, '0')}`;
  }

  /** The `trust` a service reports in `/v1/status`. */
  async trustStatus(s: Service): Promise<{ version: string; loadedAt: string; problem?: string } | undefined> {
    const r = s === 'audit' ? await this.auditGet('/v1/status') : await this.gatewayStatus(s);
    return r.status === 200 ? r.body.trust : undefined;
  }

  /**
   * Waits until every service in `who` runs on trust files loaded after `since` (a version is
   * only comparable between services reading the same files: a gateway's also covers its own
   * private key file and routing policy).
   */
  async learned(who: readonly Service[], since: Date, timeoutMs = 20_000): Promise<void> {
    await eventually(async () => {
      for (const s of who) {
        const t = await this.trustStatus(s);
        if (t === undefined || Date.parse(t.loadedAt) < since.getTime()) return undefined;
        expect({ service: s, problem: t.problem }).toEqual({ service: s, problem: undefined });
      }
      return true;
    }, timeoutMs, `${who.join(', ')} running on the trust files copied at ${since.toISOString()}`);
  }

  // --- what the stores and APIs show ---

  /** LA's inbox: the record of each received notice of `ids` (undefined: not there). */
  inboxAtLA(ids: readonly string[]): Map<string, { digest: string; kid: string }> {
    return withStore(this.storeOf('LA'), (db) => {
      const out = new Map<string, { digest: string; kid: string }>();
      const q = db.prepare("SELECT digest, record FROM inbox WHERE from_ep = 'TH' AND id = ?");
      for (const id of ids) {
        const row = q.get(id) as { digest: string; record: Buffer } | undefined;
        if (row) out.set(id, { digest: row.digest, kid: kidOf(row.record) });
      }
      return out;
    });
  }

  /** Digests of everything in LA's inbox from TH. */
  inboxDigestsAtLA(): Set<string> {
    return withStore(this.storeOf('LA'), (db) => new Set((db.prepare("SELECT digest FROM inbox WHERE from_ep = 'TH'").all() as { digest: string }[]).map((r) => r.digest)));
  }

  async deadLetters(e: Gateway): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    let cursor: string | null = null;
    do {
      const r = await this.the(e).call('GET', `/v1/dead-letters?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: await this.token(e) });
      expect(r.status).toBe(200);
      out.push(...(r.body.items as DeadLetter[]));
      cursor = r.body.nextCursor as string | null;
    } while (cursor);
    return out;
  }

  async quarantine(): Promise<Quarantined[]> {
    const out: Quarantined[] = [];
    let cursor: string | null = null;
    do {
      const r = await this.auditGet(`/v1/quarantine?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(r.status).toBe(200);
      out.push(...(r.body.items as Quarantined[]));
      cursor = r.body.nextCursor as string | null;
    } while (cursor);
    return out;
  }

  /** Digests of every leaf of the audit log. */
  async leafDigests(): Promise<Set<string>> {
    const out = new Set<string>();
    let cursor: string | null = null;
    do {
      const r = await this.auditGet(`/v1/leaves?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(r.status).toBe(200);
      for (const l of r.body.items as { bytes: string }[]) out.add(digestOf(Buffer.from(l.bytes, 'base64')));
      cursor = r.body.nextCursor as string | null;
    } while (cursor);
    return out;
  }

  async auditGateways(): Promise<AuditGatewayStatus[]> {
    const r = await this.auditGet('/v1/status');
    expect(r.status).toBe(200);
    return (r.body.gateways ?? []) as AuditGatewayStatus[];
  }

  /** A gateway's own audit trail: its highest seq, how many events are unsigned, and its newest signed record. */
  trailOf(e: Gateway): { maxSeq: number; signedSeq: number; unsigned: number; newest: Buffer | undefined; kids: Set<string> } {
    return withStore(this.storeOf(e), (db) => {
      const { maxSeq, unsigned } = db.prepare('SELECT coalesce(max(seq), 0) AS maxSeq, count(*) - count(record) AS unsigned FROM audit_events').get() as { maxSeq: number; unsigned: number };
      const { signedSeq } = db.prepare('SELECT coalesce(max(seq), 0) AS signedSeq FROM audit_events WHERE record IS NOT NULL').get() as { signedSeq: number };
      const newest = (db.prepare('SELECT record FROM audit_events WHERE record IS NOT NULL ORDER BY seq DESC LIMIT 1').get() as { record: Buffer } | undefined)?.record;
      const kids = new Set((db.prepare('SELECT record FROM audit_events WHERE record IS NOT NULL').all() as { record: Buffer }[]).map((r) => kidOf(r.record)));
      return { maxSeq, signedSeq, unsigned, newest, kids };
    });
  }

  /**
   * Waits until every notice of `ids` is in LA's inbox and TH's lifecycle shows it delivered to LA:
   * read from TH's store for all of them (hundreds of HTTP calls per poll are too slow under load),
   * and from TH's API for the last one.
   */
  async allDelivered(ids: readonly string[], timeoutMs = 90_000): Promise<void> {
    await eventually(() => (this.inboxAtLA(ids).size === ids.length ? true : undefined), timeoutMs, `${ids.length} notices in LA's inbox`);
    await eventually(
      () =>
        withStore(this.storeOf('TH'), (db) => {
          const q = db.prepare("SELECT delivered_at FROM sent_recipients WHERE message_id = ? AND endpoint = 'LA'");
          return ids.every((id) => (q.get(id) as { delivered_at: number | null } | undefined)?.delivered_at != null) ? true : undefined;
        }),
      timeoutMs,
      `TH's lifecycle delivered for ${ids.length} notices`,
    );
    const last = await this.the('TH').call('GET', `/v1/messages/${ids.at(-1)}`, { token: await this.token('TH') });
    expect(last.status).toBe(200);
    expect(last.body.recipients).toEqual([expect.objectContaining({ endpoint: 'LA', delivered: true })]);
  }

  /**
   * Waits until the audit service holds every event TH and LA ever recorded (its `lastSeq` per
   * gateway equals the gateway's own highest seq, nothing left unsigned), and a checkpoint covers
   * the whole log; then checks there is no gap and runs `mx audit verify`.
   */
  async auditComplete(gateways: readonly Gateway[] = ['TH', 'LA'], timeoutMs = 90_000): Promise<VerifyReport & { lines: string[] }> {
    await eventually(async () => {
      const at = await this.auditGateways();
      for (const e of gateways) {
        const own = this.trailOf(e);
        if (own.unsigned > 0 || own.maxSeq === 0) return undefined;
        if (at.find((g) => g.gateway === e)?.lastSeq !== own.maxSeq) return undefined;
      }
      return true;
    }, timeoutMs, `the audit service holding every event of ${gateways.join(' and ')}`);
    await eventually(async () => {
      const s = (await this.auditGet('/v1/status')).body as { treeSize: number; latestCheckpoint?: { treeSize: number } };
      return s.latestCheckpoint !== undefined && s.latestCheckpoint.treeSize === s.treeSize ? true : undefined;
    }, 30_000, 'a checkpoint of the whole log');
    const gaps = await this.auditGet('/v1/gaps');
    expect(gaps.status).toBe(200);
    expect(gaps.body.items).toEqual([]);
    return this.verify();
  }

  /** `mx audit verify` against the running audit service, with the deployment's full trust directory. */
  async verify(): Promise<VerifyReport & { lines: string[] }> {
    const lines: string[] = [];
    const report = await verifyAuditLog({ url: this.the('audit').url, auditKey: this.audit.publicKeyFile, trust: this.dep.trustDir, token: await this.auditorToken() }, { out: (l) => lines.push(l) });
    return { ...report, lines };
  }
}

/**
 * A steady trickle of TH → LA victim notices while the test changes keys and restarts services:
 * one every `everyMs` while TH runs (none while it is down: an officer's request would fail, not
 * be lost). Keeps the ids TH accepted (202) and any other answer TH gave.
 */
export class Trickle {
  readonly accepted: string[] = [];
  readonly refused: { status: number; code?: string }[] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly ops: OpsDeployment,
    private readonly everyMs = 300,
  ) {}

  start(): this {
    this.loop = (async () => {
      while (!this.stopped) {
        if (this.ops.running('TH')) {
          try {
            const r = await this.ops.submit();
            if (r.status === 202) this.accepted.push(r.body.id as string);
            else this.refused.push({ status: r.status, code: r.body?.code });
          } catch {
            // TH went down between the check and the request (a restart): not an answer.
          }
        }
        await new Promise((r) => setTimeout(r, this.everyMs));
      }
    })();
    return this;
  }

  /** Waits until `n` more notices than now were accepted. */
  async more(n: number, timeoutMs = 60_000): Promise<void> {
    const want = this.accepted.length + n;
    await eventually(() => (this.accepted.length >= want ? true : undefined), timeoutMs, `${n} more accepted notices`);
  }

  async stop(): Promise<string[]> {
    this.stopped = true;
    await this.loop;
    return [...this.accepted];
  }
}
