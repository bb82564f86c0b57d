/**
 * Issue 11, a counterpart joins: LA, TH and the audit service run as separate processes on the
 * shared secured broker; then KH is added by configuration only, in the order of the README's
 * "Adding a counterpart": `mx keys init` in KH's own directory, KH's public JWKS copied into the
 * running deployment's trust directory (and LA's and TH's into KH's), the routing policy file
 * edited (victim notices between TH and KH only; KH among the alert endpoints), `mx kafka
 * provision` for KH on the running cluster, KH's gateway started. No running process is restarted.
 * The tests build on each other: run the file whole.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { AUDIT_AUDIENCE } from '../../services/audit/src/config.ts';
import { auditEnv, gatewayEnv, setupAudit, type AuditDeployment, type Deployment } from '../../services/cli/src/deployment/setup.ts';
import { gatewayAudience, mintToken, type Role } from '../../services/core/src/idp/dev-idp.ts';
import { acceptsLogin } from '../../services/core/src/kafka/provision.ts';
import { gatewayPrincipal, kafkaPasswordFile } from '../../services/core/src/kafka/security.ts';
import { RecordPublisher, topicNames } from '../../services/core/src/kafka/transport.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { eventually, provisionTestKafka, testBrokers, testDeployment, testKafka, testKafkaSecretsDir, testSecurity, uniqueName } from '../support/kafka.ts';
import { GatewayProcess, killAllGateways } from '../support/processes.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MX_MAIN = 'services/cli/src/main.ts';
const AUDIT_MAIN = 'services/audit/src/main.ts';
/** How often the services re-read the trust directory and the routing policy here. */
const RELOAD_ENV = { MX_TRUST_RELOAD_SECONDS: '1' };
/** Generous bound for a change to be taken up: one reload interval, on a loaded machine. */
const RELOAD_WITHIN_MS = 20_000;
/** Each step waits on other processes (a JVM, node children) on a loaded 2-core machine. */
const TEST_TIMEOUT_MS = 120_000;

let dep: Deployment;
let audit: AuditDeployment;
let prefix: string;
let policyFile: string;
/** KH's own directory: its organisation runs `mx keys init` there, not in the deployment's. */
let khDir: string;
let auditUrl: string;
let auditProc: ReturnType<typeof spawn> | undefined;
const gw: Record<string, GatewayProcess> = {};
const tokens: Record<string, string> = {};

/** The policy before KH: LA and TH exchange everything. */
const POLICY_BEFORE = {
  version: 1,
  groups: { countries: ['LA', 'TH'], everyone: ['LA', 'TH'] },
  rules: [
    { type: 'victim-repatriation-notice', from: '@countries', to: '@countries' },
    { type: 'repatriation-status-update', from: '@countries', to: '@countries' },
    { type: 'offender-travel-alert', from: '@everyone', to: '@everyone' },
    { type: 'offender-alert-response', from: '@everyone', to: '@everyone' },
    { type: 'delivery-receipt', from: '@everyone', to: '@everyone' },
    { type: 'audit-event', from: '@everyone', to: [] },
  ],
};

/** The policy with KH: victim data between TH and KH only (a second rule per type), KH among everyone. */
const POLICY_AFTER = {
  version: 1,
  groups: { countries: ['LA', 'TH'], everyone: ['LA', 'TH', 'KH'] },
  rules: [
    { type: 'victim-repatriation-notice', from: '@countries', to: '@countries' },
    { type: 'victim-repatriation-notice', between: ['TH', 'KH'] },
    { type: 'repatriation-status-update', from: '@countries', to: '@countries' },
    { type: 'repatriation-status-update', between: ['TH', 'KH'] },
    { type: 'offender-travel-alert', from: '@everyone', to: '@everyone' },
    { type: 'offender-alert-response', from: '@everyone', to: '@everyone' },
    { type: 'delivery-receipt', from: '@everyone', to: '@everyone' },
    { type: 'audit-event', from: '@everyone', to: [] },
  ],
};

