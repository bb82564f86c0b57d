/**
 * The OpenID provider as a process, configured like the other services: it signs the demo's users
 * in with the deployment's identity provider key, so its tokens and `mx`'s verify alike; a bad
 * setting stops it with one line naming the variable.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { idpEnv, setupIdp } from '../../services/cli/src/deployment/setup.ts';
import { IDP_MAIN, startService, type ServiceProcess } from '../../services/cli/src/demo/processes.ts';
import { mintToken } from '../../services/core/src/idp/dev-idp.ts';
import { OfficerAuth } from '../../services/core/src/idp/officer-auth.ts';
import { freePort } from '../../services/core/src/kafka/local-broker.ts';
import { testDeployment } from '../support/kafka.ts';
import { consoleClient } from '../support/console-env.ts';
import { signInFromNode } from './flow.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
let idp: ServiceProcess | undefined;

afterAll(async () => {
  await idp?.stop();
});

test('the provider process signs a demo user in; its token and an `mx` token with its issuer verify against the deployment key', async () => {
  const dep = await testDeployment('mx-idp-proc-', ['TH']);
  const setup = await setupIdp(dep);
  expect(statSync(setup.usersFile).mode & 0o077).toBe(0);
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const origin = 'http://127.0.0.1:9';
  idp = await startService('identity provider', IDP_MAIN, { ...idpEnv(dep, setup, { issuer, port, consoles: { TH: origin } }), MX_LOG_LEVEL: 'warn' }, join(dep.dir, 'logs', 'idp.log'));
  const th = setup.users.find((u) => u.username === 'th.officer')!;
  const r = await signInFromNode(issuer, consoleClient('TH', origin), { username: th.username, password: th.password });
  const auth = new OfficerAuth({ jwksFile: dep.idpPublicJwks, issuer, audience: 'mx-gateway-TH', endpoint: 'TH', pseudonymKey: randomBytes(32) });
  expect([...(await auth.authenticate(`Bearer ${r.accessToken}`)).roles]).toEqual(['liaison-officer']);
  const cli = await mintToken(dep.idpPrivateJwks, { subject: 'cli', endpoint: 'TH', agency: 'TH', roles: ['liaison-officer'], audience: 'mx-gateway-TH', issuer });
  await expect(auth.authenticate(`Bearer ${cli}`)).resolves.toMatchObject({ endpoint: 'TH' });
  // The same users again on the next set-up: the passwords printed before still work.
  expect((await setupIdp(dep)).users).toEqual(setup.users);
}, 90_000);

test.each([
  [{ MX_OIDC_CONSOLES: 'XX=not a url' }, /^identity provider: cannot start: invalid configuration: MX_OIDC_CONSOLES must be an http\(s\) origin/],
  [{ MX_OIDC_USERS_FILE: '/nonexistent/users.json' }, /^identity provider: cannot start: invalid configuration: MX_OIDC_USERS_FILE names \/nonexistent\/users.json, which does not exist/],
  [{ MX_HTTP_PORT: '0', MX_OIDC_ISSUER: '' }, /^identity provider: cannot start: invalid configuration: MX_OIDC_ISSUER is required when MX_HTTP_PORT is 0/],
])('a bad setting stops the provider with one line: %p', async (bad, line) => {
  const dep = await testDeployment('mx-idp-bad-', ['TH']);
  const setup = await setupIdp(dep);
  const env = { ...idpEnv(dep, setup, { issuer: 'http://127.0.0.1:1', port: 1, consoles: { TH: 'http://127.0.0.1:9' } }), ...bad };
  const r = spawnSync(process.execPath, ['--import', 'tsx', IDP_MAIN], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, encoding: 'utf8', timeout: 60_000 });
  expect(r.status).toBe(2);
  const lines = `${r.stdout}${r.stderr}`.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(line);
}, 90_000);
