/**
 * Gateways (`services/gateway/src/main.ts`) and the audit service (`services/audit/src/main.ts`) as
 * real child processes, for the tests that kill or restart them rather than stopping them
 * politely, and for those that need each service to read its own files. Each process is spawned
 * with an IPC channel (it reports `{ ready, port }` once its HTTP API listens), its JSON log lines
 * are captured (and copied to a file beside its data), and every process spawned here is tracked
 * so that {@link killAllProcesses} in `afterAll` leaves none behind, whatever the test did. The
 * gateway also stops by itself when its IPC parent goes away (a killed jest worker).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { topicNames } from '../../services/core/src/kafka/transport.ts';
import { COMPILED_PROGRAMS } from '../../services/core/src/build/build.ts';
import { clientSecurityFromFiles, kafkajsSecurity, type KafkaClientSecurity } from '../../services/core/src/kafka/security.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Which program a process runs. */
export type ServiceKind = 'gateway' | 'audit';

const MAIN: Record<ServiceKind, string> = { gateway: 'services/gateway/src/main.ts', audit: 'services/audit/src/main.ts' };

export interface LogLine {
  level: number;
  msg: string;
  time?: string;
  [k: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** The program (default: a gateway). */
  kind?: ServiceKind;
  /** The service's environment (gatewayEnv(...) or auditEnv(...) plus test settings); PATH and HOME come from this process. */
  env: Record<string, string>;
  /** A label for logs and errors (default: the endpoint, or `audit`). */
  name?: string;
  /** Also append every output line to this file (kept for a post-mortem). */
  logFile?: string;
  /** How long to wait for `{ ready }` (ms). */
  readyTimeoutMs?: number;
  /**
   * A compiled tree (`npm run build -- --out-dir DIR`: DIR here): run the program as the container
   * image does, `node DIR/services/cli/src/entry.js <kind>`, with no TypeScript loader.
   */
  compiled?: string;
}

const live = new Set<ServiceProcess>();

/** One gateway or audit service child process. */
export class ServiceProcess {
  readonly logs: LogLine[] = [];
  /** Lines that were not JSON (a crash before pino is up, tsx errors). */
  readonly rawOutput: string[] = [];
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  port = 0;
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly logFile: string | undefined,
    private readonly group: ConsumerGroupRef,
    /** Members of the group before this process started: dead or departed predecessors. */
    private readonly membersBefore: ReadonlySet<string>,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        this.notify();
        resolve(this.exit);
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => this.onLine(line));
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Spawns `node --import tsx services/<kind>/src/main.ts` (or the compiled program) and waits until its HTTP API listens. */
  static async spawn(opts: SpawnOptions): Promise<ServiceProcess> {
    const kind = opts.kind ?? 'gateway';
    const { NODE_OPTIONS: _ignored, ...base } = process.env;
    const group = consumerGroupOf(kind, opts.env);
    const membersBefore = new Set((await describeGroup(group).catch(() => undefined))?.members.map((m) => m.memberId) ?? []);
    const args = opts.compiled === undefined ? ['--import', 'tsx', MAIN[kind]] : [join(opts.compiled, COMPILED_PROGRAMS.entry), kind];
    const child = spawn(process.execPath, args, {
      // A compiled program runs where the image has it (/app, the compiled tree's parent), away from the sources.
      cwd: opts.compiled === undefined ? REPO_ROOT : join(opts.compiled, '..'),
      env: { ...base, MX_LOG_LEVEL: 'info', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const gp = new ServiceProcess(opts.name ?? (kind === 'audit' ? 'audit' : (opts.env.MX_ENDPOINT ?? 'gateway')), child, opts.logFile, group, membersBefore);
    live.add(gp);
    const timeoutMs = opts.readyTimeoutMs ?? 60_000;
    try {
      gp.port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${gp.name} did not report ready within ${timeoutMs} ms`)), timeoutMs);
        child.on('message', (m: { ready?: boolean; port?: number }) => {
          if (m?.ready && typeof m.port === 'number') {
            clearTimeout(timer);
            resolve(m.port);
          }
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`${gp.name} exited before it was ready (code ${code}, signal ${signal})`));
        });
      });
    } catch (e) {
      gp.child.kill('SIGKILL');
      throw new Error(`${(e as Error).message}\n${gp.tail()}`);
    }
    return gp;
  }

  private onLine(line: string): void {
    if (this.logFile) appendFileSync(this.logFile, `${line}\n`);
    try {
      const parsed = JSON.parse(line) as LogLine;
      if (parsed && typeof parsed === 'object' && typeof parsed.msg === 'string') this.logs.push(parsed);
      else this.rawOutput.push(line);
    } catch {
      this.rawOutput.push(line);
    }
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** The first log line (from `from` on) that matches, waiting for it if needed. */
  async waitForLog(match: (l: LogLine) => boolean, opts: { timeoutMs?: number; from?: number; what?: string } = {}): Promise<LogLine> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    let from = opts.from ?? 0;
    return new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        for (; from < this.logs.length; from++) {
          const l = this.logs[from]!;
          if (match(l)) return done(() => resolve(l));
        }
        if (this.exit) done(() => reject(new Error(`${this.name} exited (${JSON.stringify(this.exit)}) while waiting for ${opts.what ?? 'a log line'}\n${this.tail()}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${this.name}: no ${opts.what ?? 'matching log line'} within ${timeoutMs} ms\n${this.tail()}`))), timeoutMs);
      const done = (f: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        f();
      };
      this.waiters.add(check);
      check();
    });
  }

  /**
   * Waits until the broker reports the consumer's group (a gateway's inbox consumer, the audit
   * service's `mx.audit` consumer) stable, with only members that joined since this process was
   * spawned, and one of them owning the topic's partitions: after a kill, that is once the dead
   * member's session expired. Asked of the broker, not read from the log. Assumes one process per
   * group, as in these tests.
   */
  async waitForConsumer(opts: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    let last = 'not described yet';
    for (;;) {
      if (this.exit) throw new Error(`${this.name} exited (${JSON.stringify(this.exit)}) while waiting for its consumer to join\n${this.tail()}`);
      const g = await describeGroup(this.group).catch((e: unknown) => ((last = (e as Error).message), undefined));
      if (g) {
        last = `state ${g.state}, members ${g.members.map((m) => m.memberId).join(', ') || 'none'}`;
        const fresh = g.members.every((m) => !this.membersBefore.has(m.memberId));
        const owner = g.members.some((m) => (AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[this.group.topic]?.length ?? 0) > 0);
        if (g.state === 'Stable' && fresh && owner) return;
      }
      if (Date.now() > deadline) throw new Error(`${this.name}: its consumer did not own ${this.group.topic} in a stable group ${this.group.groupId} within ${timeoutMs} ms (${last})\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Sends a signal and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (!this.exit) this.child.kill(signal);
    return this.exited;
  }

  /** A polite stop (SIGTERM: stop consuming, drain the outbox, close the store); SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const e = await this.exited;
    clearTimeout(timer);
    return e;
  }

  /** An HTTP call to this gateway's API. */
  async call(method: string, path: string, o: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = {};
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.url}${path}`, { method, headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body };
  }

  /** The last lines of output, for error messages. */
  tail(n = 25): string {
    const lines = [...this.logs.slice(-n).map((l) => JSON.stringify(l)), ...this.rawOutput.slice(-10)];
    return `--- last output of ${this.name} (pid ${this.pid}) ---\n${lines.join('\n')}`;
  }
}

interface ConsumerGroupRef {
  brokers: string[];
  groupId: string;
  topic: string;
  security: KafkaClientSecurity | undefined;
}

/**
 * The consumer group of the service configured by `env`: a gateway's inbox group (the id
 * services/gateway/src/gateway.ts uses) or the audit service's (services/audit/src/service.ts).
 */
function consumerGroupOf(kind: ServiceKind, env: Record<string, string>): ConsumerGroupRef {
  const prefix = env.MX_TOPIC_PREFIX ?? '';
  const endpoint = env.MX_ENDPOINT ?? '';
  const security = clientSecurityFromFiles({ username: env.MX_KAFKA_SASL_USERNAME ?? '', passwordFile: env.MX_KAFKA_SASL_PASSWORD_FILE ?? '', caFile: env.MX_KAFKA_CA_FILE ?? '' });
  const brokers = (env.KAFKA_BROKERS ?? '').split(',');
  if (kind === 'audit') return { brokers, groupId: `${prefix}${env.MX_AUDIT_CONSUMER_GROUP ?? 'mx-audit'}`, topic: topicNames(prefix).audit, security };
  return { brokers, groupId: `${prefix}mx-gateway-${endpoint}`, topic: topicNames(prefix).inbox(endpoint), security };
}

async function describeGroup(g: ConsumerGroupRef) {
  // As the service's own principal: READ on its group lets it describe the group.
  const admin = new Kafka({ clientId: 'mx-test-group-probe', brokers: g.brokers, logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 }, connectionTimeout: 1000, requestTimeout: 5000, ...kafkajsSecurity(g.security) }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([g.groupId]);
    return groups[0]!;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** SIGKILLs every process spawned here that is still running (afterAll, also after a failed test). */
export async function killAllProcesses(): Promise<void> {
  await Promise.all([...live].map((g) => g.kill('SIGKILL')));
}

/** The name the gateway-only tests know these by. */
export const GatewayProcess = ServiceProcess;
export type GatewayProcess = ServiceProcess;
export const killAllGateways = killAllProcesses;

/** Runs `fn` on a read-only connection to a gateway's SQLite store (safe beside a running writer: WAL). */
export function withStore<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