/** Runs a program of this repository as its own process (`node --import tsx`). */
function run(main: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const { NODE_OPTIONS: _ignored, ...base } = process.env;
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { cwd: REPO_ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

const mx = (...args: string[]) => run(MX_MAIN, args, { KAFKA_BROKERS: testBrokers().join(',') });

function token(endpoint: string, roles: Role[], audience = gatewayAudience(endpoint)): Promise<string> {
  return mintToken(dep.idpPrivateJwks, { subject: `officer-${roles.join('+')}@${endpoint}`, endpoint, agency: `${endpoint} test agency`, roles, audience });
}

async function auditGet(path: string, auth: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`${auditUrl}${path}`, { headers: { authorization: `Bearer ${auth}` } });
  const text = await r.text();
  try {
    return { status: r.status, body: JSON.parse(text) };
  } catch {
    return { status: r.status, body: text };
  }
}

async function startGateway(e: string, env: Record<string, string>): Promise<GatewayProcess> {
  const p = await GatewayProcess.spawn({ env: { ...env, ...RELOAD_ENV }, logFile: join(dep.dir, `${e}.log`) });
  gw[e] = p;
  await p.waitForConsumer({ timeoutMs: 45_000 });
  return p;
}

/** Every recipient of a message published and delivered, as its sender shows it. */
async function deliveredAtSender(sender: string, id: string, to: string[]): Promise<any> {
  return eventually(async () => {
    const r = await gw[sender]!.call('GET', `/v1/messages/${id}`, { token: tokens[sender]! });
    if (r.status !== 200) return undefined;
    const rec = r.body.recipients as { endpoint: string; published: boolean; delivered: boolean }[];
    return to.every((e) => rec.some((x) => x.endpoint === e && x.published && x.delivered)) ? r.body : undefined;
  }, 45_000, `${sender}'s message ${id} delivered to ${to.join(', ')}`);
}

/** The signed payload of the record with this message id on a topic (read as the admin principal). */
async function recordOn(topic: string, id: string): Promise<any> {
  const consumer = testKafka(uniqueName('mx-join-tap')).consumer({ groupId: uniqueName('mx-join-tap') });
  let found: any;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const jws = JSON.parse(message.value!.toString('utf8')) as { payload: string };
        const payload = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as { id: string };
        if (payload.id === id) found = payload;
      },
    });
    return await eventually(() => found, 30_000, `message ${id} on ${topic}`);
  } finally {
    await consumer.disconnect();
  }
}

