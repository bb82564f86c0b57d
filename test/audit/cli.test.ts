/**
 * The programs as an operator and an auditor run them: the audit service as its own process
 * (services/audit/src/main.ts, configured by environment, stopping cleanly on SIGTERM), and
 * `mx audit verify` as a separate process with only the audit key, the trust directory and a token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUDIT_AUDIENCE } from '../../services/audit/src/config.ts';
import { auditVerify, parseAuditVerifyArgs } from '../../services/cli/src/commands/audit-verify.ts';
import { auditEnv } from '../../services/cli/src/deployment/setup.ts';
import { mintToken } from '../../services/core/src/idp/dev-idp.ts';
import { isMxError } from '../../services/core/src/errors/mx-error.ts';
import { auditDeployment, AuditTopic, freshPrefix, GatewayTrail } from '../support/audit.ts';
import { eventually, provisionTestKafka, testBrokers } from '../support/kafka.ts';

const AUDIT_MAIN = fileURLToPath(new URL('../../services/audit/src/main.ts', import.meta.url));
const MX_MAIN = fileURLToPath(new URL('../../services/cli/src/main.ts', import.meta.url));

function run(main: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

test('argument errors are usage errors; --help prints the usage', async () => {
  const bad = (args: string[]): unknown => {
    try {
      parseAuditVerifyArgs(args, {});
      return 'no error';
    } catch (e) {
      return isMxError(e, 'VALIDATION_FAILED') ? 'VALIDATION_FAILED' : e;
    }
  };
  expect(bad(['--url', 'http://x'])).toBe('VALIDATION_FAILED');
  expect(bad(['--audit-key', 'k', '--trust', 't'])).toBe('VALIDATION_FAILED');
  expect(bad(['--audit-key', 'k', '--trust', 't', '--url', 'u', '--sample', '0'])).toBe('VALIDATION_FAILED');
  expect(bad(['--audit-key', 'k', '--trust', 't', '--bundle', 'b', '--url', 'u'])).toBe('VALIDATION_FAILED');
  expect(bad(['--audit-key', 'k', '--trust', 't', '--url', 'u', '--what'])).toBe('VALIDATION_FAILED');
  expect(parseAuditVerifyArgs(['--audit-key', 'k', '--trust', 't', '--url', 'u'], { MX_TOKEN: 'tok' })).toMatchObject({ token: 'tok' });
  const lines: string[] = [];
  expect(await auditVerify(['--help'], { out: (l) => lines.push(l) })).toBe(0);
  expect(lines.join('\n')).toMatch(/^usage: mx audit verify/);
});

test('the service process ingests, signs on its own schedule and stops cleanly; mx audit verify passes as a process', async () => {
  const { dep, audit } = await auditDeployment(['LA', 'TH']);
  const prefix = freshPrefix();
  const topic = new AuditTopic(prefix);
  await topic.create();
  await provisionTestKafka({ endpoints: dep.endpoints, topicPrefix: prefix });
  const env = auditEnv(dep, testBrokers(), { topicPrefix: prefix, checkpointEveryLeaves: 5, checkpointEverySeconds: 1 });
  let child: ChildProcess | undefined;
  try {
    child = spawn(process.execPath, ['--import', 'tsx', AUDIT_MAIN], { env: { ...process.env, ...env, MX_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve, reject) => {
      child!.on('message', (m: { ready?: boolean; port?: number }) => m.ready && typeof m.port === 'number' && resolve(m.port));
      child!.once('exit', (code) => reject(new Error(`the audit service exited (${code})`)));
    });
    const url = `http://127.0.0.1:${port}`;
    const la = await GatewayTrail.of(dep, 'LA');
    await topic.publish('LA', await la.many(7));
    const token = await mintToken(dep.idpPrivateJwks, { subject: 'auditor-1', endpoint: 'TH', agency: 'TH audit office (test)', roles: ['auditor'], audience: AUDIT_AUDIENCE });
    // Five leaves trigger a checkpoint; the timer signs the remaining two within a second or so.
    await eventually(async () => {
      const r = await fetch(`${url}/v1/checkpoints/latest`, { headers: { authorization: `Bearer ${token}` } });
      return r.status === 200 && ((await r.json()) as { treeSize: number }).treeSize === 7 ? true : undefined;
    }, 30_000, 'a checkpoint over 7 leaves');

    const r = await run(MX_MAIN, ['audit', 'verify', '--url', url, '--audit-key', audit.publicKeyFile, '--trust', dep.trustDir], { MX_TOKEN: token });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok {3}[12] checkpoints?, signatures by audit:/m);
    expect(r.out).toMatch(/^VERDICT: PASS: 7 leaves of checkpoint size 7/m);

    // --json: one result document, nothing else on stdout; the token from --token-file.
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'mx-audit-token-')), 'token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const json = await run(MX_MAIN, ['audit', 'verify', '--json', '--url', url, '--token-file', tokenFile, '--audit-key', audit.publicKeyFile, '--trust', dep.trustDir], {});
    expect([json.code, json.err]).toEqual([0, '']);
    expect(JSON.parse(json.out)).toMatchObject({ verdict: 'PASS', exitCode: 0, leavesChecked: 7, eventsVerified: 7, checkpoint: { treeSize: 7 }, failures: [] });

    // On a terminal (script(1) gives the command one), progress on stderr: leaves checked of the total.
    const tty = await new Promise<string>((resolve) => {
      const cmd = [process.execPath, '--import', 'tsx', MX_MAIN, 'audit', 'verify', '--url', url, '--token-file', tokenFile, '--audit-key', audit.publicKeyFile, '--trust', dep.trustDir].join(' ');
      const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', () => resolve(out));
    });
    expect(tty).toMatch(/leaves checked 7\/7 \(100%\)/);
    expect(tty).toMatch(/VERDICT: PASS/);

    const denied = await run(MX_MAIN, ['audit', 'verify', '--url', url, '--audit-key', audit.publicKeyFile, '--trust', dep.trustDir], { MX_TOKEN: 'x.y.z' });
    expect(denied.code).toBe(1);
    expect(denied.out).toMatch(/^FAIL .*401 UNAUTHENTICATED/m);

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child!.once('exit', resolve));
    expect(code).toBe(0);
  } finally {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await topic.close();
  }
});
