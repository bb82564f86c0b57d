/**
 * `mx` as a command a person or a script runs (`node bin/mx.js`, as `npx mx` does): help for every
 * command from the one table, usage errors exit 2 with that usage on stderr, an unreachable server
 * exits 3, a refused request 1 with the problem code, `--token-file`, and `--json` documents.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionsOf } from '../../services/cli/src/commands/args.ts';
import { EXIT_CODES } from '../../services/cli/src/commands/exit-codes.ts';
import { COMMANDS } from '../../services/cli/src/commands/table.ts';
import { setupAudit, setupDeployment } from '../../services/cli/src/deployment/setup.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/mx.js ...` without blocking this process (gateways may run in it); never inherits MX_TOKEN. */
function mx(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const { MX_TOKEN: _t, ...rest } = process.env;
    const child = spawn(process.execPath, ['bin/mx.js', ...args], { cwd: REPO_ROOT, env: { ...rest, MX_DEMO_DIR: mkdtempSync(join(tmpdir(), 'mx-no-demo-')), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs `fn` over `items`, two at a time (the machine has two cores). */
async function two<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += 2) out.push(...(await Promise.all(items.slice(i, i + 2).map(fn))));
  return out;
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('mx --help and mx help: every command of the table and every exit code, on stdout, exit 0', async () => {
  for (const args of [['--help'], ['help'], []]) {
    const r = await mx(args);
    expect([args, r.status, r.stderr]).toEqual([args, 0, '']);
    for (const c of COMMANDS) expect([c.name, r.stdout.includes(`\n  ${c.name.padEnd(2)} `)]).toEqual([c.name, true]);
    for (const e of Object.values(EXIT_CODES)) expect(r.stdout).toMatch(new RegExp(`^ {2}${e.code} +${e.name}: `, 'm'));
  }
}, 60_000);

test('mx <command> --help, for every command of the table: its usage and every option, on stdout, exit 0', async () => {
  const runs = await two(COMMANDS, async (c) => ({ c, help: await mx([...c.name.split(' '), '--help']), viaHelp: await mx(['help', ...c.name.split(' ')]) }));
  for (const { c, help, viaHelp } of runs) {
    expect([c.name, help.status, help.stderr]).toEqual([c.name, 0, '']);
    expect(help.stdout.startsWith(`usage: mx ${c.name} `)).toBe(true);
    for (const name of Object.keys(optionsOf(c))) expect([c.name, help.stdout.includes(`--${name}`)]).toEqual([c.name, true]);
    expect(viaHelp.stdout).toBe(help.stdout);
  }
  // A group lists its subcommands.
  const keys = await mx(['keys', '--help']);
  expect(keys.status).toBe(0);
  expect(keys.stdout).toMatch(/mx keys init --endpoint EP --dir DIR/);
  expect(keys.stdout).toMatch(/mx keys rotate --endpoint EP --dir DIR/);
}, 120_000);

test('usage errors exit 2 with the command\'s usage on stderr and nothing on stdout', async () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /^usage: mx <command>/m],
    [['help', 'frobnicate'], /^usage: mx <command>/m],
    [['keys'], /mx keys init/],
    [['keys', 'destroy'], /mx keys init/],
    [['send', '--bogus'], /^usage: mx send /m],
    [['inbox', '--url'], /^usage: mx inbox /m],
    [['keys', 'init', '--dir', tmpdir()], /^usage: mx keys init /m],
    [['audit', 'verify', '--audit-key', 'k', '--trust', 't'], /^usage: mx audit verify /m],
    [['audit', 'verify', '--audit-key', 'k', '--trust', 't', '--url', 'http://x', '--sample', '0'], /^usage: mx audit verify /m],
    [['message', '--url', 'http://127.0.0.1:9', 'ID'], /--url needs --token-file FILE/],
    [['message', '--url', 'http://127.0.0.1:9', '--token', 't', '--token-file', 'f', 'ID'], /give --token or --token-file, not both/],
    [['message', '--url', 'http://127.0.0.1:9', '--token-file', join(tmpdir(), 'no-such-token-file'), 'ID'], /--token-file .* cannot be read: ENOENT/],
    [['kafka', 'provision', '--dir', tmpdir(), '--partitions', '0'], /^usage: mx kafka provision /m],
  ];
  const runs = await two(cases, async ([args, usage]) => ({ args, usage, r: await mx(args, { KAFKA_BROKERS: '127.0.0.1:9' }) }));
  for (const { args, usage, r } of runs) {
    expect({ args, status: r.status, stdout: r.stdout }).toEqual({ args, status: 2, stdout: '' });
    expect(r.stderr).toMatch(/^mx: /);
    expect(r.stderr).toMatch(usage);
  }
}, 120_000);