beforeAll(async () => {
  dep = await testDeployment('mx-join-', ['LA', 'TH']);
  audit = await setupAudit(dep);
  prefix = `${uniqueName('join')}.`;
  policyFile = join(dep.dir, 'routing-policy.json');
  writeFileSync(policyFile, JSON.stringify(POLICY_BEFORE, null, 2));
  await provisionTestKafka({ endpoints: ['LA', 'TH'], topicPrefix: prefix, routingPolicyFile: policyFile });
  khDir = mkdtempSync(join(tmpdir(), 'mx-join-kh-'));

  const env = (e: string) => ({ ...gatewayEnv(dep, e, testBrokers(), { topicPrefix: prefix }), MX_ROUTING_POLICY: policyFile });
  await Promise.all([startGateway('LA', env('LA')), startGateway('TH', env('TH'))]);

  const { NODE_OPTIONS: _ignored, ...base } = process.env;
  auditProc = spawn(process.execPath, ['--import', 'tsx', AUDIT_MAIN], {
    cwd: REPO_ROOT,
    env: { ...base, ...auditEnv(dep, testBrokers(), { topicPrefix: prefix, checkpointEveryLeaves: 5, checkpointEverySeconds: 1 }), ...RELOAD_ENV, MX_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    auditProc!.on('message', (m: { ready?: boolean; port?: number }) => m.ready && typeof m.port === 'number' && resolve(m.port));
    auditProc!.once('exit', (code) => reject(new Error(`the audit service exited (${code})`)));
  });
  auditUrl = `http://127.0.0.1:${port}`;
  for (const e of ['LA', 'TH']) tokens[e] = await token(e, ['liaison-officer']);
}, 120_000);

afterAll(async () => {
  await killAllGateways();
  if (auditProc && auditProc.exitCode === null) {
    const exited = new Promise((r) => auditProc!.once('exit', r));
    auditProc.kill('SIGTERM');
    const timer = setTimeout(() => auditProc!.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}, TEST_TIMEOUT_MS);

test('mx keys init --endpoint KH writes everything KH needs: signing and encryption keys, its public JWKS, its pseudonym key, its metrics token', async () => {
  const r = await mx('keys', 'init', '--endpoint', 'KH', '--dir', khDir);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  for (const f of ['private/KH.jwks.json', 'private/KH.pseudonym.key', 'private/KH.metrics.token']) {
    expect(existsSync(join(khDir, f))).toBe(true);
    expect(statSync(join(khDir, f)).mode & 0o077).toBe(0);
  }
  const pub = JSON.parse(readFileSync(join(khDir, 'trust', 'KH.jwks.json'), 'utf8')) as { keys: { kid: string; use: string; d?: string }[] };
  expect(pub.keys.map((k) => k.use).sort()).toEqual(['enc', 'sig']);
  expect(pub.keys.every((k) => k.kid.startsWith('KH:') && k.d === undefined)).toBe(true);
}, TEST_TIMEOUT_MS);

test('the public keys are exchanged and the routing policy edited: the running LA, TH and audit service take them up without a restart', async () => {
  // Before KH is in the registry, the audit service refuses KH's auditors.
  const khAuditor = await token('KH', ['auditor'], AUDIT_AUDIENCE);
  const before = await auditGet('/v1/status', khAuditor);
  expect(before.status).toBe(403);
  expect(before.body.code).toBe('FORBIDDEN');

  // The policy first: once a service lists KH's key, it has read the policy naming KH too.
  // Renames, so no service ever reads a half-written file.
  writeFileSync(`${policyFile}.new`, JSON.stringify(POLICY_AFTER, null, 2));
  renameSync(`${policyFile}.new`, policyFile);
  // Each side hands out only its public key file.
  copyFileSync(join(khDir, 'trust', 'KH.jwks.json'), join(dep.trustDir, '.KH.jwks.json.tmp'));
  renameSync(join(dep.trustDir, '.KH.jwks.json.tmp'), join(dep.trustDir, 'KH.jwks.json'));
  for (const f of ['LA.jwks.json', 'TH.jwks.json', 'revocations.json']) copyFileSync(join(dep.trustDir, f), join(khDir, 'trust', f));

  for (const e of ['LA', 'TH']) {
    const auditor = await token(e, ['auditor']);
    const status = await eventually(async () => {
      const r = await gw[e]!.call('GET', '/v1/status', { token: auditor });
      return r.status === 200 && (r.body.trust?.endpoints as string[] | undefined)?.includes('KH') ? r.body : undefined;
    }, RELOAD_WITHIN_MS, `${e}'s trust registry to list KH`);
    expect(status.trust.problem).toBeUndefined();
  }
  const auditor = await token('TH', ['auditor'], AUDIT_AUDIENCE);
  await eventually(async () => {
    const r = await auditGet('/v1/status', auditor);
    return r.status === 200 && (r.body.trust?.endpoints as string[] | undefined)?.includes('KH') ? true : undefined;
  }, RELOAD_WITHIN_MS, "the audit service's trust registry to list KH");
}, TEST_TIMEOUT_MS);

test('mx kafka provision on the running cluster gives gw-KH a password file, a SCRAM credential it can log in with, its topics and ACLs; again it changes nothing', async () => {
  const secrets = testKafkaSecretsDir();
  if (secrets === undefined) throw new Error('this test needs the secured test broker (MX_KAFKA_SECRETS_DIR)');
  const principal = gatewayPrincipal('KH');
  // A cluster of one's own (KAFKA_BROKERS) may know gw-KH from an earlier run; the test broker never does.
  const known = existsSync(kafkaPasswordFile(secrets, principal));
  if (process.env.MX_TEST_BROKER_STARTED === '1') expect(known).toBe(false);
  const args = ['kafka', 'provision', '--dir', secrets, '--endpoints', 'LA,TH,KH', '--prefix', prefix, '--routing-policy', policyFile];

  const first = await mx(...args);
  expect(first.err).toBe('');
  expect(first.code).toBe(0);
  if (!known) expect(first.out).toBe(`provisioned 7 topics and 20 ACLs as the admin principal; SCRAM credentials set for ${principal}\n`);
  const password = readFileSync(kafkaPasswordFile(secrets, principal), 'utf8').trim();
  expect(statSync(kafkaPasswordFile(secrets, principal)).mode & 0o077).toBe(0);
  // Neither password on any output.
  for (const p of [password, testSecurity()!.password]) expect(first.out + first.err).not.toContain(p);
  const caPem = testSecurity()!.caPem;
  expect(await acceptsLogin(testBrokers(), { caPem, username: principal, password })).toBe(true);
  expect(await acceptsLogin(testBrokers(), { caPem, username: principal, password: `${password}x` })).toBe(false);

  const again = await mx(...args);
  expect(again.code).toBe(0);
  expect(again.out).toBe('provisioned 7 topics and 20 ACLs as the admin principal\n');

  // The grants follow the policy: TH may write KH's inbox, and so may LA (alerts); KH may read it.
  const t = topicNames(prefix);
  const admin = testKafka('mx-join-test').admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    expect(topics).toEqual(expect.arrayContaining([t.inbox('KH'), t.dlq('KH')]));
    const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;
    const acls = await admin.describeAcls({ resourceType: AclResourceTypes.TOPIC, resourceName: t.inbox('KH'), resourcePatternType: ResourcePatternTypes.LITERAL, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ALLOW });
    const opName = (n: number) => Object.entries(AclOperationTypes).find(([, v]) => v === n)?.[0] ?? String(n);
    const grants = acls.resources.flatMap((r) => r.acls.map((a) => `${a.principal} ${opName(a.operation)}`)).sort();
    expect(grants).toEqual(['User:gw-KH READ', 'User:gw-LA WRITE', 'User:gw-TH WRITE']);
  } finally {
    await admin.disconnect();
  }
  const publisher = new RecordPublisher(testKafka(uniqueName('mx-join-kh'), { principal, retry: { retries: 1, initialRetryTime: 100 } }));
  try {
    await publisher.publish([{ topic: t.dlq('KH'), records: [{ key: 'probe', value: '{}' }] }]);
  } finally {
    await publisher.close();
  }
}, TEST_TIMEOUT_MS);

test("KH's gateway starts with its own files and reads its inbox", async () => {
  const env = {
    ...gatewayEnv(dep, 'KH', testBrokers(), { topicPrefix: prefix }),
    MX_DATA_DIR: join(khDir, 'data'),
    MX_TRUST_DIR: join(khDir, 'trust'),
    MX_PRIVATE_KEYS_FILE: join(khDir, 'private', 'KH.jwks.json'),
    MX_PSEUDONYM_KEY_FILE: join(khDir, 'private', 'KH.pseudonym.key'),
    MX_ROUTING_POLICY: policyFile,
  };
  mkdirSync(env.MX_DATA_DIR, { recursive: true });
  await startGateway('KH', env);
  tokens.KH = await token('KH', ['liaison-officer']);
  const ready = await eventually(async () => {
    const r = await gw.KH!.call('GET', '/v1/ready');
    return r.status === 200 ? r : undefined;
  }, 30_000, 'KH ready');
  expect(ready.status).toBe(200);
}, TEST_TIMEOUT_MS);

let victimId: string;
let alertId: string;

test("TH sends KH a victim notice with mx send --url (encrypted to KH): delivered, readable at KH, its lifecycle shown at TH by mx message", async () => {
  const caseRef = `TH-2026-${String(100_000 + Math.floor(Math.random() * 800_000)).padStart(6, '0')}`;
  // As an officer would, with `mx` pointed at TH's gateway (the token in MX_TOKEN, off the command line).
  const bodyFile = join(dep.dir, 'victim-notice.json');
  writeFileSync(bodyFile, JSON.stringify(loadBody('victim-repatriation-notice')));
  const sent = await run(MX_MAIN, ['send', '--json', '--url', gw.TH!.url, '--type', 'victim-repatriation-notice', '--to', 'KH', '--case-ref', caseRef, '--body', bodyFile], { MX_TOKEN: tokens.TH! });
  expect(sent.err).toBe('');
  expect(sent.code).toBe(0);
  victimId = (JSON.parse(sent.out) as { id: string }).id;
  const m = await deliveredAtSender('TH', victimId, ['KH']);
  expect(m.recipients).toEqual([expect.objectContaining({ endpoint: 'KH', published: true, delivered: true })]);
  const shown = await run(MX_MAIN, ['message', '--url', gw.TH!.url, victimId], { MX_TOKEN: tokens.TH! });
  expect(shown.code).toBe(0);
  expect(JSON.parse(shown.out)).toMatchObject({ id: victimId, recipients: [{ endpoint: 'KH', delivered: true }] });

  const item = await gw.KH!.call('GET', `/v1/inbox/${victimId}`, { token: tokens.KH! });
  expect(item.status).toBe(200);
  expect(item.body.document).toMatchObject({ id: victimId, from: 'TH', to: ['KH'], type: 'victim-repatriation-notice' });
  // Decrypted by KH with the private key `mx keys init` made.
  expect(item.body.document.body).toEqual(loadBody('victim-repatriation-notice'));
  // On the wire it was encrypted to KH's key, the one KH published a moment ago.
  const onWire = await recordOn(topicNames(prefix).inbox('KH'), victimId);
  expect(onWire.body).toBeUndefined();
  const khEncKid = (JSON.parse(readFileSync(join(khDir, 'trust', 'KH.jwks.json'), 'utf8')) as { keys: { kid: string; use: string }[] }).keys.find((k) => k.use === 'enc')!.kid;
  expect(onWire.encryptedBody.recipients.map((x: { header: { kid: string } }) => x.header.kid)).toEqual([khEncKid]);
}, TEST_TIMEOUT_MS);

test('KH sends an offender alert to TH and LA: both deliver it, KH shows both receipts', async () => {
  const r = await gw.KH!.call('POST', '/v1/notices', { token: tokens.KH!, body: { type: 'offender-travel-alert', to: ['TH', 'LA'], body: loadBody('offender-travel-alert') } });
  expect(r.status).toBe(202);
  alertId = r.body.id;
  const m = await deliveredAtSender('KH', alertId, ['TH', 'LA']);
  expect(m.recipients).toHaveLength(2);
  for (const e of ['TH', 'LA']) {
    const item = await gw[e]!.call('GET', `/v1/inbox/${alertId}`, { token: tokens[e]! });
    expect(item.status).toBe(200);
    expect(item.body.document).toMatchObject({ id: alertId, from: 'KH', type: 'offender-travel-alert' });
  }
}, TEST_TIMEOUT_MS);

test('LA may not send KH a victim notice: 403 ROUTE_FORBIDDEN (the policy says TH and KH only)', async () => {
  const r = await gw.LA!.call('POST', '/v1/notices', { token: tokens.LA!, body: { type: 'victim-repatriation-notice', to: ['KH'], caseRef: 'LA-2026-000777', body: loadBody('victim-repatriation-notice') } });
  expect(r.status).toBe(403);
  expect(r.body.code).toBe('ROUTE_FORBIDDEN');
}, TEST_TIMEOUT_MS);

test("the running audit service accepts KH's auditor, logs KH's events, and mx audit verify passes", async () => {
  const khAuditor = await token('KH', ['auditor'], AUDIT_AUDIENCE);
  const events = await eventually(async () => {
    const r = await auditGet(`/v1/events?endpoint=KH&limit=500`, khAuditor);
    if (r.status !== 200) return undefined;
    const items = r.body.items as { messageId?: string; action: string }[];
    return items.some((i) => i.messageId === alertId && i.action === 'receipt-received') && items.some((i) => i.messageId === victimId && i.action === 'delivered') ? items : undefined;
  }, 45_000, "KH's events for the alert and the victim notice in the audit log");
  expect(events.length).toBeGreaterThan(0);

  // KH's events are under a signed checkpoint before verifying (verify checks up to the latest one).
  const size = (await auditGet('/v1/status', khAuditor)).body.treeSize as number;
  await eventually(async () => {
    const latest = await auditGet('/v1/checkpoints/latest', khAuditor);
    return latest.status === 200 && latest.body.treeSize >= size ? true : undefined;
  }, 30_000, `a checkpoint over ${size} leaves`);
  const v = await run(MX_MAIN, ['audit', 'verify', '--url', auditUrl, '--audit-key', audit.publicKeyFile, '--trust', dep.trustDir], { MX_TOKEN: khAuditor });
  expect(v.err).toBe('');
  expect(v.out).toMatch(/^VERDICT: PASS/m);
  expect(v.code).toBe(0);
}, TEST_TIMEOUT_MS);
