/**
 * The system under test: TH and LA gateways (and the audit service when the program exists) as
 * separate child processes on the bench's broker, each with its own store and its log in a file,
 * run from the programs the bench chose (compiled JavaScript, or the sources through tsx). An
 * instance has its own data directories and topic prefix, so the bench can start a fresh one for a
 * phase that must not inherit another's backlog. With `profileDir`, every service runs under
 * `node --cpu-prof` (written when it exits cleanly).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_DB_FILE } from '../../services/audit/src/service.ts';
import { auditEnv, gatewayEnv, metricsTokenFile, setupAudit } from '../../services/cli/src/deployment/setup.ts';
import { provisionDeploymentKafka } from '../../services/cli/src/deployment/kafka.ts';
import { AUDIT_MAIN, type ServiceProcess } from '../../services/cli/src/demo/processes.ts';
import type { ServicePrograms } from '../programs.ts';
import { GATEWAY_DB_FILE, RECIPIENT, SENDER, type BenchDeployment } from '../deployment.ts';
import { startService } from '../../services/cli/src/demo/processes.ts';
import { AuditStoreReader, GatewayStoreReader } from './stores.ts';

export interface Cluster {
  /** Prefix of this instance's topics. */
  topicPrefix: string;
  th: ServiceProcess;
  la: ServiceProcess;
  audit: ServiceProcess | undefined;
  /** Why there is no audit service, when there is none. */
  auditMissing: string | undefined;
  stores: { th: GatewayStoreReader; la: GatewayStoreReader; audit: AuditStoreReader | undefined };
  /** The main thread's .cpuprofile TH wrote on exit (with `profileDir`; after `stop()`). */
  profileFile(): string | undefined;
  /** The same of every service that wrote one: TH, LA and the audit service, by process name. */
  profileFiles(): Record<string, string>;
  /** TH's submission group commits so far, from its `/metrics` (undefined when it serves none). */
  submissionGroups(): Promise<GroupCommitTotals | undefined>;
  stop(): Promise<void>;
}

/** `mx_submission_group_commit_units`: commits (`_count`) and the submissions they held (`_sum`). */
export interface GroupCommitTotals {
  commits: number;
  submissions: number;
}

/** The two totals of `mx_submission_group_commit_units` in a Prometheus text exposition. */
export function groupCommitTotals(text: string): GroupCommitTotals | undefined {
  const value = (name: string) => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const commits = value('mx_submission_group_commit_units_count');
  const submissions = value('mx_submission_group_commit_units_sum');
  return commits === undefined || submissions === undefined ? undefined : { commits, submissions };
}

export interface ClusterOptions {
  /** Names this instance's data directory and topic prefix. */
  instance: string;
  brokers: string[];
  logDir: string;
  /** What runs as the services. */
  programs: ServicePrograms;
  profileDir?: string | undefined;
  /** Leave the audit service out even when it exists. */
  withoutAudit?: boolean;
  log: (line: string) => void;
}

/** Every service process the bench started and has not stopped yet (for an interrupted run). */
const live = new Set<ServiceProcess>();

/** Starts a service process and tracks it until it is stopped. */
export async function startTracked(name: string, main: string, env: Record<string, string>, logFile: string, opts: { nodeArgs?: string[]; timeoutMs?: number } = {}): Promise<ServiceProcess> {
  const s = await startService(name, main, env, logFile, opts);
  live.add(s);
  s.child.once('exit', () => live.delete(s));
  return s;
}

/** Stops whatever the bench still runs (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopAllServices(graceMs = 5_000): Promise<void> {
  await Promise.all([...live].map((s) => s.stop(graceMs)));
}

/** Whether the audit service program is there (another issue delivers it). */
export function auditServiceAvailable(): boolean {
  return existsSync(AUDIT_MAIN);
}

