/**
 * A service that cannot start because a secret or configuration file is missing or bad says so in
 * one line naming the variable and the path, exits non-zero, and prints no stack trace.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { auditEnv, gatewayEnv, pseudonymKeyFile, setupAudit } from '../../services/cli/src/deployment/setup.ts';
import { testBrokers, testDeployment } from '../support/kafka.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function run(main: string, env: Record<string, string>): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', main], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function expectOneClearLine(r: { status: number | null; output: string }, variable: string, path: string): void {
  expect(r.status).toBe(2);
  const lines = r.output.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(variable);
  expect(lines[0]).toContain(path);
  expect(r.output).not.toMatch(/\n\s+at /);
}

test('a gateway whose pseudonym key file is missing names MX_PSEUDONYM_KEY_FILE and the path', async () => {
  const dep = await testDeployment('mx-startup-', ['KH']);
  const missing = pseudonymKeyFile(dep.dir, 'KH');
  rmSync(missing);
  const r = run('services/gateway/src/main.ts', gatewayEnv(dep, 'KH', testBrokers()));
  expectOneClearLine(r, 'MX_PSEUDONYM_KEY_FILE', missing);
  expect(r.output).toMatch(/^gateway: cannot start: invalid configuration: MX_PSEUDONYM_KEY_FILE names .* which does not exist/);
}, 90_000);

test('a gateway with a routing policy that has a bad rule names the rule and field', async () => {
  const dep = await testDeployment('mx-startup-', ['LA']);
  const policy = join(dep.dir, 'policy.json');
  writeFileSync(policy, JSON.stringify({ version: 1, rules: [{ type: 'victim-repatriation-notice', between: ['LA'] }] }));
  const r = run('services/gateway/src/main.ts', { ...gatewayEnv(dep, 'LA', testBrokers()), MX_ROUTING_POLICY: policy });
  expectOneClearLine(r, 'rules[0].between', policy);
}, 90_000);

test('an audit service whose checkpoint key file is missing names MX_AUDIT_SIGNING_KEY_FILE and the path', async () => {
  const dep = await testDeployment('mx-startup-', ['LA']);
  const audit = await setupAudit(dep);
  rmSync(audit.signingKeyFile);
  const r = run('services/audit/src/main.ts', auditEnv(dep, testBrokers()));
  expectOneClearLine(r, 'MX_AUDIT_SIGNING_KEY_FILE', audit.signingKeyFile);
}, 90_000);

test('a gateway whose metrics token is too short names MX_METRICS_TOKEN_FILE and the path, never the token', async () => {
  const dep = await testDeployment('mx-startup-', ['LA']);
  const file = join(dep.dir, 'metrics.token');
  writeFileSync(file, 'short-metrics-token\n', { mode: 0o600 });
  const r = run('services/gateway/src/main.ts', { ...gatewayEnv(dep, 'LA', testBrokers()), MX_METRICS_TOKEN_FILE: file });
  expectOneClearLine(r, 'MX_METRICS_TOKEN_FILE', file);
  expect(r.output).not.toContain('short-metrics-token');
}, 90_000);

test('an audit service whose metrics token file is missing names MX_METRICS_TOKEN_FILE and the path', async () => {
  const dep = await testDeployment('mx-startup-', ['LA']);
  await setupAudit(dep);
  const missing = join(dep.dir, 'no-such-metrics.token');
  const r = run('services/audit/src/main.ts', { ...auditEnv(dep, testBrokers()), MX_METRICS_TOKEN_FILE: missing });
  expectOneClearLine(r, 'MX_METRICS_TOKEN_FILE', missing);
}, 90_000);
