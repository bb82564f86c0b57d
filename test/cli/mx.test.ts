/** `npx mx ...` is what a person types and captures: its stdout is the command's output and nothing else. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { DEV_IDP_ISSUER, devIdpPaths, gatewayAudience } from '../../services/core/src/idp/dev-idp.ts';
import { setupDeployment } from '../../services/cli/src/deployment/setup.ts';
import kafkajs from 'kafkajs';
import { testKafka, testKafkaSecretsDir, uniqueName } from '../support/kafka.ts';

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
