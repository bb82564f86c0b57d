/** The OpenID provider end to end from Node: code + PKCE, the login form, tokens the services accept. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { pino } from 'pino';
import { ManualClock } from '../../core/src/clock/clock.ts';
import { initDevIdp } from '../../core/src/idp/dev-idp.ts';
import { consoleClientId, resourceIndicator } from '../../core/src/idp/console-clients.ts';
import { OfficerAuth } from '../../core/src/idp/officer-auth.ts';
import { LoginRefused, signInFromNode, type ConsoleClient } from '../../../test/idp/flow.ts';
import { listenIdp, type RunningIdp } from './listen.ts';
import { loadSigningKeys } from './signing-keys.ts';
import { hashPassword, type User } from './users.ts';

const TH_ORIGIN = 'http://127.0.0.1:18081';
const LA_ORIGIN = 'http://127.0.0.1:18082';
const AUDIT_ORIGIN = 'http://127.0.0.1:18090';
const th: ConsoleClient = { clientId: consoleClientId('TH'), origin: TH_ORIGIN, resource: resourceIndicator('mx-gateway-TH') };
const la: ConsoleClient = { clientId: consoleClientId('LA'), origin: LA_ORIGIN, resource: resourceIndicator('mx-gateway-LA') };
const audit: ConsoleClient = { clientId: 'mx-audit-console', origin: AUDIT_ORIGIN, resource: resourceIndicator('mx-audit') };

let idp: RunningIdp;
let publicJwks: string;
const clock = new ManualClock();
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mx-idp-test-'));
  const keys = await initDevIdp(dir);
  publicJwks = keys.publicJwks;
  const hash = await hashPassword(PASSWORD);
  const users: User[] = [
    { username: 'th.officer', passwordHash: hash, endpoint: 'TH', agency: 'Royal Thai Police (test)', roles: ['liaison-officer'] },
    { username: 'th.auditor', passwordHash: hash, endpoint: 'TH', agency: 'TH audit (test)', roles: ['auditor'] },
    { username: 'th.guessed', passwordHash: hash, endpoint: 'TH', agency: 'TH audit (test)', roles: ['auditor'] },
  ];
  idp = await listenIdp({
    signingKeys: loadSigningKeys(keys.privateJwks),
    users: new Map(users.map((u) => [u.username, u])),
    consoles: [
      { name: 'TH', origin: TH_ORIGIN },
      { name: 'LA', origin: LA_ORIGIN },
      { name: 'audit', origin: AUDIT_ORIGIN },
    ],
    cookieKeys: [randomBytes(32).toString('base64url')],
    accessTokenTtlSeconds: 900,
    sessionTtlSeconds: 3600,
    logger: pino({ level: 'silent' }),
    clock,
  });
});

afterAll(async () => {
  await idp?.close();
});

function officerAuth(endpoint: string, audience: string): OfficerAuth {
  return new OfficerAuth({ jwksFile: publicJwks, issuer: idp.issuer, audience, endpoint, pseudonymKey: randomBytes(32) });
}

test('a TH officer signs in with code + PKCE; the access token is accepted by OfficerAuth unchanged, the ID token names the user', async () => {
  const r = await signInFromNode(idp.issuer, th, { username: 'th.officer', password: PASSWORD });
  expect(decodeProtectedHeader(r.accessToken)).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
  const officer = await officerAuth('TH', 'mx-gateway-TH').authenticate(`Bearer ${r.accessToken}`);
  expect([...officer.roles]).toEqual(['liaison-officer']);
  expect(officer.agency).toBe('Royal Thai Police (test)');
  expect(r.claims).toMatchObject({ iss: idp.issuer, aud: th.clientId, sub: 'th.officer', preferred_username: 'th.officer', mx_endpoint: 'TH', roles: ['liaison-officer'] });
  expect(r.expiresIn).toBe(900);
  // The token is for TH's gateway only.
  await expect(officerAuth('TH', 'mx-audit').authenticate(`Bearer ${r.accessToken}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
});

test('an auditor signs in at the audit console for the audit service\'s audience', async () => {
  const r = await signInFromNode(idp.issuer, audit, { username: 'th.auditor', password: PASSWORD });
  const officer = await officerAuth('TH', 'mx-audit').authenticate(`Bearer ${r.accessToken}`);
  expect([...officer.roles]).toEqual(['auditor']);
});

test('a wrong password and an unknown user get the same refusal, re-showing the form without saying which part was wrong', async () => {
  const wrong = await signInFromNode(idp.issuer, th, { username: 'th.auditor', password: 'nope' }).catch((e: unknown) => e);
  const unknown = await signInFromNode(idp.issuer, th, { username: 'nobody', password: PASSWORD }).catch((e: unknown) => e);
  for (const e of [wrong, unknown]) {
    expect(e).toBeInstanceOf(LoginRefused);
    const html = (e as LoginRefused).html;
    expect((e as LoginRefused).status).toBe(401);
    expect(html).toContain('The username or password is not correct.');
    expect(html).toMatch(/<input id="password" name="password" type="password"/);
    expect(html).not.toContain(PASSWORD);
    expect(html).not.toContain('nope');
  }
});

test('an officer of TH is not signed in at LA\'s console', async () => {
  const e = await signInFromNode(idp.issuer, la, { username: 'th.officer', password: PASSWORD }).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(LoginRefused);
  expect((e as LoginRefused).status).toBe(403);
  expect((e as LoginRefused).html).toContain('This account cannot use this console.');
});

test('brute force is slowed: after 5 failures for a username even the right password waits; after the wait it works', async () => {
  for (let i = 0; i < 5; i++) {
    await expect(signInFromNode(idp.issuer, audit, { username: 'th.guessed', password: `guess-${i}` })).rejects.toMatchObject({ status: 401 });
  }
  const throttled = await signInFromNode(idp.issuer, audit, { username: 'th.guessed', password: PASSWORD }).catch((e: unknown) => e);
  expect(throttled).toMatchObject({ status: 429 });
  expect((throttled as LoginRefused).html).toContain('Too many failed attempts');
  clock.advance(1500);
  await expect(signInFromNode(idp.issuer, audit, { username: 'th.guessed', password: PASSWORD })).resolves.toMatchObject({ accessToken: expect.any(String) });
});

test('the login page speaks the language asked for (ui_locales, else Accept-Language), has labelled inputs and a strict CSP', async () => {
  const pages: { html: string; csp: string | null }[] = [];
  const onLoginPage = (html: string, res: Response): void => void pages.push({ html, csp: res.headers.get('content-security-policy') });
  await signInFromNode(idp.issuer, th, { username: 'th.officer', password: PASSWORD, uiLocales: 'lo en', onLoginPage });
  await signInFromNode(idp.issuer, th, { username: 'th.officer', password: PASSWORD, acceptLanguage: 'fr;q=0.9, th;q=0.8, en;q=0.5', onLoginPage });
  await signInFromNode(idp.issuer, th, { username: 'th.officer', password: PASSWORD, acceptLanguage: 'zh-CN,zh;q=0.9', onLoginPage });
  const catalogue = (l: string): Record<string, string> => JSON.parse(readFileSync(new URL(`../../console/src/i18n/idp/${l}.json`, import.meta.url), 'utf8')) as Record<string, string>;
  for (const [page, lang] of [[pages[0], 'lo'], [pages[1], 'th'], [pages[2], 'zh-Hans']] as const) {
    expect(page!.html).toContain(`<html lang="${lang}">`);
    expect(page!.html).toContain(`<label for="username">${catalogue(lang)['idp.username']}</label>`);
    expect(page!.html).toContain(`<label for="password">${catalogue(lang)['idp.password']}</label>`);
    expect(page!.html).not.toMatch(/<script|style=/);
    expect(page!.csp).toContain("default-src 'none'");
    expect(page!.csp).toContain("frame-ancestors 'none'");
    expect(page!.csp).toContain(`form-action 'self' ${TH_ORIGIN}`);
  }
});

test('the provider\'s cookies are HttpOnly, SameSite=Lax and signed', async () => {
  const res = await fetch(`${idp.issuer}/auth?${new URLSearchParams({ client_id: th.clientId, redirect_uri: `${TH_ORIGIN}/console/`, response_type: 'code', scope: 'openid mx', resource: th.resource, state: 's', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' })}`, { redirect: 'manual' });
  const cookies = res.headers.getSetCookie();
  expect(cookies.length).toBeGreaterThan(0);
  const names = cookies.map((c) => c.split('=')[0]!);
  for (const c of cookies) expect(c).toMatch(/; httponly/i);
  for (const c of cookies) expect(c).toMatch(/; samesite=lax/i);
  for (const n of names.filter((x) => !x.endsWith('.sig'))) expect(names).toContain(`${n}.sig`);
});

test('CORS on the token endpoint only for the client\'s own console origin', async () => {
  const tokenUrl = `${idp.issuer}/token`;
  const body = new URLSearchParams({ grant_type: 'authorization_code', client_id: th.clientId, code: 'x', code_verifier: 'y'.repeat(43), redirect_uri: `${TH_ORIGIN}/console/` });
  const own = await fetch(tokenUrl, { method: 'POST', headers: { origin: TH_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' }, body });
  expect(own.headers.get('access-control-allow-origin')).toBe(TH_ORIGIN);
  const other = await fetch(tokenUrl, { method: 'POST', headers: { origin: LA_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' }, body });
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
  const evil = await fetch(tokenUrl, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body });
  expect(evil.headers.get('access-control-allow-origin')).toBeNull();
});

test('a request without PKCE, or with plain PKCE, is refused', async () => {
  const base = { client_id: th.clientId, redirect_uri: `${TH_ORIGIN}/console/`, response_type: 'code', scope: 'openid mx', resource: th.resource, state: 's' };
  for (const extra of [{}, { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }] as Record<string, string>[]) {
    const res = await fetch(`${idp.issuer}/auth?${new URLSearchParams({ ...base, ...extra })}`, { redirect: 'manual' });
    const loc = new URL(res.headers.get('location') ?? 'http://x/');
    expect(loc.origin + loc.pathname).toBe(`${TH_ORIGIN}/console/`);
    expect(loc.searchParams.get('error')).toBe('invalid_request');
  }
});
