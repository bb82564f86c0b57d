/**
 * Browser tests drive Debian's Chromium (`/usr/bin/chromium`, or MX_CHROMIUM) through
 * playwright-core: no browser is downloaded. Chromium's background traffic is switched off, since
 * this machine's network is closed. Screenshots go to test-output/screenshots/ (not committed).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.MX_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), or set MX_CHROMIUM`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export interface PageOptions {
  /** The browser's preferred language (the console follows it until a language is chosen). */
  lang?: string;
}

/**
 * A page in a fresh context (no storage shared with other tests) that records what the page
 * itself reports as wrong: console errors and CSP violations (`problems`).
 */
export async function newPage(browser: Browser, o: PageOptions = {}): Promise<Page & { problems: string[] }> {
  const context = await browser.newContext({ locale: o.lang ?? 'en-GB', viewport: { width: 1280, height: 900 } });
  const page = (await context.newPage()) as Page & { problems: string[] };
  page.problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`));
  return page;
}

/** axe-core on the page as it is now; fails on any serious or critical violation. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length > 0) {
    const lines = bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`);
    throw new Error(`${where}: ${bad.length} serious or critical accessibility violation(s):\n${lines.join('\n')}`);
  }
}

/** A full-page PNG under test-output/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
