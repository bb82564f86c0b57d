/**
 * The console as served by a gateway and by the audit service: security headers, its
 * configuration, the signed-out page in a real browser (Debian chromium) in each language with no
 * CSP violation, the language choice remembered, axe-core clean; nothing of a query string in the
 * access log.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { buildApp } from '../../services/gateway/src/app.ts';
import { expectAccessible, launchBrowser, newPage, screenshot } from '../support/browser.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';

let cluster: Cluster;
let browser: Browser;

beforeAll(async () => {
  cluster = await startCluster(['TH']);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
});

const CSP_PARTS = ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"];

describe('the officers\' console at a gateway', () => {
  it('is served at /console/ with a strict CSP and no third-party origin', async () => {
    const url = cluster.gateways.TH!.url;
    const redirect = await fetch(`${url}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/console/');
    const res = await fetch(`${url}/console/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const part of CSP_PARTS) expect(csp).toContain(part);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    // No inline script: every <script> has a same-origin src.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('tells the page where to sign in, and nothing secret', async () => {
    const res = await fetch(`${cluster.gateways.TH!.url}/console/config.json`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ service: 'gateway', endpoint: 'TH', oidc: { issuer: expect.any(String), clientId: 'mx-console-th', resource: 'urn:mekong-exchange:mx-gateway-TH', scope: 'openid mx' } });
  });

  it('answers 503 problem+json when the console is not built', async () => {
    const g = cluster.gateways.TH!.gateway;
    const app = buildApp({ ...appDepsOf(g), console: { dir: '/nonexistent', config: { service: 'gateway', endpoint: 'TH', oidc: { issuer: 'http://127.0.0.1:1', clientId: 'x', resource: 'y', scope: 'openid' } } } });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/console/`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(((await res.json()) as { code: string }).code).toBe('UNAVAILABLE');
    } finally {
      server.close();
    }
  });

  it.each([
    ['en-GB', 'en', 'Sign in'],
    ['lo-LA', 'lo', 'ເຂົ້າສູ່ລະບົບ'],
    ['th-TH', 'th', 'ลงชื่อเข้าใช้'],
    ['zh-CN', 'zh-Hans', '登录'],
  ])('renders the sign-in page for a %s browser in %s, without CSP violations, accessible', async (locale, lang, label) => {
    const page = await newPage(browser, { lang: locale });
    try {
      await page.goto(`${cluster.gateways.TH!.url}/console/`);
      await page.getByRole('button', { name: label }).waitFor();
      expect(await page.evaluate('document.documentElement.lang')).toBe(lang);
      await expectAccessible(page, `sign-in page (${lang})`);
      if (lang === 'en' || lang === 'lo') await screenshot(page, `sign-in-${lang}`);
      expect(page.problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it('remembers the language chosen with the switch', async () => {
    const page = await newPage(browser, { lang: 'en-GB' });
    try {
      await page.goto(`${cluster.gateways.TH!.url}/console/`);
      await page.getByLabel('Language').selectOption('th');
      await page.getByRole('button', { name: 'ลงชื่อเข้าใช้' }).waitFor();
      await page.reload();
      await page.getByRole('button', { name: 'ลงชื่อเข้าใช้' }).waitFor();
      expect(await page.evaluate('document.documentElement.lang')).toBe('th');
      expect(page.problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});

describe('the access log', () => {
  it('logs method, path and status, never a query string or a header', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } }));
    const g = cluster.gateways.TH!.gateway;
    const app = buildApp({ ...appDepsOf(g), logger });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const token = await cluster.token('TH', ['liaison-officer']);
      await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/v1/inbox?caseRef=SECRET-QUERY-VALUE`, { headers: { authorization: `Bearer ${token}` } });
      const access = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'http');
      expect(access).toEqual([expect.objectContaining({ method: 'GET', path: '/v1/inbox', status: expect.any(Number) })]);
      const all = lines.join('\n');
      expect(all).not.toContain('SECRET-QUERY-VALUE');
      expect(all).not.toContain(token);
      expect(all).not.toContain(token.split('.')[2]!);
    } finally {
      server.close();
    }
  });
});

/** The dependencies a running gateway built its app from (kept on the app for tests like these). */
function appDepsOf(g: Cluster['gateways'][string]['gateway']): Parameters<typeof buildApp>[0] {
  const deps = g.app.locals.deps as Parameters<typeof buildApp>[0] | undefined;
  if (!deps) throw new Error('the gateway app does not expose its dependencies');
  return deps;
}
