/**
 * The whole bench as one function, so `bench/run.ts` and the smoke test run the same code:
 * the services compiled to JavaScript (`npm run build`, unless --from-source), baselines (raw
 * kafkajs, crypto, ajv), then the gateways (and the audit service) as child processes under load
 * (sustained lifecycle, audit ingest, fixed offered loads; then POST capacity on a fresh
 * instance), then the audit log's offline figures, and last the targets. Every figure of one run comes from
 * the same broker, the same message and the same machine state.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { KAFKA_VERSION, startLocalBroker, type LocalBroker } from '../services/core/src/kafka/local-broker.ts';
import { officerToken } from '../services/cli/src/commands/officer.ts';
import { measureAuditIngest, type AuditIngestResult } from './audit/ingest.ts';
import { measureProofs, type ProofFigures } from './audit/merkle.ts';
import { signAuditChain } from './audit/synthetic.ts';
import { measureAuditVerify, type AuditVerifyResult } from './audit/verify.ts';
import { measureCrypto, type CryptoBaselines } from './baselines/crypto.ts';
import { measureKafka, type KafkaBaseline } from './baselines/kafka.ts';
import { cryptoLimit, cryptoPerLifecycle, LIFECYCLE_AUDIT_ACTIONS, type CryptoCount, type CryptoLimit } from './crypto-count.ts';
import { deploymentKafkaSecurity, ensureDeploymentKafkaPasswords } from '../services/cli/src/deployment/kafka.ts';
import { externalKafkaSecretsDir } from '../services/cli/src/deployment/setup.ts';
import { ADMIN_PRINCIPAL } from '../services/core/src/kafka/security.ts';
import { prepareDeployment, RECIPIENT, SENDER, SYNTHETIC_AUDIT_ENDPOINT } from './deployment.ts';
import { auditServiceAvailable, startCluster, type Cluster } from './e2e/cluster.ts';
import { NoticeClient } from './e2e/notice-client.ts';
import { acceptThroughput, fixedRate, lifecycleThroughput, settle, warmUp, type AcceptResult, type FixedRateResult, type LifecycleResult, type PhaseContext } from './e2e/phases.ts';
import { childPids, MemorySampler } from './memory.ts';
import type { BenchOptions } from './options.ts';
import { summarizeProfile, type ProfileSummary } from './profile.ts';
import { compilePrograms, describePrograms, sourcePrograms, type ServicePrograms } from './programs.ts';
import { targets, type TargetVerdict } from './report.ts';
import { requiresEncryption } from '../services/core/src/envelope/encrypt.ts';

export interface BenchResult {
  startedAt: string;
  finishedAt: string;
  seconds: number;
  preset: BenchOptions['preset'];
  options: BenchOptions;
  machine: { cpu: string; cores: number; memGiB: number; node: string; kafka: string; brokerStartedByBench: boolean; loadavgBefore: number[]; loadavgAfter: number[] };
  sample: { recordBytes: number; bodyBytes: number; encrypted: boolean };
  /** What ran as the services (compiled JavaScript or the sources through tsx). */
  services: { from: ServicePrograms['from']; buildSeconds?: number };
  baselines: { kafka: KafkaBaseline; crypto: CryptoBaselines };
  cryptoPerLifecycle: CryptoCount;
  cryptoLimit: CryptoLimit;
  /** What the stores say happened per notice (should match `cryptoPerLifecycle`). */
  measuredPerNotice: { notices: number; auditEvents: number; auditEventsByAction: Record<string, number>; signatures: number; verifications: number } | undefined;
  e2e: {
    lifecycle: LifecycleResult;
    latency: FixedRateResult[];
    accept: AcceptResult;
  };
  audit: {
    /** Why a figure is missing, when it is. */
    missing: string[];
    ingest?: AuditIngestResult;
    proofs: ProofFigures[];
    verify?: AuditVerifyResult;
  };
  memory: {
    /** VmRSS right after the services started, before any load (MiB). */
    idleMiB: Record<string, number>;
    /** Largest VmRSS during the sustained lifecycle phase (MiB). */
    sustainedMiB: Record<string, number>;
    /** VmHWM at the end: the peak over every phase, overload included (MiB). */
    peakMiB: Record<string, number>;
  };
  ratios: { lifecycleOverKafkaProduce: number; lifecycleOverKafkaConsume: number; lifecycleOverCryptoBound: number; lifecycleOverEd25519Limit: number; lifecycleOverProjectCryptoLimit: number };
  /** The targets of issue 15, each with its figure and whether it is met (reported, never asserted). */
  targets: TargetVerdict[];
  profile?: ProfileSummary;
  /** With --profile, the summaries of the other services' profiles (LA, the audit service), by process name. */
  otherProfiles?: Record<string, ProfileSummary>;
  profileFile?: string;
  workDir: string;
}

