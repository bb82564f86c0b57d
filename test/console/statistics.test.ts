/**
 * The statistics page of the officers' console in a real browser, signed in as TH's analyst: five
 * victim notices of the same classes sent from TH to LA make one cell of 5 shown with its count, every
 * other cell is counted as suppressed, the CSV can be downloaded, a bad month range is shown beside
 * its field, and the analyst has no officer's pages. axe-core in English and Lao.
 */
import type { Browser, Page } from 'playwright-core';
import { loadBody } from '../fixtures/documents/index.ts';
import { expectAccessible, launchBrowser, newPage } from '../support/browser.ts';
import { startConsoleEnv, type ConsoleEnv } from '../support/console-env.ts';
import { eventually } from '../support/kafka.ts';

const WAIT = { timeout: 30_000 };
let env: ConsoleEnv;
let browser: Browser;
let page: Page & { problems: string[] };
/** Chromium logs the 400 the range test provokes on purpose as a console error. */
const REFUSED_400 = /status of 400/;

beforeAll(async () => {
  env = await startConsoleEnv({ endpoints: ['LA', 'TH'], audit: false });
  browser = await launchBrowser();
  const token = await env.token(env.users.thOfficer);
  const ids: string[] = [];
  // The same fixture five times: one age band, sex, crossing and forms, so one cell per form reaches 5.
  for (let i = 0; i < 5; i++) {
    const r = await env.cluster.call('TH', 'POST', '/v1/notices', { token, body: { type: 'victim-repatriation-notice', to: ['LA'], body: loadBody('victim-repatriation-notice') } });
    expect(r.status).toBe(202);
    ids.push(r.body.id as string);
  }
  for (const id of ids)
    await eventually(async () => {
      const r = await env.cluster.call('TH', 'GET', `/v1/messages/${id}`, { token });
      return (r.body.recipients as { delivered?: unknown }[] | undefined)?.[0]?.delivered ? true : undefined;
    }, 30_000, `LA's receipt of ${id}`);
  page = await newPage(browser, { lang: 'en-GB' });
  await env.signIn(page, env.users.thAnalyst);
  await page.locator('#sign-out').waitFor(WAIT);
  page.problems.splice(0);
}, 180_000);

afterAll(async () => {
  await page?.context().close();
  await browser?.close();
  await env?.stop();
});

describe("the analyst's statistics page", () => {
  it('shows the cells of 5 or more, how many were suppressed, and a CSV download; no officer pages', async () => {
    await page.evaluate(`location.hash = '#/statistics'`);
    await page.locator('main h1', { hasText: 'Statistics' }).waitFor(WAIT);
    const rows = page.locator('#statistics-table-victim-notices tbody tr');
    await rows.first().waitFor(WAIT);
    const labour = rows.filter({ hasText: 'Forced labour' });
    expect(await labour.count()).toBe(1);
    const text = await labour.innerText();
    for (const s of ['Sent', 'Female', 'Nong Khai']) expect(text).toContain(s);
    expect(await labour.locator('td').last().innerText()).toBe('5');
    expect(await rows.count()).toBe(2);
    await page.getByText(/^\d+ of \d+ cells are not shown: their count is under 5/).first().waitFor(WAIT);
    await page.locator('#statistics-download', { hasText: 'Download CSV' }).waitFor(WAIT);

    const nav = page.locator('nav');
    expect(await nav.getByRole('link', { name: 'Statistics' }).count()).toBe(1);
    expect(await nav.getByRole('link', { name: 'Inbox' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'New victim notice' }).count()).toBe(0);

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#statistics-download').click()]);
    expect(download.url()).toMatch(/^blob:/);
    expect(page.url()).not.toContain('count');

    await expectAccessible(page, 'statistics (en)');
    await page.getByLabel('Language', { exact: true }).selectOption('lo');
    await page.locator('main h1', { hasText: 'ສະຖິຕິ' }).waitFor(WAIT);
    await expectAccessible(page, 'statistics (lo)');
    await page.getByLabel('ພາສາ', { exact: true }).selectOption('en');
    await page.locator('main h1', { hasText: 'Statistics' }).waitFor(WAIT);
    expect(page.problems).toEqual([]);
  });

  it('shows a range the API refuses beside its field', async () => {
    await page.locator('#statistics-from').fill('2026-12');
    await page.locator('#statistics-to').fill('2026-01');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.locator('#statistics-from-error').waitFor(WAIT);
    expect(await page.locator('#statistics-from').getAttribute('aria-invalid')).toBe('true');
    expect(page.problems.filter((p) => !REFUSED_400.test(p))).toEqual([]);
  });
});
