/**
 * The liaison officer's console in a real browser (issue 12 acceptance): a TH officer signs in,
 * composes a victim notice whose child has Lao-script and Latin names (a first, empty attempt
 * shows the gateway's errors beside their fields) and sees it delivered; an LA officer sees it
 * arrive without reloading, opens it (names in their own script, with `lang`), answers with a
 * status update; TH then sees read and responded. axe-core on every page, in English and in Lao;
 * no token and no child name in any URL or web storage; no console error or CSP violation.
 */
import type { Browser, Page } from 'playwright-core';
import { expectAccessible, launchBrowser, newPage, screenshot } from '../support/browser.ts';
import { startConsoleEnv, type ConsoleEnv } from '../support/console-env.ts';

const LAO_NAME = 'ນາງ ທົດສອບ ສາທິດ';
const LATIN_NAME = 'Thotsop Sathit';
const CHILD_DATA = [LAO_NAME, LATIN_NAME, 'Thotsop', 'Sathit'];
const WAIT = { timeout: 60_000 };
const F = 'sf-victim-repatriation-notice';
const S = 'sf-repatriation-status-update';

let env: ConsoleEnv;
let browser: Browser;

beforeAll(async () => {
  env = await startConsoleEnv({ endpoints: ['LA', 'TH'], audit: false });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await env?.stop();
});

type TestPage = Page & { problems: string[] };

/** Goes to a page of the signed-in console through its own navigation (a reload would sign in again). */
async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
}

/**
 * Signs in through the provider's login form. The console may show its sign-in button first
 * (clicked here) or go to the provider by itself; either way the provider's form is filled.
 */
async function signIn(page: Page, user: ConsoleEnv['users'][keyof ConsoleEnv['users']]): Promise<void> {
  await page.goto(env.consoleUrl(user.console));
  const onProvider = (u: URL): boolean => u.href.startsWith(`${env.idp.issuer}/interaction/`);
  const button = page.locator('#sign-in');
  await Promise.race([page.waitForURL(onProvider, WAIT), button.waitFor(WAIT)]);
  if (!onProvider(new URL(page.url()))) {
    await button.click();
    await page.waitForURL(onProvider, WAIT);
  }
  await env.signIn(page, user);
  await page.locator('#sign-out').waitFor(WAIT);
  // What the provider's own pages report (its favicon, say) is the provider's tests' business.
  (page as TestPage).problems.splice(0);
}

async function heading(page: Page, text: string): Promise<void> {
  await page.locator('main h1', { hasText: text }).waitFor(WAIT);
}

/** Nothing a test could recover a token or the child from, outside the page's memory. */
async function expectNothingStored(page: TestPage): Promise<void> {
  const url = page.url();
  const stored = (await page.evaluate('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })')) as string;
  for (const where of [url, stored]) {
    for (const secret of CHILD_DATA) expect(where).not.toContain(secret);
    // A JWT (header `{"` base64url-encoded) or an authorization code would show up like this.
    expect(where).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    expect(where).not.toMatch(/[?&]code=/);
  }
}

