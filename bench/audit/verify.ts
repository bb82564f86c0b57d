/**
 * `mx audit verify` over a whole log of `leaves` genuine signed audit events: the synthetic chain
 * is written straight into a fresh audit store (AuditStore.appendEvent, the service's own append
 * path, without the Kafka hop), an audit service process is started on that store (it checks the
 * store at start-up and signs a checkpoint over it), and the command runs as an auditor would run
 * it, a separate process with only the audit key, the gateways' public keys and a token. The time
 * is the command's wall time, start-up included (from the programs the bench runs: compiled, or
 * the sources through tsx).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AUDIT_AUDIENCE } from '../../services/audit/src/config.ts';
import { decodeStoredEvent } from '../../services/audit/src/event.ts';
import { AUDIT_DB_FILE } from '../../services/audit/src/service.ts';
import { AuditStore } from '../../services/audit/src/store.ts';
import { auditEnv, setupAudit } from '../../services/cli/src/deployment/setup.ts';
import { provisionDeploymentKafka } from '../../services/cli/src/deployment/kafka.ts';
import { digestOf } from '../../services/core/src/envelope/digest.ts';
import { mintToken } from '../../services/core/src/idp/dev-idp.ts';
import { openDatabase } from '../../services/core/src/store/sqlite.ts';
import { readMemory } from '../memory.ts';
import { waitUntil } from '../stats.ts';
import { startTracked } from '../e2e/cluster.ts';
import { AuditStoreReader } from '../e2e/stores.ts';
import { SYNTHETIC_AUDIT_ENDPOINT, type BenchDeployment } from '../deployment.ts';
import type { ServicePrograms } from '../programs.ts';
import { signAuditChain } from './synthetic.ts';

export interface AuditVerifyResult {
  leaves: number;
  /** Wall time of `mx audit verify` (s). */
  seconds: number;
  leavesPerSec: number;
  verdict: string;
  exitCode: number | null;
  /** Time to sign the chain and write it to the store (set-up, not part of the figure). */
  setupSeconds: number;
  /** Peak RSS of the audit service while it served the verification (MiB). */
  auditServicePeakMiB: number | undefined;
}

export async function measureAuditVerify(b: BenchDeployment, opts: { leaves: number; brokers: string[]; logDir: string; timeoutMs: number; programs: ServicePrograms }, log: (line: string) => void): Promise<AuditVerifyResult> {
  const t0 = performance.now();
  const events = await signAuditChain(b, SYNTHETIC_AUDIT_ENDPOINT, opts.leaves);
  const leaves = events.length;
  const dataDir = join(b.dep.dir, 'data', 'audit-verify');
  mkdirSync(dataDir, { recursive: true });
  const db = openDatabase(join(dataDir, AUDIT_DB_FILE));
  try {
    const store = new AuditStore(db);
    const now = Date.now();
    // Batches in one transaction each (the service appends one by one as events arrive).
    for (let i = 0; i < events.length; i += 5000) {
      db.transaction(() => {
        for (const bytes of events.slice(i, i + 5000)) store.appendEvent(bytes, { eventId: digestOf(bytes), body: decodeStoredEvent(bytes).body }, now);
      })();
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    db.close();
  }
  const setupSeconds = (performance.now() - t0) / 1000;

  const keys = await setupAudit(b.dep);
  await provisionDeploymentKafka({ brokers: opts.brokers, secretsDir: b.dep.kafkaSecretsDir, endpoints: b.dep.endpoints, topicPrefix: `${b.topicPrefix}verify.` });
  const env = auditEnv(b.dep, opts.brokers, { topicPrefix: `${b.topicPrefix}verify.`, dataDir, checkpointEverySeconds: 1 });
  const service = await startTracked('audit service (verify)', opts.programs.audit, env, join(opts.logDir, 'audit-verify.log'), { timeoutMs: 120_000 });
  const reader = new AuditStoreReader(join(dataDir, AUDIT_DB_FILE));
  try {
    if (!(await waitUntil(() => reader.checkpoints().maxTreeSize >= leaves, opts.timeoutMs, 100))) {
      throw new Error(`the audit service signed no checkpoint over ${leaves} leaves within ${opts.timeoutMs} ms; see ${service.logFile}`);
    }
    const token = await mintToken(b.dep.idpPrivateJwks, { subject: 'bench-auditor', endpoint: 'TH', agency: 'TH audit desk (bench)', roles: ['auditor'], audience: AUDIT_AUDIENCE });
    const pid = service.child.pid ?? -1;
    const args = [...opts.programs.loader, opts.programs.mx, 'audit', 'verify', '--url', service.url, '--audit-key', keys.publicKeyFile, '--trust', b.dep.trustDir, '--token', token];
    const start = performance.now();
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
      child.once('error', reject);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve({ code: c, output });
      });
    });
    const seconds = (performance.now() - start) / 1000;
    const verdict = /VERDICT:.*$/m.exec(output)?.[0] ?? `no verdict (exit ${code}): ${output.trim().split('\n').slice(-3).join(' | ')}`;
    const result: AuditVerifyResult = {
      leaves,
      seconds,
      leavesPerSec: leaves / seconds,
      verdict,
      exitCode: code,
      setupSeconds,
      auditServicePeakMiB: readMemory(pid)?.hwmMiB,
    };
    log(`  mx audit verify over ${leaves.toLocaleString('en-US')} leaves: ${seconds.toFixed(1)} s (${Math.round(result.leavesPerSec)} leaves/s), ${verdict}`);
    if (code !== 0) throw new Error(`mx audit verify failed (exit ${code}): ${verdict}`);
    return result;
  } finally {
    reader.close();
    await service.stop(15_000);
  }
}
