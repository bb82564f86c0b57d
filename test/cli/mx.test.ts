/** `npx mx ...` is what a person types and captures: its stdout is the command's output and nothing else. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { DEV_IDP_ISSUER, devIdpPaths, gatewayAudience } from '../../services/core/src/idp/dev-idp.ts';
import { setupDeployment } from '../../services/cli/src/deployment/setup.ts';
import kafkajs from 'kafkajs';
import { eventually, testKafka, testKafkaSecretsDir, uniqueName } from '../support/kafka.ts';
import { startCluster } from '../support/gateways.ts';
import { loadBody } from '../fixtures/documents/index.ts';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mx-cli-'));
  await setupDeployment(dir, ['LA', 'TH']);
});

function npx(...args: string[]) {
  return spawnSync('npx', ['--no-install', 'mx', ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, MX_DEMO_DIR: dir } });
}

test('npx mx token prints exactly one line: a token the endpoint gateway accepts', async () => {
  const r = npx('token', '--endpoint', 'LA');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  const jwks = createLocalJWKSet(JSON.parse(readFileSync(devIdpPaths(dir).publicJwks, 'utf8')));
  const { payload } = await jwtVerify(r.stdout.trim(), jwks, { issuer: DEV_IDP_ISSUER, audience: gatewayAudience('LA') });
  expect(payload).toMatchObject({ mx_endpoint: 'LA' });
}, 30_000);

test('npx mx token refuses an endpoint that is not in the deployment, with usage exit code 2 and nothing on stdout', () => {
  const r = npx('token', '--endpoint', 'XX');
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/--endpoint XX is not an endpoint of the deployment .* \(it has LA, TH\)/);
  // CN is a demo endpoint, but not one of this deployment.
  expect(npx('token', '--endpoint', 'CN', '--for', 'audit').status).toBe(2);
}, 30_000);

test('npx mx token without a deployment says so instead of minting', () => {
  const r = spawnSync('npx', ['--no-install', 'mx', 'token', '--endpoint', 'LA', '--dir', mkdtempSync(join(tmpdir(), 'mx-empty-'))], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/no deployment under/);
}, 30_000);

test('npx mx kafka provision creates a prefix\'s topics and ACLs as the admin principal, and again is a no-op', async () => {
  const secrets = testKafkaSecretsDir();
  if (secrets === undefined) throw new Error('the test broker is secured by the global set-up (MX_KAFKA_SECRETS_DIR)');
  const prefix = `${uniqueName('prov')}.`;
  const run = () =>
    spawnSync('npx', ['--no-install', 'mx', 'kafka', 'provision', '--dir', secrets, '--endpoints', 'LA,TH', '--prefix', prefix, '--partitions', '1'], { cwd: REPO_ROOT, encoding: 'utf8', env: process.env });
  for (let i = 0; i < 2; i += 1) {
    const r = run();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('provisioned 5 topics and 12 ACLs as the admin principal\n');
  }
  const admin = testKafka(uniqueName('prov-check')).admin();
  await admin.connect();
  try {
    expect((await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort()).toEqual([`${prefix}mx.audit`, `${prefix}mx.dlq.LA`, `${prefix}mx.dlq.TH`, `${prefix}mx.inbox.LA`, `${prefix}mx.inbox.TH`]);
    const { resources } = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const mine = resources.filter((r) => r.resourceName.startsWith(prefix)).flatMap((r) => r.acls.map((a) => `${a.principal} ${a.operation} ${r.resourceName}`));
    expect(mine).toHaveLength(12);
    expect(mine).toContain(`User:gw-LA ${AclOperationTypes.READ} ${prefix}mx.inbox.LA`);
    expect(mine).not.toContain(`User:gw-TH ${AclOperationTypes.READ} ${prefix}mx.inbox.LA`);
  } finally {
    await admin.disconnect();
  }
}, 60_000);

/** Like npx() but without blocking this process: the gateways it talks to run in it. */
function npxAsync(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // No MX_DEMO_DIR: with --url the commands must not need the demo's state file.
    const { MX_DEMO_DIR: _ignored, ...rest } = process.env;
    const child = spawn('npx', ['--no-install', 'mx', ...args], { cwd: REPO_ROOT, env: { ...rest, MX_DEMO_DIR: mkdtempSync(join(tmpdir(), 'mx-no-demo-')), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('npx mx keys init writes the keys, the pseudonym key and the metrics token, and prints every file it wrote', () => {
  const keys = mkdtempSync(join(tmpdir(), 'mx-keys-'));
  const r = npx('keys', 'init', '--endpoint', 'KH', '--dir', keys);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const written = [join(keys, 'private', 'KH.jwks.json'), join(keys, 'trust', 'KH.jwks.json'), join(keys, 'trust', 'revocations.json'), join(keys, 'private', 'KH.pseudonym.key'), join(keys, 'private', 'KH.metrics.token')];
  for (const f of written) expect(r.stdout).toContain(f);
  const pk = join(keys, 'private', 'KH.pseudonym.key');
  expect(readFileSync(pk)).toHaveLength(32);
  expect(statSync(pk).mode & 0o777).toBe(0o600);
  // The metrics token a gateway serves /metrics with (at least 32 characters), private like the keys.
  const token = join(keys, 'private', 'KH.metrics.token');
  expect(readFileSync(token, 'utf8').trim().length).toBeGreaterThanOrEqual(32);
  expect(statSync(token).mode & 0o777).toBe(0o600);
  const metricsToken = readFileSync(token);

  const pseudonymKey = readFileSync(pk);
  const rotated = npx('keys', 'rotate', '--endpoint', 'KH', '--dir', keys, '--valid-from', new Date(Date.now() + 3_600_000).toISOString());
  expect(rotated.status).toBe(0);
  expect(rotated.stdout).toMatch(/copy .*KH\.jwks\.json into the trust directory of every counterpart/);
  expect(rotated.stdout).toMatch(/MX_TRUST_RELOAD_SECONDS/);
  // The pseudonym key is the endpoint's for good, and the metrics token stays: a rotation leaves them alone.
  expect(readFileSync(pk)).toEqual(pseudonymKey);
  expect(readFileSync(token)).toEqual(metricsToken);
}, 30_000);

describe('mx send, inbox and message with --url and --token, against gateways of no demo', () => {
  let c: Awaited<ReturnType<typeof startCluster>>;
  beforeAll(async () => {
    c = await startCluster(['LA', 'TH']);
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  });

  test('a notice sent to TH through LA\'s URL arrives and is read through TH\'s URL, the token from MX_TOKEN or --token', async () => {
    const bodyFile = join(mkdtempSync(join(tmpdir(), 'mx-body-')), 'body.json');
    writeFileSync(bodyFile, JSON.stringify(loadBody('offender-travel-alert')));
    const laToken = await c.token('LA', ['liaison-officer']);
    const sent = await npxAsync(['send', '--json', '--url', c.gateways.LA!.url, '--type', 'offender-travel-alert', '--to', 'TH', '--body', bodyFile], { MX_TOKEN: laToken });
    expect(sent.stderr).toBe('');
    expect(sent.status).toBe(0);
    const id = (JSON.parse(sent.stdout) as { id: string }).id;

    const thToken = await c.token('TH', ['liaison-officer']);
    await eventually(async () => {
      const inbox = await npxAsync(['inbox', '--json', '--url', `${c.gateways.TH!.url}/`, '--token', thToken, '--type', 'offender-travel-alert']);
      expect(inbox.status).toBe(0);
      return (JSON.parse(inbox.stdout) as { items: { id: string }[] }).items.some((m) => m.id === id) ? true : undefined;
    }, 60_000, 'the alert in TH\'s inbox, listed by mx inbox --url');
    const read = await npxAsync(['inbox', '--json', '--url', c.gateways.TH!.url, '--token', thToken, id]);
    expect(read.status).toBe(0);
    expect(JSON.parse(read.stdout)).toMatchObject({ id, from: 'LA' });

    const message = await npxAsync(['message', '--json', '--url', c.gateways.LA!.url, '--token', laToken, id]);
    expect(message.status).toBe(0);
    expect(JSON.parse(message.stdout)).toMatchObject({ id, type: 'offender-travel-alert' });

    // The gateway decides: a token for another endpoint is refused, and the command fails.
    const wrong = await npxAsync(['message', '--json', '--url', c.gateways.LA!.url, '--token', thToken, id]);
    expect(wrong.status).toBe(1);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ status: 401 });
    expect(wrong.stderr).toMatch(/^mx: 401 [A-Z_]+/m);
    // --url without a token is a usage error, not a call without credentials.
    const none = await npxAsync(['message', '--url', c.gateways.LA!.url, id]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/--url needs --token/);
  }, 120_000);
});