describe("the liaison officer's console", () => {
  it('TH sends a victim notice, LA sees it arrive live, reads and answers it, TH sees read and responded', async () => {
    const th = await newPage(browser, { lang: 'en-GB' });
    const la = await newPage(browser, { lang: 'en-GB' });
    try {
      // LA waits in its inbox, live.
      await signIn(la, env.users.laOfficer);
      await go(la, '#/inbox');
      await heading(la, 'Inbox');
      await la.locator('#inbox-live-state', { hasText: 'Live' }).waitFor(WAIT);
      await la.evaluate('window.mxNotReloaded = true');
      await expectAccessible(la, 'inbox (en)');
      await screenshot(la, 'inbox-en');

      // TH composes; an empty attempt shows the gateway's errors beside their fields.
      await signIn(th, env.users.thOfficer);
      await go(th, '#/compose');
      await heading(th, 'New victim repatriation notice');
      await expect(th.locator('#compose-case-ref-help').textContent()).resolves.toContain('TH-');
      await expectAccessible(th, 'compose (en)');
      await screenshot(th, 'compose-en');
      await th.locator('#mx-lang').selectOption('lo');
      await heading(th, 'ແຈ້ງການສົ່ງຜູ້ເຄາະຮ້າຍກັບປະເທດສະບັບໃໝ່');
      await expect(th.locator(`label[for="${F}_child_names_0_value"]`).textContent()).resolves.toContain('ຊື່ຕາມທີ່ຂຽນ');
      await expectAccessible(th, 'compose (lo)');
      await th.locator('#mx-lang').selectOption('en');
      await heading(th, 'New victim repatriation notice');
      await th.locator('#compose-send').click();
      await th.locator('#compose-problem').waitFor(WAIT);
      const invalid = th.locator('[aria-invalid="true"]');
      await invalid.first().waitFor(WAIT);
      // Each field in error names its message, and the message is beside it.
      for (const el of await invalid.all()) {
        const described = await el.getAttribute('aria-describedby');
        expect(described).toBeTruthy();
        const ids = described!.split(' ').filter((id) => id.endsWith('-error'));
        expect(ids.length).toBeGreaterThan(0);
        for (const id of ids) expect((await th.locator(`[id="${id}"]`).textContent())?.trim()).toBeTruthy();
      }
      await expect(th.locator('#compose-to[aria-describedby="compose-to-error"]').count()).resolves.toBe(1);
      await expectAccessible(th, 'compose with errors (en)');

      await th.locator('#compose-to-LA').check();
      await th.locator(`#${F}_child_names_0_lang`).fill('lo');
      await th.locator(`#${F}_child_names_0_value`).fill(LAO_NAME);
      await th.locator(`#${F}_child_names > button.add`).click();
      await th.locator(`#${F}_child_names_1_lang`).fill('lo-Latn');
      await th.locator(`#${F}_child_names_1_value`).fill(LATIN_NAME);
      await th.locator(`#${F}_child_sex`).selectOption('female');
      await th.locator(`#${F}_child_estimatedAge_years`).fill('15');
      await th.locator(`#${F}_child_estimatedAge_basis`).selectOption('dental');
      await th.locator(`#${F}_child_estimatedAge_assessedOn`).fill('2026-11-20');
      await th.locator(`#${F}_child_claimedNationality`).fill('LA');
      await th.locator(`#${F}_child_languages_0`).fill('lo');
      await th.locator(`#${F}_child_interpreterNeeded`).check();
      await th.locator(`#${F}_identityDocuments > button.add`).click();
      await th.locator(`#${F}_identityDocuments_0_kind`).selectOption('household-registration');
      await th.locator(`#${F}_identityDocuments_0_status`).selectOption('withheld');
      await th.locator(`#${F}_exploitation_forms-labour`).check();
      await th.locator(`#${F}_currentPlacement_kind`).selectOption('government-shelter');
      await th.locator(`#${F}_currentPlacement_location`).fill('Nonthaburi');
      await th.locator(`#${F}_handover_plannedDate`).fill('2026-12-15');
      await th.locator(`#${F}_handover_crossingPoint_code`).selectOption('nong-khai-vientiane');
      await th.locator(`#${F}_handover_receivingAgency`).fill("Lao Women's Union counselling centre");
      await th.locator(`#${F}_careNeeds > button.add`).click();
      await th.locator(`#${F}_careNeeds_0_area`).selectOption('psychosocial');
      await th.locator(`#${F}_careNeeds_0_urgent`).check();
      await th.locator(`#${F}_childViews_consulted`).check();
      await th.locator(`#${F}_childViews_consultedOn`).fill('2026-11-22');
      await th.locator(`#${F}_childViews_wishesToReturn`).selectOption('yes');
      await th.locator(`#${F}_childViews_summary`).fill('Wants to go home to her mother.');
      await th.locator(`#${F}_bestInterestsAssessment_done`).check();
      await th.locator(`#${F}_bestInterestsAssessment_date`).fill('2026-11-25');
      await th.locator(`#${F}_bestInterestsAssessment_by`).fill('Nonthaburi shelter case team');
      await th.locator('#compose-send').click();

      // 202: the case timeline, where TH sees the notice delivered to LA.
      await th.waitForURL(/#\/case\/TH-\d{4}-\d{6}$/, WAIT);
      const caseRef = decodeURIComponent(new URL(th.url()).hash.replace('#/case/', ''));
      await heading(th, `Case ${caseRef}`);
      const sentRow = th.locator('#case-timeline tr[data-direction="sent"][data-recipient="LA"]');
      await sentRow.locator('td[data-state="delivered"][data-reached="yes"]').waitFor(WAIT);
      const noticeId = (await sentRow.getAttribute('data-message'))!;
      await expectAccessible(th, 'case timeline (en)');

      // LA: it arrives without a reload, announced.
      const row = la.locator(`#inbox-table tr[data-message="${noticeId}"]`);
      await row.waitFor(WAIT);
      await expect(la.locator('#inbox-announce').textContent()).resolves.toContain(caseRef);
      expect(await la.evaluate('window.mxNotReloaded')).toBe(true);
      await row.locator('a').first().click();

      // The notice in full: each name in its own script, tagged with its language.
      await heading(la, 'Victim repatriation notice');
      await expect(la.locator('span.name[lang="lo"]').textContent()).resolves.toBe(LAO_NAME);
      await expect(la.locator('span.name[lang="lo-Latn"]').textContent()).resolves.toBe(LATIN_NAME);
      await expect(la.locator('[data-field="child.estimatedAge.basis"] dd').textContent()).resolves.toBe('Dental examination');
      await expect(la.locator('[data-field="child.estimatedAge.years"] dd').textContent()).resolves.toBe('15');
      await expect(la.locator('[data-field="identityDocuments.status"] dd').textContent()).resolves.toBe('Withheld by a third party');
      await expect(la.locator('[data-field="childViews.wishesToReturn"] dd').textContent()).resolves.toBe('Yes');
      await expect(la.locator('#message-status').textContent()).resolves.toContain('Read');
      await expectAccessible(la, 'notice (en)');
      await screenshot(la, 'notice-en');

      // The same in Lao.
      await la.locator('#mx-lang').selectOption('lo');
      await la.locator('main h1', { hasText: 'ແຈ້ງການສົ່ງຜູ້ເຄາະຮ້າຍກັບຄືນ' }).waitFor(WAIT);
      await expect(la.locator('[data-field="child.estimatedAge.basis"] dd').textContent()).resolves.toBe('ກວດແຂ້ວ');
      await expectAccessible(la, 'notice (lo)');
      await screenshot(la, 'notice-lo');
      await go(la, '#/inbox');
      await heading(la, 'ກ່ອງຂໍ້ຄວາມເຂົ້າ');
      await la.locator(`#inbox-table tr[data-message="${noticeId}"]`).waitFor(WAIT);
      await expectAccessible(la, 'inbox (lo)');
      await screenshot(la, 'inbox-lo');

      // LA answers with a status update (in Lao), and lands on its own timeline of the case.
      await go(la, `#/message/${noticeId}`);
      await la.locator('#answer').click();
      await heading(la, 'ຕອບດ້ວຍການອັບເດດສະຖານະ');
      await expectAccessible(la, 'answer (lo)');
      await la.locator('#mx-lang').selectOption('en');
      await heading(la, 'Answer with a status update');
      await expectAccessible(la, 'answer (en)');
      await la.locator('#mx-lang').selectOption('lo');
      await heading(la, 'ຕອບດ້ວຍການອັບເດດສະຖານະ');
      await la.locator(`#${S}_status`).selectOption('acknowledged');
      await la.locator(`#${S}_effectiveAt`).fill('2026-12-01T10:00');
      await la.locator(`#${S}_note`).fill('Family tracing has started.');
      await la.locator('#respond-send').click();
      await la.waitForURL(new RegExp(`#/case/${caseRef}$`), WAIT);
      await la.locator('#case-timeline tr[data-direction="sent"][data-recipient="TH"]').waitFor(WAIT);
      await expectAccessible(la, 'case timeline (lo)');

      // TH: read and responded, live on the timeline it is still on.
      const laRow = th.locator(`#case-timeline tr[data-message="${noticeId}"][data-recipient="LA"]`);
      await laRow.locator('td[data-state="read"][data-reached="yes"]').waitFor(WAIT);
      await laRow.locator('td[data-state="responded"][data-reached="yes"]').waitFor(WAIT);
      await th.locator('#case-timeline tr[data-direction="received"]').waitFor(WAIT);

      // TH's other pages: its sent notice (lifecycle only), its inbox with the answer, the case lookup.
      await go(th, `#/message/${noticeId}`);
      await th.locator('tr[data-recipient="LA"] td[data-state="responded"][data-reached="yes"]').waitFor(WAIT);
      await expectAccessible(th, 'sent message (en)');
      await go(th, '#/inbox');
      await th.locator('#inbox-table tbody tr').first().waitFor(WAIT);
      await expectAccessible(th, 'inbox with the status update (en)');
      await th.locator('#inbox-table tbody tr a').first().click();
      await heading(th, 'Repatriation status update');
      await expect(th.locator('[data-field="status"]').textContent()).resolves.toContain('Acknowledged');
      await expectAccessible(th, 'status update (en)');
      await go(th, '#/case');
      await heading(th, 'Open a case');
      await expectAccessible(th, 'case lookup (en)');

      for (const page of [th, la]) await expectNothingStored(page);
      // Chromium reports the deliberate empty attempt's 422 as a failed resource; nothing else may appear.
      expect(th.problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
      expect(th.problems.filter((p) => /status of 422/.test(p))).toHaveLength(1);
      expect(la.problems).toEqual([]);
    } finally {
      await th.context().close();
      await la.context().close();
    }
  }, 300_000);
});