export async function startCluster(b: BenchDeployment, opts: ClusterOptions): Promise<Cluster> {
  // Every instance has its own stores and topics: nothing of an earlier one is seen again.
  const dataDir = join(b.dep.dir, 'data', opts.instance);
  const topicPrefix = `${b.topicPrefix}${opts.instance}.`;
  const started: ServiceProcess[] = [];
  const stopAll = () => Promise.all(started.map((s) => s.stop(15_000)));
  try {
    // Each thread writes its own profile (from the sources, tsx's module hooks run in a worker):
    // the default names carry pid and thread id, and the main thread's (id 0) is the one that matters.
    const nodeArgsOf = (): string[] => {
      if (!opts.profileDir) return [];
      mkdirSync(opts.profileDir, { recursive: true });
      return ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`];
    };
    // One bench officer sends thousands of notices a second: the rate limits (on by default) are off,
    // as the bench measures the exchange, not the limiter.
    // As in a deployment: the admin provisions topics and ACLs before any service starts.
    await provisionDeploymentKafka({ brokers: opts.brokers, secretsDir: b.dep.kafkaSecretsDir, endpoints: b.dep.endpoints, topicPrefix });
    const envOf = (e: string) => ({ ...gatewayEnv(b.dep, e, opts.brokers, { topicPrefix }), MX_DATA_DIR: join(dataDir, e), MX_RATE_LIMIT_PER_OFFICER: '0', MX_RATE_LIMIT_PER_ENDPOINT: '0' });
    // One after the other: two cold start-ups at once on two cores only make both slower.
    const th = await startTracked(`gateway ${SENDER}`, opts.programs.gateway, envOf(SENDER), join(opts.logDir, `${opts.instance}-gateway-${SENDER}.log`), { nodeArgs: nodeArgsOf() });
    started.push(th);
    const la = await startTracked(`gateway ${RECIPIENT}`, opts.programs.gateway, envOf(RECIPIENT), join(opts.logDir, `${opts.instance}-gateway-${RECIPIENT}.log`), { nodeArgs: nodeArgsOf() });
    started.push(la);
    opts.log(`gateways: ${SENDER} ${th.url} (pid ${th.child.pid}), ${RECIPIENT} ${la.url} (pid ${la.child.pid}); logs in ${opts.logDir}`);

    let audit: ServiceProcess | undefined;
    let auditMissing: string | undefined;
    if (opts.withoutAudit) auditMissing = 'left out (--no-audit)';
    else if (!auditServiceAvailable()) auditMissing = `no audit service program yet (${AUDIT_MAIN})`;
    else {
      await setupAudit(b.dep);
      // Checkpoints as configured by default (every 100 leaves), but the timer at 1 s so the tail
      // of a phase is checkpointed without waiting the default 10 s.
      const env = auditEnv(b.dep, opts.brokers, { topicPrefix, dataDir: join(dataDir, 'audit'), checkpointEverySeconds: 1 });
      audit = await startTracked('audit service', opts.programs.audit, env, join(opts.logDir, `${opts.instance}-audit.log`), { nodeArgs: nodeArgsOf() });
      started.push(audit);
      opts.log(`audit service: ${audit.url} (pid ${audit.child.pid})`);
    }
    const profileOf = (s: ServiceProcess): string | undefined => {
      if (!opts.profileDir) return undefined;
      const main = readdirSync(opts.profileDir).find((f) => f.endsWith('.cpuprofile') && f.includes(`.${s.child.pid}.0.`));
      return main === undefined ? undefined : join(opts.profileDir, main);
    };
    const stores = {
      th: new GatewayStoreReader(join(dataDir, SENDER, GATEWAY_DB_FILE)),
      la: new GatewayStoreReader(join(dataDir, RECIPIENT, GATEWAY_DB_FILE)),
      audit: audit ? new AuditStoreReader(join(dataDir, 'audit', AUDIT_DB_FILE)) : undefined,
    };
    return {
      topicPrefix,
      th,
      la,
      audit,
      auditMissing,
      stores,
      async stop() {
        stores.th.close();
        stores.la.close();
        stores.audit?.close();
        await stopAll();
      },
      profileFile() {
        return profileOf(th);
      },
      async submissionGroups() {
        const tokenFile = metricsTokenFile(b.dep.dir, SENDER);
        if (!existsSync(tokenFile)) return undefined;
        const res = await fetch(`${th.url}/metrics`, { headers: { authorization: `Bearer ${readFileSync(tokenFile, 'utf8').trim()}` } });
        return res.ok ? groupCommitTotals(await res.text()) : undefined;
      },
      profileFiles() {
        const out: Record<string, string> = {};
        for (const [name, s] of [[`gateway ${SENDER}`, th], [`gateway ${RECIPIENT}`, la], ['audit service', audit]] as const) {
          const f = s ? profileOf(s) : undefined;
          if (f !== undefined) out[name] = f;
        }
        return out;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
