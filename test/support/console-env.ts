/**
 * The consoles' test environment: the OpenID provider in this process (users of every role, a
 * client per console), the gateways and the audit service as in the other tests, each trusting
 * the provider's issuer and fetching its keys from its JWKS URL; and `signIn(page, user)`, which
 * fills the provider's login form in the browser like an officer would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import type { Role } from '../../services/core/src/idp/dev-idp.ts';
import { initDevIdp, gatewayAudience, mintToken } from '../../services/core/src/idp/dev-idp.ts';
import { AUDIT_CONSOLE_CLIENT_ID, consoleClientId, resourceIndicator } from '../../services/core/src/idp/console-clients.ts';
import { setupAudit } from '../../services/cli/src/deployment/setup.ts';
import { AUDIT_AUDIENCE } from '../../services/audit/src/config.ts';
import type { ConsoleSpec } from '../../services/idp/src/app.ts';
import { openIdpPort, type IdpPort, type RunningIdp } from '../../services/idp/src/listen.ts';
import { loadSigningKeys } from '../../services/idp/src/signing-keys.ts';
import { hashPassword, type User } from '../../services/idp/src/users.ts';
import { startAudit, type RunningAudit } from './audit.ts';
import { startCluster, type Cluster } from './gateways.ts';

export interface ConsoleUser {
  username: string;
  endpoint: string;
  roles: Role[];
  /** The console this user signs in at: an endpoint's or `audit`. */
  console: string;
}

/** One user per role and place; every one has the environment's password. */
export const CONSOLE_USERS = {
  thOfficer: { username: 'th.officer', endpoint: 'TH', roles: ['liaison-officer'], console: 'TH' },
  laOfficer: { username: 'la.officer', endpoint: 'LA', roles: ['liaison-officer'], console: 'LA' },
  cnOfficer: { username: 'cn.officer', endpoint: 'CN', roles: ['liaison-officer'], console: 'CN' },
  interpolDesk: { username: 'interpol.desk', endpoint: 'INTERPOL', roles: ['interpol-desk'], console: 'INTERPOL' },
  thAnalyst: { username: 'th.analyst', endpoint: 'TH', roles: ['analyst'], console: 'TH' },
  auditor: { username: 'th.auditor', endpoint: 'TH', roles: ['auditor'], console: 'audit' },
} as const satisfies Record<string, ConsoleUser>;

/** A password made for this test run (the provider stores only its scrypt hash). */
export const CONSOLE_PASSWORD = `pw-${randomBytes(12).toString('base64url')}`;

export interface TestIdpOptions {
  consoles: ConsoleSpec[];
  /** The provider's private signing JWKS (default: a fresh key). */
  signingKeysFile?: string;
  users?: readonly ConsoleUser[];
  accessTokenTtlSeconds?: number;
}

/** The provider's users of `users` (default {@link CONSOLE_USERS}) with {@link CONSOLE_PASSWORD}. */
export async function testIdpUsers(users: readonly ConsoleUser[] = Object.values(CONSOLE_USERS)): Promise<Map<string, User>> {
  const hash = await hashPassword(CONSOLE_PASSWORD);
  return new Map(users.map((u) => [u.username, { username: u.username, passwordHash: hash, endpoint: u.endpoint, agency: `${u.endpoint} agency (test)`, roles: [...u.roles] }]));
}

/** Serves a provider with a fresh signing key on a port taken with {@link openIdpPort}. */
export async function serveTestIdp(port: IdpPort, o: TestIdpOptions): Promise<RunningIdp> {
  const keysFile = o.signingKeysFile ?? (await initDevIdp(mkdtempSync(join(tmpdir(), 'mx-test-idp-')))).privateJwks;
  return port.serve({
    signingKeys: loadSigningKeys(keysFile),
    users: await testIdpUsers(o.users),
    consoles: o.consoles,
    cookieKeys: [randomBytes(32).toString('base64url')],
    accessTokenTtlSeconds: o.accessTokenTtlSeconds ?? 900,
    sessionTtlSeconds: 3600,
    logger: pino({ level: 'silent' }),
  });
}

/** The settings that make a gateway or the audit service trust the provider at `issuer`. */
export function trustIdpEnv(issuer: string): Record<string, string> {
  return { MX_IDP_ISSUER: issuer, MX_IDP_JWKS_URL: `${issuer}/jwks`, MX_IDP_JWKS_FILE: '' };
}

