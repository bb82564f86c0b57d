/**
 * Stopping `npm run demo` the ways a person does: Ctrl-C (SIGINT to the terminal's whole foreground
 * process group, here the group of a detached npm), twice in a row; `kill -INT` and `kill -TERM` to
 * the npm process alone. Each time the demo must stop in order (gateways drain, then the audit
 * service, then the broker: every service exits with 0, so npm does too) and leave nothing behind:
 * no process of the session, no broker process group, no broker run directory, no state file.
 * The demo runs with `--no-scenario` and its own broker (not the test run's), as a user would start it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DemoState } from '../../services/cli/src/demo/state.ts';
import { isAlive } from '../../services/core/src/kafka/local-broker.ts';
import { eventually } from '../support/kafka.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Demo {
  npm: ChildProcess;
  dir: string;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  state?: DemoState;
}
const started: Demo[] = [];


/** Processes whose session or process group is one of `ids` (pid, pgid, sid, command). */
function processesOf(ids: number[]): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,pgid=,sid=,args='], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => {
      const [, pgid, sid] = l.split(/\s+/).map(Number);
      return ids.includes(pgid!) || ids.includes(sid!);
    });
}

async function startDemo(): Promise<Demo> {
  const dir = mkdtempSync(join(tmpdir(), 'mx-demo-stop-'));
  // The demo must start its own broker, and not inherit jest's module flags.
  const { KAFKA_BROKERS: _b, NODE_OPTIONS: _n, ...env } = process.env;
  // detached: npm leads a new session and process group, as in a terminal of its own.
  const npm = spawn('npm', ['run', 'demo', '--', '--no-scenario', '--dir', dir], { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  npm.stdout!.on('data', (b: Buffer) => output.push(b.toString()));
  npm.stderr!.on('data', (b: Buffer) => output.push(b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.once('exit', (code, signal) => resolve({ code, signal })));
  const demo: Demo = { npm, dir, output, exited };
  started.push(demo);
  const stateFile = join(dir, 'demo-state.json');
  demo.state = await eventually(() => (existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as DemoState) : undefined), 120_000, `the demo's state file\n${output.join('')}`);
  for (const url of Object.values(demo.state.gateways)) {
    await eventually(async () => ((await fetch(`${url}/v1/ready`).then((r) => r.status, () => 0)) === 200 ? true : undefined), 60_000, `${url} ready`);
  }
  return demo;
}

/** Waits for npm to exit, then checks that the demo stopped cleanly and left nothing behind. */
async function expectStoppedCleanly(demo: Demo): Promise<void> {
  const exit = await demo.exited;
  const state = demo.state!;
  const diagnostics = `\n--- output of npm run demo ---\n${demo.output.join('')}`;
  expect({ exit, diagnostics }).toEqual({ exit: { code: 0, signal: null }, diagnostics });
  const pids = [state.pids!.demo, ...Object.values(state.pids!.services), state.pids!.broker!];
  // The demo, four gateways, the audit service, the identity provider and the broker.
  expect(pids).toHaveLength(8);
  // Exit events can come a moment before the kernel has reaped the last grandchild (tsx's esbuild).
  await eventually(() => (processesOf([demo.npm.pid!, state.pids!.broker!]).length === 0 && pids.every((p) => !isAlive(p)) ? true : undefined), 10_000, 'no process left').catch(() => {
    throw new Error(`left behind:\n${processesOf([demo.npm.pid!, state.pids!.broker!]).join('\n')}\nalive of ${pids.join(', ')}: ${pids.filter(isAlive).join(', ')}${diagnostics}`);
  });
  expect(existsSync(state.brokerDir!)).toBe(false);
  expect(existsSync(join(demo.dir, 'demo-state.json'))).toBe(false);
}

afterAll(() => {
  // Whatever a failed test left: the demo's session and its broker's group.
  for (const d of started) {
    for (const pg of [d.npm.pid, d.state?.pids?.broker]) {
      if (pg === undefined) continue;
      try {
        process.kill(-pg, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (d.state?.brokerDir) rmSync(d.state.brokerDir, { recursive: true, force: true });
    rmSync(d.dir, { recursive: true, force: true });
  }
});

test('kill -INT to the npm process stops the demo in order and leaves nothing behind', async () => {
  const demo = await startDemo();
  process.kill(demo.npm.pid!, 'SIGINT');
  await expectStoppedCleanly(demo);
}, 240_000);

test('kill -TERM to the npm process stops the demo in order and leaves nothing behind', async () => {
  const demo = await startDemo();
  process.kill(demo.npm.pid!, 'SIGTERM');
  await expectStoppedCleanly(demo);
}, 240_000);

test('Ctrl-C twice (SIGINT to the whole process group, again while it is stopping) still stops in order and leaves nothing behind', async () => {
  const demo = await startDemo();
  process.kill(-demo.npm.pid!, 'SIGINT');
  // The state file goes first thing in the stop: the second Ctrl-C lands during the shutdown.
  await eventually(() => (existsSync(join(demo.dir, 'demo-state.json')) ? undefined : true), 30_000, 'the stop to begin');
  process.kill(-demo.npm.pid!, 'SIGINT');
  await expectStoppedCleanly(demo);
}, 240_000);

test('a demo killed outright (SIGKILL) leaves nothing behind either: its services stop themselves, the broker\'s watchdog stops the broker and removes its run directory', async () => {
  const demo = await startDemo();
  const state = demo.state!;
  process.kill(state.pids!.demo, 'SIGKILL');
  await demo.exited;
  const pids = [...Object.values(state.pids!.services), state.pids!.broker!];
  await eventually(() => (processesOf([demo.npm.pid!, state.pids!.broker!]).length === 0 && pids.every((p) => !isAlive(p)) && !existsSync(state.brokerDir!) ? true : undefined), 60_000, 'the services and the broker gone').catch(() => {
    throw new Error(`left behind:\n${processesOf([demo.npm.pid!, state.pids!.broker!]).join('\n')}\nbroker directory there: ${existsSync(state.brokerDir!)}\n${demo.output.join('')}`);
  });
}, 240_000);
