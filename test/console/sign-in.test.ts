/**
 * Signing in to the console in a real browser (Debian chromium): the console sends the officer to
 * the OpenID provider, whose login form refuses a wrong password and accepts the right one; the
 * console then shows the user, and the access token is nowhere but in the page's memory: not in
 * the URL, the history, localStorage, sessionStorage or a cookie. The login page passes axe.
 */
import type { Browser } from 'playwright-core';
import { expectAccessible, launchBrowser, newPage, screenshot } from '../support/browser.ts';
import { startConsoleEnv, type ConsoleEnv } from '../support/console-env.ts';

let env: ConsoleEnv;
let browser: Browser;

beforeAll(async () => {
  env = await startConsoleEnv({ endpoints: ['TH'] });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await env?.stop();
});

const JWT = /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

test('a TH officer signs in through the provider\'s login form; the token stays in memory', async () => {
  const page = await newPage(browser);
  const user = env.users.thOfficer;
  const tokens: string[] = [];
  const failed: string[] = [];
  page.on('response', (res) => {
    if (res.status() >= 400) failed.push(`${res.status()} ${new URL(res.url()).pathname}`);
  });
  const urls: string[] = [];
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) urls.push(f.url());
  });
  page.on('response', (res) => {
    if (res.url() === `${env.idp.issuer}/token` && res.status() === 200) void res.json().then((b: { access_token: string; id_token: string }) => tokens.push(b.access_token, b.id_token));
  });

  // A wrong password: the form again, with an error that names neither part.
  await env.signIn(page, user, { password: 'not-the-password' });
  await page.locator('#login-error').waitFor();
  expect(page.url().startsWith(`${env.idp.issuer}/interaction/`)).toBe(true);
  expect(await page.locator('#login-error').textContent()).toBe('The username or password is not correct.');
  expect(await page.locator('input[name="password"]').inputValue()).toBe('');
  await expectAccessible(page, 'login page after a wrong password');
  await screenshot(page, 'sign-in-refused-en');

  await env.signIn(page, user);
  await expect(page.locator('.who').textContent()).resolves.toContain(user.username);
  await screenshot(page, 'signed-in-en');

  // Where a token could leak: the address bar and every URL the tab visited, storage, cookies.
  expect(tokens).toHaveLength(2);
  const here = new URL(page.url());
  expect(here.href.startsWith(env.consoleUrl('TH'))).toBe(true);
  expect(here.search).toBe('');
  // A string, as the test's own TypeScript has no DOM types.
  const stored = (await page.evaluate('({ local: Object.entries(localStorage), session: Object.entries(sessionStorage), cookies: document.cookie })')) as { local: [string, string][]; session: [string, string][]; cookies: string };
  const storedText = JSON.stringify(stored);
  for (const t of tokens) {
    expect(storedText).not.toContain(t);
    for (const u of urls) expect(u).not.toContain(t);
  }
  expect(storedText).not.toMatch(JWT);
  expect(stored.session).toEqual([]);
  expect(stored.cookies).toBe('');
  // The code came back in the redirect and was replaced at once: the URL in the history is clean.
  expect(urls.some((u) => u.includes('code='))).toBe(true);
  await page.goBack().catch(() => undefined);
  // A token minted for tests (same key, issuer and claims) is accepted like the provider's.
  expect((await env.cluster.call('TH', 'GET', '/v1/inbox', { token: await env.token(user) })).status).toBe(200);
  expect((await env.cluster.call('TH', 'GET', '/v1/inbox', { token: tokens[0] })).status).toBe(200);
  expect(page.url()).not.toContain('code=');
  // The one failed load is the refused password (the form answered 401); nothing else failed.
  expect(failed).toEqual([expect.stringMatching(/^401 \/interaction\/[^/]+\/login$/)]);
  expect(page.problems).toEqual(['console: Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
}, 90_000);

test('after a reload the provider\'s session signs in again without the form; signing out ends it', async () => {
  const page = await newPage(browser);
  const user = env.users.thOfficer;
  await env.signIn(page, user);
  // The token was only in memory: a reload is signed out, and one redirect (no form) signs in again.
  await page.reload();
  await page.locator('#sign-in').click();
  await page.locator('#sign-out').waitFor();
  expect(await page.locator('.who').textContent()).toContain(user.username);
  expect(new URL(page.url()).search).toBe('');

  // Signing out: the provider asks to confirm (its own page, CSP intact), then returns to the console.
  await page.locator('#sign-out').click();
  await page.waitForURL((u) => u.href.startsWith(`${env.idp.issuer}/session/end`));
  await expectAccessible(page, 'sign-out page');
  await page.locator('button[type="submit"]').click();
  await page.waitForURL((u) => u.href.startsWith(env.consoleUrl('TH')));
  await page.locator('#sign-in').click();
  // Signed out at the provider too: the login form is asked for again.
  await page.waitForURL((u) => u.href.startsWith(`${env.idp.issuer}/interaction/`));
  await page.locator('input[name="username"]').waitFor();
  expect(page.problems).toEqual([]);
}, 90_000);

test('an auditor signs in at the audit service\'s console; an officer is refused there', async () => {
  const page = await newPage(browser);
  await env.signIn(page, env.users.auditor);
  expect(await page.locator('.who').textContent()).toContain(env.users.auditor.username);
  await page.locator('#sign-out').waitFor();

  const other = await newPage(browser);
  await env.signIn(other, { ...env.users.thOfficer, console: 'audit' }, { password: env.password, expectRefusal: true });
  await other.locator('#login-error').waitFor();
  expect(await other.locator('#login-error').textContent()).toBe('This account cannot use this console.');
}, 90_000);

test('the login page speaks the console\'s language and passes axe', async () => {
  const page = await newPage(browser, { lang: 'lo-LA' });
  await page.goto(env.consoleUrl('TH'));
  await page.locator('#sign-in').click();
  await page.waitForURL((u) => u.href.startsWith(`${env.idp.issuer}/interaction/`));
  expect(await page.locator('html').getAttribute('lang')).toBe('lo');
  expect(await page.locator('label[for="username"]').textContent()).toBe('ຊື່ຜູ້ໃຊ້');
  await expectAccessible(page, 'login page (lo)');
  await screenshot(page, 'sign-in-lo');
  expect(page.problems).toEqual([]);
}, 60_000);