/** What a console's client is called and asks for (as the services' `config.json` tells the console). */
export function consoleClient(name: string, origin: string): { clientId: string; origin: string; resource: string } {
  if (name === 'audit') return { clientId: AUDIT_CONSOLE_CLIENT_ID, origin, resource: resourceIndicator(AUDIT_AUDIENCE) };
  return { clientId: consoleClientId(name), origin, resource: resourceIndicator(gatewayAudience(name)) };
}

export interface ConsoleEnv {
  idp: RunningIdp;
  cluster: Cluster;
  audit: RunningAudit | undefined;
  /** `<origin>/console/` of an endpoint's gateway, or of the audit service (`audit`). */
  consoleUrl(name: string): string;
  users: typeof CONSOLE_USERS;
  password: string;
  /**
   * An access token for `user` at its console's service, as the provider would issue it (same key,
   * issuer, audience and claims), minted directly: for a test that prepares data through the API.
   * (`cluster.token` mints with the dev issuer, which these services do not trust.)
   */
  token(user: ConsoleUser): Promise<string>;
  /**
   * Opens `user`'s console (unless the page is already on the provider's login form), presses its
   * sign-in button, fills and posts the provider's login form, and waits until the console is back,
   * the code gone from its URL and the user signed in (its sign-out button shown). With a wrong
   * `password`, or `expectRefusal`, it returns once the form was posted.
   */
  signIn(page: Page, user: ConsoleUser, o?: { password?: string; expectRefusal?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export async function startConsoleEnv(o: { endpoints?: string[]; audit?: boolean } = {}): Promise<ConsoleEnv> {
  const endpoints = o.endpoints ?? ['LA', 'TH', 'CN', 'INTERPOL'];
  const port = await openIdpPort();
  let cluster: Cluster | undefined;
  let audit: RunningAudit | undefined;
  try {
    cluster = await startCluster(endpoints, { env: trustIdpEnv(port.issuer) });
    if (o.audit ?? true) audit = await startAudit(cluster.dep, await setupAudit(cluster.dep), { prefix: cluster.prefix, env: trustIdpEnv(port.issuer) });
  } catch (err) {
    await cluster?.stop();
    await port.close();
    throw err;
  }
  const origins: Record<string, string> = Object.fromEntries(endpoints.map((e) => [e, cluster!.gateways[e]!.url]));
  if (audit) origins.audit = audit.url;
  // The deployment's identity provider key, so `token()` can mint what the provider would issue.
  const idp = await serveTestIdp(port, { consoles: Object.entries(origins).map(([name, origin]) => ({ name, origin })), signingKeysFile: cluster.dep.idpPrivateJwks });
  const consoleUrl = (name: string): string => {
    const origin = origins[name];
    if (origin === undefined) throw new Error(`no console ${name} in this environment`);
    return `${origin}/console/`;
  };
  return {
    idp,
    cluster,
    audit,
    consoleUrl,
    users: CONSOLE_USERS,
    password: CONSOLE_PASSWORD,
    token: (user) =>
      mintToken(cluster!.dep.idpPrivateJwks, {
        subject: user.username,
        endpoint: user.endpoint,
        agency: `${user.endpoint} agency (test)`,
        roles: user.roles,
        audience: user.console === 'audit' ? AUDIT_AUDIENCE : gatewayAudience(user.console),
        issuer: idp.issuer,
        ttlSeconds: 900,
      }),
    async signIn(page, user, so = {}) {
      const onProvider = (u: URL): boolean => u.href.startsWith(`${idp.issuer}/interaction/`);
      if (!onProvider(new URL(page.url()))) {
        if (!page.url().startsWith(consoleUrl(user.console))) await page.goto(consoleUrl(user.console));
        await page.locator('#sign-in').click();
        await page.waitForURL(onProvider);
      }
      await page.locator('input[name="username"]').fill(user.username);
      await page.locator('input[name="password"]').fill(so.password ?? CONSOLE_PASSWORD);
      await page.locator('button[type="submit"]').click();
      if (so.expectRefusal || (so.password !== undefined && so.password !== CONSOLE_PASSWORD)) return;
      await page.waitForURL((u) => u.href.startsWith(consoleUrl(user.console)) && !u.searchParams.has('code'));
      await page.locator('#sign-out').waitFor();
    },
    async stop() {
      await audit?.stop();
      await cluster?.stop();
      await idp.close();
    },
  };
}
