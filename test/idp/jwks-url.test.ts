/**
 * Gateways and the audit service trusting the OpenID provider by its JWKS URL: a token obtained
 * by the full code + PKCE flow (driven from Node with oauth4webapi) is accepted; one for another
 * audience is refused; naming both or neither key source stops start-up with one clear line.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gatewayEnv, setupAudit, auditEnv } from '../../services/cli/src/deployment/setup.ts';
import { ConfigError } from '../../services/core/src/config/settings.ts';
import { loadAuditConfig } from '../../services/audit/src/config.ts';
import { loadGatewayConfig } from '../../services/gateway/src/config.ts';
import { openIdpPort, type RunningIdp } from '../../services/idp/src/listen.ts';
import { startAudit, type RunningAudit } from '../support/audit.ts';
import { CONSOLE_PASSWORD, CONSOLE_USERS, consoleClient, serveTestIdp, trustIdpEnv } from '../support/console-env.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { testBrokers, testDeployment } from '../support/kafka.ts';
import { signInFromNode } from './flow.ts';

let idp: RunningIdp;
let cluster: Cluster;
let audit: RunningAudit;

beforeAll(async () => {
  const port = await openIdpPort();
  cluster = await startCluster(['TH'], { env: trustIdpEnv(port.issuer) });
  audit = await startAudit(cluster.dep, await setupAudit(cluster.dep), { prefix: cluster.prefix, consume: false, env: trustIdpEnv(port.issuer) });
  idp = await serveTestIdp(port, {
    consoles: [
      { name: 'TH', origin: cluster.gateways.TH!.url },
      { name: 'LA', origin: 'http://127.0.0.1:9' },
      { name: 'audit', origin: audit.url },
    ],
  });
}, 120_000);

afterAll(async () => {
  await audit?.stop();
  await cluster?.stop();
  await idp?.close();
});

const signIn = (user: { username: string; console: string }, origin: string) =>
  signInFromNode(idp.issuer, consoleClient(user.console, origin), { username: user.username, password: CONSOLE_PASSWORD });

test('a gateway with MX_IDP_JWKS_URL accepts a token of the provider\'s code + PKCE flow and refuses one for another audience', async () => {
  const th = await signIn(CONSOLE_USERS.thOfficer, cluster.gateways.TH!.url);
  const ok = await cluster.call('TH', 'GET', '/v1/inbox', { token: th.accessToken });
  expect(ok.status).toBe(200);

  // Same endpoint and signature, audience `mx-audit`: refused.
  const forAudit = await signIn(CONSOLE_USERS.auditor, audit.url);
  const refused = await cluster.call('TH', 'GET', '/v1/inbox', { token: forAudit.accessToken });
  expect(refused.status).toBe(401);
  expect(refused.body.code).toBe('UNAUTHENTICATED');
});

test('the audit service with MX_IDP_JWKS_URL accepts the auditor\'s token and refuses a gateway\'s', async () => {
  const auditor = await signIn(CONSOLE_USERS.auditor, audit.url);
  expect((await audit.get('/v1/checkpoints', auditor.accessToken)).status).toBe(200);
  const th = await signIn(CONSOLE_USERS.thOfficer, cluster.gateways.TH!.url);
  const refused = await audit.get('/v1/checkpoints', th.accessToken);
  expect(refused.status).toBe(401);
});

test('configuration: exactly one of MX_IDP_JWKS_FILE and MX_IDP_JWKS_URL', async () => {
  const dep = await testDeployment('mx-jwks-url-', ['TH']);
  const gw = gatewayEnv(dep, 'TH', testBrokers());
  const au = auditEnv(dep, testBrokers());
  for (const load of [(env: Record<string, string>) => loadGatewayConfig({ ...gw, ...env }), (env: Record<string, string>) => loadAuditConfig({ ...au, ...env })]) {
    expect(() => load({ MX_IDP_JWKS_URL: 'http://127.0.0.1:1/jwks' })).toThrow(/MX_IDP_JWKS_FILE and MX_IDP_JWKS_URL are both set/);
    expect(() => load({ MX_IDP_JWKS_FILE: '' })).toThrow(ConfigError);
    expect(() => load({ MX_IDP_JWKS_FILE: '', MX_IDP_JWKS_URL: 'ftp://x/jwks' })).toThrow(/MX_IDP_JWKS_URL must be an http\(s\) URL/);
    expect(load({ MX_IDP_JWKS_FILE: '', MX_IDP_JWKS_URL: 'http://127.0.0.1:1/jwks' })).toMatchObject({ idpJwks: '', idpJwksUrl: 'http://127.0.0.1:1/jwks' });
  }
  // The process says so in one line, without a stack trace.
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'services/gateway/src/main.ts'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...gw, MX_IDP_JWKS_URL: 'http://127.0.0.1:1/jwks' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status).toBe(2);
  expect(`${r.stdout}${r.stderr}`.trim().split('\n')).toEqual([expect.stringMatching(/^gateway: cannot start: invalid configuration: MX_IDP_JWKS_FILE and MX_IDP_JWKS_URL are both set/)]);
}, 90_000);