describe('against a server', () => {
  let dir: string;
  let tokenFile: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mx-help-'));
    tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'x.y.z\n', { mode: 0o600 });
  });

  test('an unreachable gateway or audit service exits 3', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    const dep = await setupDeployment(join(dir, 'dep'), ['LA', 'TH']);
    const audit = await setupAudit(dep);
    const [message, verify, verifyJson] = await Promise.all([
      mx(['message', '--url', url, '--token-file', tokenFile, 'some-id']),
      mx(['audit', 'verify', '--url', url, '--token-file', tokenFile, '--audit-key', audit.publicKeyFile, '--trust', dep.trustDir]),
      mx(['audit', 'verify', '--json', '--url', url, '--token-file', tokenFile, '--audit-key', audit.publicKeyFile, '--trust', dep.trustDir]),
    ]);
    expect([message.status, message.stdout]).toEqual([3, '']);
    expect(message.stderr).toMatch(/^mx: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    expect(verify.status).toBe(3);
    expect(verify.stdout).toMatch(/^VERDICT: FAIL/m);
    expect(verifyJson.status).toBe(3);
    expect(JSON.parse(verifyJson.stdout)).toMatchObject({ verdict: 'FAIL', exitCode: 3, leavesChecked: 0, failures: [{ check: 'unreachable' }] });
  }, 60_000);

  test('--json of the commands that write files: one JSON document naming what was written', async () => {
    const keys = await mx(['keys', 'init', '--json', '--endpoint', 'KH', '--dir', join(dir, 'keys')]);
    expect([keys.status, keys.stderr]).toEqual([0, '']);
    const written = JSON.parse(keys.stdout) as { kid: string; privateJwksPath: string; publicJwksPath: string; pseudonymKeyPath: string };
    expect(written.kid).toMatch(/^KH:/);
    expect(readFileSync(written.publicJwksPath, 'utf8')).toContain(written.kid.split(':')[1]);
    expect(written.pseudonymKeyPath).toBe(join(dir, 'keys', 'private', 'KH.pseudonym.key'));
    // Refused (keys exist): exit 1, not a usage error.
    const again = await mx(['keys', 'init', '--json', '--endpoint', 'KH', '--dir', join(dir, 'keys')]);
    expect([again.status, again.stdout]).toEqual([1, '']);
    expect(again.stderr).toMatch(/already holds keys/);

    const setup = await mx(['setup', '--json', '--dir', join(dir, 'setup'), '--endpoints', 'LA,TH']);
    expect([setup.status, setup.stderr]).toEqual([0, '']);
    expect(JSON.parse(setup.stdout)).toMatchObject({ dir: join(dir, 'setup'), trustDir: join(dir, 'setup', 'trust'), endpoints: ['LA', 'TH'] });

    const token = await mx(['token', '--json', '--endpoint', 'LA', '--dir', join(dir, 'setup')]);
    expect(token.status).toBe(0);
    expect((JSON.parse(token.stdout) as { token: string }).token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  }, 60_000);

  describe('real gateways', () => {
    let c: Cluster;
    beforeAll(async () => {
      c = await startCluster(['LA', 'TH']);
    }, 120_000);
    afterAll(async () => {
      await c?.stop();
    });

    test('--token-file against a real gateway; a refused request exits 1 with the problem code and field errors, a failing server 4 with its instance id', async () => {
      const good = join(dir, 'la.token');
      writeFileSync(good, `${await c.token('LA', ['liaison-officer'])}\n`, { mode: 0o600 });
      const bodyFile = join(dir, 'body.json');
      writeFileSync(bodyFile, JSON.stringify(loadBody('offender-travel-alert')));
      const url = c.gateways.LA!.url;

      const sent = await mx(['send', '--json', '--url', url, '--token-file', good, '--type', 'offender-travel-alert', '--to', 'TH', '--body', bodyFile]);
      expect([sent.status, sent.stderr]).toEqual([0, '']);
      const accepted = JSON.parse(sent.stdout) as { id: string };
      expect(sent.stdout.trim().split('\n')).toHaveLength(1);
      const human = await mx(['message', '--url', url, '--token-file', good, accepted.id]);
      expect(human.status).toBe(0);
      expect(JSON.parse(human.stdout)).toMatchObject({ id: accepted.id });

      const denied = await mx(['message', '--url', url, '--token-file', tokenFile, accepted.id]);
      expect([denied.status, denied.stdout]).toEqual([1, '']);
      expect(denied.stderr).toMatch(/^mx: 401 UNAUTHENTICATED/m);

      const badBody = join(dir, 'bad-body.json');
      writeFileSync(badBody, JSON.stringify({ ...loadBody('offender-travel-alert'), unexpected: true }));
      const invalid = await mx(['send', '--url', url, '--token-file', good, '--type', 'offender-travel-alert', '--to', 'TH', '--body', badBody]);
      expect([invalid.status, invalid.stdout]).toEqual([1, '']);
      expect(invalid.stderr).toMatch(/^mx: 4\d\d [A-Z_]+/m);
      expect(invalid.stderr).toMatch(/^mx: {3}\S+: .+ \[[\w-]+\]$/m);

      // A server that fails: LA's store loses the table the message is read from (renamed away and
      // back), so the gateway answers 500 with an instance id for its log, and mx exits 4.
      const db = c.gateways.LA!.gateway.db;
      db.exec('ALTER TABLE sent RENAME TO sent_away');
      let failed;
      try {
        failed = await mx(['message', '--url', url, '--token-file', good, accepted.id]);
      } finally {
        db.exec('ALTER TABLE sent_away RENAME TO sent');
      }
      expect([failed.status, failed.stdout]).toEqual([4, '']);
      expect(failed.stderr).toMatch(/^mx: 5\d\d [A-Z_]+/m);
      expect(failed.stderr).toMatch(/^mx: {3}instance \S+$/m);
      // The table back, the same request succeeds again.
      expect((await mx(['message', '--url', url, '--token-file', good, accepted.id])).status).toBe(0);
    }, 120_000);
  });
});

test('the README\'s tables of commands and exit codes are the code\'s', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Commands\n'), readme.indexOf('\n## ', readme.indexOf('\n## Commands\n') + 5));
  for (const c of COMMANDS) expect([c.name, section.includes(`| \`mx ${c.name}`)]).toEqual([c.name, true]);
  const codes = [...section.matchAll(/^\| (\d) \| ([^|]+?) \|/gm)].map((m) => [Number(m[1]), m[2]!.trim()]);
  expect(codes).toEqual(Object.values(EXIT_CODES).map((e) => [e.code, e.name]));
});
