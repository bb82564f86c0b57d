/**
 * `npm run bench [-- --quick]`: starts a broker (unless KAFKA_BROKERS names one), measures the
 * baselines, runs the TH and LA gateways (and the audit service) as processes under load, prints
 * the table and writes the whole result as JSON under bench/results/ (not committed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBench } from './bench.ts';
import { stopAllServices } from './e2e/cluster.ts';
import { parseBenchArgs, USAGE } from './options.ts';
import { formatProfile } from './profile.ts';
import { formatTable } from './report.ts';

const options = parseBenchArgs(process.argv.slice(2));
if (!options) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    // The gateways also stop when their IPC parent goes; the broker's watchdog kills the JVM once
    // this process is gone.
    interrupted = true;
    process.stderr.write(`\n${sig}: stopping the services the bench started...\n`);
    void stopAllServices().finally(() => process.exit(130));
  });
}

try {
  const result = await runBench(options);
  const lines = ['', ...formatTable(result)];
  if (result.profile) lines.push('', ...formatProfile(result.profile));
  for (const [name, p] of Object.entries(result.otherProfiles ?? {})) lines.push('', ...formatProfile(p, name, true));
  mkdirSync(options.resultsDir, { recursive: true });
  const file = join(options.resultsDir, `${result.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`);
  lines.push('', `results: ${file}`);
  process.stdout.write(`${lines.join('\n')}\n`);
} catch (err) {
  process.stderr.write(`bench failed${interrupted ? ' (interrupted)' : ''}: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
}