export async function runBench(o: BenchOptions, log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<BenchResult> {
  const startedAt = new Date();
  const loadavgBefore = loadavg();
  const workDir = mkdtempSync(join(tmpdir(), 'mx-bench-'));
  const logDir = join(workDir, 'logs');
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const profileDir = o.profile ? join(o.resultsDir, `profile-${stamp}`) : undefined;
  log(`bench (${o.preset}) in ${workDir}; load average ${loadavgBefore.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`);

  let broker: LocalBroker | undefined;
  let cluster: Cluster | undefined;
  let client: NoticeClient | undefined;
  const samplers: MemorySampler[] = [];
  let succeeded = false;
  try {
    // A cluster of one's own brings its credentials (MX_KAFKA_SECRETS_DIR; none: PLAINTEXT, a directory with no CA).
    const b = await prepareDeployment(join(workDir, 'deployment'), o.brokers ? { kafkaSecretsDir: externalKafkaSecretsDir() ?? join(workDir, 'plaintext-cluster') } : {});
    let brokers: string[];
    if (o.brokers) {
      brokers = o.brokers;
      log(`Kafka: using ${brokers.join(',')}`);
    } else {
      // Secured as in production (SASL_SSL, SCRAM, ACLs), so the figures include TLS.
      broker = await startLocalBroker({ log: (l) => log(`Kafka: ${l}`), security: { secretsDir: b.dep.kafkaSecretsDir, users: ensureDeploymentKafkaPasswords(b.dep.kafkaSecretsDir, b.dep.endpoints) } });
      brokers = broker.brokers;
    }
    b.kafkaAdmin = deploymentKafkaSecurity(b.dep.kafkaSecretsDir, ADMIN_PRINCIPAL);
    // Compiled before anything is measured: tsc is the bench's own CPU work.
    const programs = o.fromSource ? sourcePrograms() : compilePrograms(join(workDir, 'app'));
    log(`services: ${describePrograms(programs)}`);
    log(`message: signed ${b.sampleDocument.type}, ${b.sampleRecord.byteLength} bytes (body ${JSON.stringify(b.noticeBody).length} bytes of JSON)`);

    log('baselines:');
    const kafka = await measureKafka(brokers, b.topicPrefix, b.sampleRecord, { ...o.kafka, timeoutMs: 120_000 }, log, b.kafkaAdmin);
    const crypto = await measureCrypto(b, o.cryptoMs, log);

    const auditMissing: string[] = [];
    const withAudit = o.audit.enabled && auditServiceAvailable();
    if (!o.audit.enabled) auditMissing.push('audit service left out (--no-audit)');
    else if (!withAudit) auditMissing.push('no audit service program yet (services/audit/src/main.ts)');
    // Signed before the services start: it is the bench's own CPU work, not theirs.
    const auditFeed = withAudit && o.audit.ingestEvents > 0 ? await signAuditChain(b, SYNTHETIC_AUDIT_ENDPOINT, o.audit.ingestEvents) : undefined;

    log('end to end:');
    cluster = await startCluster(b, { instance: 'main', brokers, logDir, programs, profileDir, withoutAudit: !withAudit, log: (l) => log(`  ${l}`) });
    const memory = watchMemory(cluster, broker);
    samplers.push(memory);
    // Resident memory once started and idle: what the load adds is measured against this.
    const idleMiB = memory.mark();
    const token = await officerToken(b.dep.dir, SENDER, 'liaison-officer', 'bench-officer@th');
    const clientOf = (c: Cluster) => new NoticeClient(c.th.url, token, b.noticeBody, { maxSockets: o.openLoopSockets, sender: SENDER, recipient: RECIPIENT });
    client = clientOf(cluster);
    let ctx: PhaseContext = { cluster, client, memory, log, drainTimeoutMs: o.drainTimeoutMs, auditExtraLeaves: 0 };

    await warmUp(ctx, o.warmupNotices, 60_000);
    const lifecycle = await lifecycleThroughput(ctx, o.lifecycle);
    // Counted while everything so far has settled (later overload phases may not drain in time).
    const measuredPerNotice = lifecycle.settle.drained ? perNotice(cluster) : undefined;

    let ingest: AuditIngestResult | undefined;
    if (auditFeed && cluster.stores.audit) {
      ingest = await measureAuditIngest(cluster.stores.audit, auditFeed, { brokers, topicPrefix: cluster.topicPrefix, gateway: SYNTHETIC_AUDIT_ENDPOINT, timeoutMs: 120_000, security: b.kafkaAdmin }, log);
      ctx.auditExtraLeaves += auditFeed.length;
      await settle(ctx, cluster.stores.th.receiptsSeen());
    }

    const rates = [...o.rates];
    const sat = Math.max(1, Math.round(lifecycle.completedPerSec));
    if (o.saturationPoint && !rates.some((r) => Math.abs(r - sat) / sat < 0.1)) rates.push(sat);
    const latency: FixedRateResult[] = [];
    for (const rate of rates.sort((x, y) => x - y)) {
      const label = rate === sat ? 'the saturation point' : Math.abs(rate - sat) / sat < 0.1 ? `${rate}/s (about the saturation point, ${sat}/s)` : `${rate}/s`;
      latency.push(await fixedRate(ctx, { label, rate, seconds: o.rateSeconds, maxOutstanding: o.openLoopMaxOutstanding }));
    }
    const peaks = [memory.peaks()];
    memory.stop();
    client.close();
    await cluster.stop();
    const profileFile = cluster.profileFile();
    const profileFiles = cluster.profileFiles();
    cluster = undefined;

    // POST capacity on a fresh instance: the overload above leaves a backlog that would compete.
    cluster = await startCluster(b, { instance: 'accept', brokers, logDir, programs, withoutAudit: !withAudit, log: (l) => log(`  ${l}`) });
    const acceptMemory = watchMemory(cluster, broker);
    samplers.push(acceptMemory);
    client = clientOf(cluster);
    ctx = { ...ctx, cluster, client, memory: acceptMemory, auditExtraLeaves: 0 };
    await warmUp(ctx, Math.min(o.warmupNotices, 5), 60_000);
    const accept = await acceptThroughput(ctx, o.accept);
    // VmHWM: each process's peak since it started, i.e. over every phase of its instance.
    peaks.push(acceptMemory.peaks());
    acceptMemory.stop();
    client.close();
    client = undefined;
    await cluster.stop();
    cluster = undefined;
    const peakMiB: Record<string, number> = {};
    for (const p of peaks) for (const [k, v] of Object.entries(p)) peakMiB[k] = Math.max(peakMiB[k] ?? 0, v);

    let profile: ProfileSummary | undefined;
    const otherProfiles: Record<string, ProfileSummary> = {};
    if (profileDir) {
      if (profileFile) profile = summarizeProfile(profileFile);
      else log(`  no CPU profile of the TH gateway's main thread in ${profileDir} (did it exit cleanly?)`);
      for (const [name, file] of Object.entries(profileFiles)) if (file !== profileFile) otherProfiles[name] = summarizeProfile(file);
    }

    log('audit log:');
    mkdirSync(workDir, { recursive: true });
    const proofs = await measureProofs(workDir, o.audit.proofSizes, o.audit.proofQueries, log);
    let verify: AuditVerifyResult | undefined;
    if (withAudit && o.audit.verifyLeaves > 0) verify = await measureAuditVerify(b, { leaves: o.audit.verifyLeaves, brokers, logDir, timeoutMs: 600_000, programs }, log);
    else if (withAudit) auditMissing.push('mx audit verify skipped (--verify-leaves 0)');
    if (verify?.auditServicePeakMiB !== undefined) peakMiB['audit service (serving verify)'] = Math.round(verify.auditServicePeakMiB * 10) / 10;

    const count = cryptoPerLifecycle({ withAuditService: withAudit });
    const limit = cryptoLimit(count, crypto);
    const rate = lifecycle.completedPerSec;
    const finishedAt = new Date();
    succeeded = true;
    const result: BenchResult = {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
      preset: o.preset,
      options: o,
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
        node: process.version,
        kafka: broker ? `Apache Kafka ${KAFKA_VERSION}, one local KRaft broker started by the bench` : `cluster at ${brokers.join(',')}`,
        brokerStartedByBench: broker !== undefined,
        loadavgBefore,
        loadavgAfter: loadavg(),
      },
      sample: { recordBytes: b.sampleRecord.byteLength, bodyBytes: JSON.stringify(b.noticeBody).length, encrypted: requiresEncryption(b.sampleDocument.type) },
      services: { from: programs.from, ...(programs.buildSeconds !== undefined ? { buildSeconds: programs.buildSeconds } : {}) },
      baselines: { kafka, crypto },
      cryptoPerLifecycle: count,
      cryptoLimit: limit,
      measuredPerNotice,
      e2e: { lifecycle, latency, accept },
      audit: { missing: auditMissing, ...(ingest ? { ingest } : {}), proofs, ...(verify ? { verify } : {}) },
      memory: { idleMiB, sustainedMiB: lifecycle.peakRssMiB, peakMiB },
      ratios: {
        lifecycleOverKafkaProduce: rate / kafka.produceMsgsPerSec,
        lifecycleOverKafkaConsume: rate / kafka.consumeMsgsPerSec,
        lifecycleOverCryptoBound: rate / limit.bound,
        lifecycleOverEd25519Limit: rate / limit.ed25519OneCore,
        lifecycleOverProjectCryptoLimit: rate / limit.projectOneCore,
      },
      targets: [],
      ...(profile ? { profile, profileFile } : {}),
      ...(Object.keys(otherProfiles).length > 0 ? { otherProfiles } : {}),
      workDir,
    };
    result.targets = targets(result);
    return result;
  } finally {
    for (const m of samplers) m.stop();
    client?.close();
    await cluster?.stop().catch(() => {});
    await broker?.stop();
    if (o.keepWorkDir || !succeeded) log(`kept ${workDir} (deployment, stores, service logs under logs/)`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * What the stores say one notice cost, after the lifecycle phase settled: notices sent, receipts
 * signed (LA's inbox), the lifecycle's audit events at both gateways (events a gateway records
 * once, such as its key announcement, are left out), verifications (LA's notices, TH's receipts,
 * tokens = accepted POSTs, the audit service's leaves of those events).
 */
function perNotice(cluster: Cluster): BenchResult['measuredPerNotice'] {
  const { th, la, audit } = cluster.stores;
  const notices = th.sentCount();
  if (notices === 0) return undefined;
  const byAction: Record<string, number> = {};
  for (const actions of [th.auditActions(), la.auditActions()]) {
    for (const [a, n] of Object.entries(actions)) byAction[a] = (byAction[a] ?? 0) + n;
  }
  const auditEvents = LIFECYCLE_AUDIT_ACTIONS.reduce((sum, a) => sum + (byAction[a] ?? 0), 0);
  const receipts = la.inboxCount();
  const gatewayLeaves = audit ? audit.gatewayLeaves([SENDER, RECIPIENT], LIFECYCLE_AUDIT_ACTIONS) : 0;
  return {
    notices,
    auditEvents: auditEvents / notices,
    auditEventsByAction: Object.fromEntries(Object.entries(byAction).map(([a, n]) => [a, Math.round((n / notices) * 1000) / 1000])),
    signatures: (notices + receipts + auditEvents) / notices,
    verifications: (notices + receipts + th.receiptsSeen() + gatewayLeaves) / notices,
  };
}

function readCmd(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** Samples the services of `cluster` (and the broker's JVM, when the bench started it). */
function watchMemory(cluster: Cluster, broker: LocalBroker | undefined): MemorySampler {
  const m = new MemorySampler();
  m.add(`gateway ${SENDER}`, cluster.th.child.pid!);
  m.add(`gateway ${RECIPIENT}`, cluster.la.child.pid!);
  if (cluster.audit) m.add('audit service', cluster.audit.child.pid!);
  const jvm = broker ? childPids(broker.pid).find((pid) => /java/.test(readCmd(pid))) : undefined;
  if (jvm) m.add('Kafka broker (JVM)', jvm);
  m.start();
  return m;
}
