/**
 * The bench's knobs: three presets (full, --quick, and the tiny smoke preset the test uses so the
 * same code path runs in `npm test`) and the command-line flags that override them.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export interface BenchOptions {
  preset: 'full' | 'quick' | 'smoke';
  /** Use this cluster instead of starting a broker (the smoke test passes the shared test broker). */
  brokers?: string[] | undefined;
  /** Where results JSON (and the CPU profile) go. */
  resultsDir: string;
  /** Keep the deployment, stores and logs (under the OS temp dir) after the run. */
  keepWorkDir: boolean;
  kafka: { records: number; batchSize: number; partitions: number };
  /** Time per crypto/ajv measurement (ms). */
  cryptoMs: number;
  warmupNotices: number;
  lifecycle: { seconds: number; window: number; connections: number };
  /** Fixed offered loads (notices/s); the measured saturation point is added when `saturationPoint`. */
  rates: number[];
  rateSeconds: number;
  saturationPoint: boolean;
  /** Sockets of the open-loop generator (requests beyond wait in the agent, and that counts as latency). */
  openLoopSockets: number;
  /** Unanswered requests beyond which the open-loop generator sheds notices (counted as never arrived). */
  openLoopMaxOutstanding: number;
  accept: { seconds: number; connections: number };
  drainTimeoutMs: number;
  audit: { enabled: boolean; ingestEvents: number; proofSizes: number[]; proofQueries: number; verifyLeaves: number };
  /** Run the services under `node --cpu-prof` and summarize their profiles (TH in full). */
  profile: boolean;
  /** Run the services from the TypeScript sources through tsx instead of compiled JavaScript. */
  fromSource: boolean;
}

export const DEFAULT_RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

export function preset(name: BenchOptions['preset']): BenchOptions {
  const common = { resultsDir: DEFAULT_RESULTS_DIR, keepWorkDir: false, profile: false, fromSource: false, saturationPoint: true, openLoopSockets: 256, openLoopMaxOutstanding: 1024 };
  switch (name) {
    case 'full':
      return {
        ...common,
        preset: name,
        kafka: { records: 20_000, batchSize: 500, partitions: 3 },
        cryptoMs: 2_000,
        warmupNotices: 20,
        lifecycle: { seconds: 30, window: 100, connections: 16 },
        rates: [10, 50, 200, 1000],
        rateSeconds: 20,
        accept: { seconds: 10, connections: 32 },
        drainTimeoutMs: 60_000,
        audit: { enabled: true, ingestEvents: 20_000, proofSizes: [100_000, 1_000_000], proofQueries: 1_000, verifyLeaves: 100_000 },
      };
    case 'quick':
      return {
        ...common,
        preset: name,
        kafka: { records: 5_000, batchSize: 500, partitions: 3 },
        cryptoMs: 500,
        warmupNotices: 10,
        lifecycle: { seconds: 5, window: 100, connections: 16 },
        rates: [10, 50, 200, 1000],
        rateSeconds: 4,
        accept: { seconds: 3, connections: 32 },
        drainTimeoutMs: 30_000,
        audit: { enabled: true, ingestEvents: 3_000, proofSizes: [100_000], proofQueries: 300, verifyLeaves: 10_000 },
      };
    case 'smoke':
      return {
        ...common,
        preset: name,
        kafka: { records: 200, batchSize: 50, partitions: 3 },
        cryptoMs: 50,
        warmupNotices: 2,
        lifecycle: { seconds: 1, window: 20, connections: 2 },
        // The rate of the latency target, so the smoke run produces every target's figure.
        rates: [50],
        rateSeconds: 1,
        openLoopSockets: 8,
        openLoopMaxOutstanding: 64,
        accept: { seconds: 1, connections: 2 },
        drainTimeoutMs: 30_000,
        audit: { enabled: true, ingestEvents: 50, proofSizes: [1_000], proofQueries: 20, verifyLeaves: 100 },
        profile: true,
      };
  }
}

export const USAGE = `usage: npm run bench -- [--quick] [options]
  --quick                 the short run (< 3 min): same phases, shorter and smaller
  --duration S            seconds of the sustained lifecycle run (full 30, quick 5)
  --rates A,B,C           fixed offered loads in notices/s (default 10,50,200,1000; the saturation point is added)
  --rate-seconds S        seconds per offered load (full 20, quick 4)
  --with-1e6              also measure Merkle proofs at 10^6 leaves in --quick (always in the full run)
  --verify-leaves N       leaves for the mx audit verify timing (full 100000, quick 10000; 0 skips it)
  --no-audit              leave the audit service out (gateways only)
  --profile               run the services under node --cpu-prof; prints where TH's time went, and briefly LA's and the audit service's (profiles under bench/results/)
  --from-source           run the services from the TypeScript sources through tsx (default: compiled by npm run build)
  --keep                  keep the deployment, stores and logs in the temp directory
  --out DIR               results directory (default bench/results)
KAFKA_BROKERS=host:port uses that cluster instead of starting a local broker.`;

function positive(v: string, flag: string, allowZero = false): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new Error(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number`);
  return n;
}

/** Options from the command line; `undefined` for --help. */
export function parseBenchArgs(argv: string[], env: Record<string, string | undefined> = process.env): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      duration: { type: 'string' },
      rates: { type: 'string' },
      'rate-seconds': { type: 'string' },
      'with-1e6': { type: 'boolean' },
      'verify-leaves': { type: 'string' },
      'no-audit': { type: 'boolean' },
      profile: { type: 'boolean' },
      'from-source': { type: 'boolean' },
      keep: { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const o = preset(values.quick ? 'quick' : 'full');
  if (values.duration !== undefined) o.lifecycle.seconds = positive(values.duration, '--duration');
  if (values.rates !== undefined) o.rates = values.rates.split(',').map((r) => positive(r, '--rates'));
  if (values['rate-seconds'] !== undefined) o.rateSeconds = positive(values['rate-seconds'], '--rate-seconds');
  if (values['with-1e6'] && !o.audit.proofSizes.includes(1_000_000)) o.audit.proofSizes.push(1_000_000);
  if (values['verify-leaves'] !== undefined) o.audit.verifyLeaves = Math.floor(positive(values['verify-leaves'], '--verify-leaves', true));
  if (values['no-audit']) o.audit.enabled = false;
  if (values.profile) o.profile = true;
  if (values['from-source']) o.fromSource = true;
  if (values.keep) o.keepWorkDir = true;
  if (values.out !== undefined) o.resultsDir = values.out;
  if (env.KAFKA_BROKERS) o.brokers = env.KAFKA_BROKERS.split(',');
  return o;
}
