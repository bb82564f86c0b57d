/**
 * The INTERPOL desk's console in a real browser (Debian chromium), signed in through the OpenID
 * provider: the alert board (sorted by arrival, late alerts marked, live arrivals), an alert,
 * recording an action that reaches the sender's lifecycle, issuing an alert with errors shown
 * beside their fields, and no way to a victim notice by any URL. axe-core on every desk page in
 * English and Lao; no token or child data in the URL or the browser's storage.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { uuidv7 } from '../../services/core/src/ids/uuidv7.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { expectAccessible, launchBrowser, newPage, screenshot } from '../support/browser.ts';
import { signInFromNode } from '../idp/flow.ts';
import { consoleClient, startConsoleEnv, type ConsoleEnv, type ConsoleUser } from '../support/console-env.ts';
import { eventually } from '../support/kafka.ts';

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

// Invented names, unique to this file, so their absence anywhere in the desk's pages means something.
const CHILD_LAO = 'ນາງ ດອກໄມ້ ທົດລອງເດສ';
const CHILD_LATIN = 'Dokmai Thotlongdesk';
const SUBJECT = 'Fakename Deskboard';

/** Every language's label of the victim types: none may appear at the desk. */
const VICTIM_LABELS = ['en', 'lo', 'th', 'zh-Hans'].flatMap((lang) => {
  const common = JSON.parse(readFileSync(new URL(`../../services/console/src/i18n/common/${lang}.json`, import.meta.url), 'utf8')) as Record<string, string>;
  return [common['common.type.victim-repatriation-notice']!, common['common.type.repatriation-status-update']!];
});

let env: ConsoleEnv;
let browser: Browser;
let page: Page & { problems: string[] };
let thToken: string;
const ids: { timely?: string; late?: string; live?: string; victim?: string; caseRef?: string; answer?: string } = {};

function alertBody(arrivalMs: number, departureMs: number, name: string): ReturnType<typeof loadBody<'offender-travel-alert'>> {
  const body = loadBody('offender-travel-alert');
  body.subject.names = [{ lang: 'en', value: name }];
  body.travel = { ...body.travel, arrivalDate: dateOf(arrivalMs), expectedDepartureDate: dateOf(departureMs) };
  body.validUntil = new Date(departureMs + 7 * DAY).toISOString();
  return body;
}

async function sendAlert(arrivalMs: number, departureMs: number, name: string): Promise<string> {
  const r = await env.cluster.call('TH', 'POST', '/v1/notices', { token: thToken, body: { type: 'offender-travel-alert', to: ['INTERPOL', 'LA'], body: alertBody(arrivalMs, departureMs, name) } });
  expect(r.status).toBe(202);
  return r.body.id as string;
}

async function thRecipient(id: string, endpoint: string): Promise<any> {
  const r = await env.cluster.call('TH', 'GET', `/v1/messages/${id}`, { token: thToken });
  expect(r.status).toBe(200);
  return (r.body.recipients as { endpoint: string }[]).find((x) => x.endpoint === endpoint);
}

/** A real access token of the provider for the test's own API calls (the code + PKCE flow from Node). */
async function apiToken(user: ConsoleUser): Promise<string> {
  const origin = env.cluster.gateways[user.console]!.url;
  return (await signInFromNode(env.idp.issuer, consoleClient(user.console, origin), { username: user.username, password: env.password })).accessToken;
}

/** Goes to a route of the console already open (a hash change: the token stays in memory). */
async function go(hash: string): Promise<void> {
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
}

async function heading(text: string | RegExp): Promise<void> {
  await page.locator('main h1', { hasText: text }).waitFor();
}

async function setLanguage(lang: string): Promise<void> {
  await page.getByLabel(lang === 'en' ? 'ພາສາ' : 'Language', { exact: true }).selectOption(lang);
  await eventually(async () => ((await page.evaluate('document.documentElement.lang')) === lang ? true : undefined), 5_000, `language ${lang}`);
}

beforeAll(async () => {
  env = await startConsoleEnv({ endpoints: ['LA', 'TH', 'INTERPOL'], audit: false });
  browser = await launchBrowser();
  thToken = await apiToken(env.users.thOfficer);
  ids.timely = await sendAlert(today + 5 * DAY, today + 12 * DAY, SUBJECT);
  ids.late = await sendAlert(today - DAY, today + 3 * DAY, `${SUBJECT} Late`);
  const victim = loadBody('victim-repatriation-notice');
  victim.child.names = [
    { lang: 'lo', script: 'Laoo', value: CHILD_LAO },
    { lang: 'lo-Latn', value: CHILD_LATIN },
  ];
  const v = await env.cluster.call('TH', 'POST', '/v1/notices', { token: thToken, body: { type: 'victim-repatriation-notice', to: ['LA'], body: victim } });
  expect(v.status).toBe(202);
  ids.victim = v.body.id as string;
  ids.caseRef = v.body.caseRef as string;
  for (const id of [ids.timely, ids.late]) await eventually(async () => ((await thRecipient(id, 'INTERPOL'))?.delivered ? true : undefined), 30_000, `INTERPOL's receipt of ${id}`);
  await eventually(async () => ((await thRecipient(ids.victim!, 'LA'))?.delivered ? true : undefined), 30_000, "LA's receipt of the victim notice");
  page = await newPage(browser, { lang: 'en-GB' });
  await env.signIn(page, env.users.interpolDesk);
}, 180_000);

afterAll(async () => {
  await page?.context().close();
  await browser?.close();
  await env?.stop();
});

/**
 * What the page reported as wrong, less what a test provoked on purpose: Chromium logs every
 * refused request (a form sent empty to see its errors is answered 422) as a console error.
 */
const provoked: string[] = [];
const REFUSED_422 = 'console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)';

afterEach(() => {
  const problems = [...page.problems];
  page.problems.length = 0;
  expect(problems).toEqual(provoked.splice(0));
});

describe('the INTERPOL desk', () => {
  it('sees the alert board sorted by arrival, the late alert marked, and a new alert arrive without reloading', async () => {
    await heading('Offender travel alerts');
    const rows = page.locator('#desk-board tbody tr');
    await eventually(async () => ((await rows.count()) === 2 ? true : undefined), 20_000, 'two alerts on the board');
    // Soonest arrival first: the one that arrived yesterday, marked late, then the timely one.
    await rows.nth(0).getByText('After arrival').waitFor();
    await rows.nth(0).getByText('Came late').waitFor();
    await rows.nth(1).getByText('Timely').waitFor();
    expect(await rows.nth(0).locator(`a[href="#/alerts/${ids.late}"]`).count()).toBe(1);
    expect(await rows.nth(1).innerText()).toMatch(/in \d+ days/);
    expect(await rows.nth(1).innerText()).toContain('Not answered');

    await page.getByText('Live updates are on.').waitFor();
    ids.live = await sendAlert(today + 9 * DAY, today + 20 * DAY, `${SUBJECT} Live`);
    await eventually(async () => ((await rows.count()) === 3 ? true : undefined), 20_000, 'the new alert on the board without a reload');
    await page.locator('#desk-live', { hasText: 'New alert from Thailand.' }).waitFor();
    expect(await page.locator('#desk-live').getAttribute('aria-live')).toBe('polite');
    await rows.nth(2).locator(`a[href="#/alerts/${ids.live}"]`).waitFor();

    await expectAccessible(page, 'alert board (en)');
    await screenshot(page, 'alert-board-en');
    await setLanguage('lo');
    await heading('ການແຈ້ງເຕືອນການເດີນທາງຂອງຜູ້ກະທຳຜິດ');
    await rows.nth(0).getByText('ມາຊ້າ').waitFor();
    await expectAccessible(page, 'alert board (lo)');
    await screenshot(page, 'alert-board-lo');
    await setLanguage('en');
  }, 90_000);

  it('opens an alert and records an action; errors show beside their fields; TH sees the alert answered', async () => {
    await page.locator(`a[href="#/alerts/${ids.timely}"]`).click();
    await heading('Offender travel alert from Thailand');
    await page.getByText(SUBJECT, { exact: true }).waitFor();
    await page.getByText('Consider refusing entry').waitFor();
    await page.getByText('No action has been recorded yet.').waitFor();
    await expectAccessible(page, 'alert view (en)');
    await screenshot(page, 'desk-alert-en');

    await page.getByRole('link', { name: 'Record an action' }).click();
    await heading('Record an action');
    const action = page.getByLabel('Action taken');
    await action.waitFor();
    await expectAccessible(page, 'record an action (en)');

    // Nothing chosen: the gateway's errors[] come back beside the fields they name.
    provoked.push(REFUSED_422);
    await page.getByRole('button', { name: 'Send the action' }).click();
    await page.locator('#desk-respond-error').waitFor();
    await eventually(async () => ((await action.getAttribute('aria-invalid')) === 'true' ? true : undefined), 10_000, 'the action field marked invalid');
    const described = await action.getAttribute('aria-describedby');
    expect(described).toBeTruthy();
    expect(await page.locator(`[id="${described}"]`).innerText()).toBe('Required.');
    await expectAccessible(page, 'record an action with errors (en)');
    await screenshot(page, 'desk-record-action-errors-en');

    await action.selectOption('monitored');
    await page.getByLabel('Unit that acted').fill('INTERPOL NCB liaison desk (test)');
    await page.getByRole('button', { name: 'Send the action' }).click();
    await heading('Offender travel alert from Thailand');
    await page.locator('#desk-responses li').waitFor();
    await eventually(async () => ((await thRecipient(ids.timely!, 'INTERPOL'))?.responded ? true : undefined), 30_000, "the response in TH's lifecycle");

    await page.getByRole('link', { name: 'Alert board', exact: true }).click();
    await heading('Offender travel alerts');
    await page.locator('#desk-board tbody tr', { has: page.locator(`a[href="#/alerts/${ids.timely}"]`) }).getByText('Responded', { exact: true }).waitFor();
  }, 90_000);

  it('issues an alert: errors beside the recipients and fields, then the lifecycle per recipient, live up to the answer', async () => {
    await page.getByRole('link', { name: 'Issue an alert' }).click();
    await heading('Issue an offender travel alert');
    await page.getByLabel('Thailand').waitFor();
    expect(await page.getByLabel('INTERPOL', { exact: true }).count()).toBe(0);
    await expectAccessible(page, 'issue an alert (en)');

    provoked.push(REFUSED_422);
    await page.getByRole('button', { name: 'Issue the alert' }).click();
    await page.locator('#desk-issue-error').waitFor();
    await eventually(async () => ((await page.locator('form [aria-invalid="true"]').count()) > 0 ? true : undefined), 10_000, 'fields marked invalid');
    await expectAccessible(page, 'issue an alert with errors (en)');
    await screenshot(page, 'desk-issue-errors-en');

    await page.getByLabel('Thailand').check();
    await page.getByLabel('Lao PDR').check();
    await page.getByLabel('Language tag').fill('en');
    await page.getByLabel('Name as written').fill(`${SUBJECT} Issued`);
    await page.getByLabel('Date of birth').fill('1970-01-01');
    await page.getByLabel('Nationalities (two-letter country codes) 1').fill('ZZ');
    await page.getByLabel('Country of departure (code)').fill('KH');
    await page.getByLabel('Destination country (code)').fill('TH');
    await page.getByLabel('Arrival date').fill(dateOf(today + 6 * DAY));
    await page.getByLabel('Kind of source').selectOption('interpol-green-notice');
    await page.getByLabel('Reference').fill('G-0000/2-2026-TEST');
    await page.getByLabel('Requested action').selectOption('report-arrival-and-departure');
    await page.getByLabel('Valid until').fill(`${dateOf(today + 30 * DAY)}T12:00`);
    await page.getByRole('button', { name: 'Issue the alert' }).click();

    await page.getByText('The alert was signed and queued for its recipients.').waitFor();
    const recipients = page.locator('#desk-recipients tbody tr');
    await eventually(async () => ((await recipients.count()) === 2 ? true : undefined), 20_000, 'a row per recipient');
    await eventually(async () => ((await page.locator('#desk-recipients td[data-status="delivered"]').count()) === 2 ? true : undefined), 30_000, 'both receipts shown live');
    await expectAccessible(page, 'issued alert (en)');
    await screenshot(page, 'desk-issued-en');

    // TH answers it: the lifecycle shows it live, and the answer is listed on the board and opens.
    const issued = await eventually(async () => {
      const r = await env.cluster.call('TH', 'GET', '/v1/inbox?type=offender-travel-alert&limit=200', { token: thToken });
      return (r.body.items as { id: string; from: string }[]).find((i) => i.from === 'INTERPOL')?.id;
    }, 20_000, 'the issued alert at TH');
    const reply = await env.cluster.call('TH', 'POST', `/v1/inbox/${issued}/responses`, { token: thToken, body: { type: 'offender-alert-response', body: loadBody('offender-alert-response') } });
    expect(reply.status).toBe(202);
    await page.locator('#desk-recipients td[data-status="responded"]').waitFor();
    ids.answer = reply.body.id as string;
    await page.getByRole('link', { name: 'Alert board', exact: true }).click();
    await page.locator(`#desk-answers a[href="#/alerts/${ids.answer}"]`).click();
    await heading('Alert response from Thailand');
    await page.getByText('Entry refused').waitFor();
    await page.locator('#desk-recipients td[data-status="responded"]').waitFor();
    await expectAccessible(page, 'alert response (en)');
  }, 120_000);

  it('cannot reach a victim notice by any URL: not found, the same as a random id, nothing of it shown', async () => {
    // INTERPOL never receives one: its inbox as the desk sees it has no victim type at all.
    const deskToken = await apiToken(env.users.interpolDesk);
    const inbox = await env.cluster.call('INTERPOL', 'GET', '/v1/inbox?limit=200', { token: deskToken });
    expect(inbox.status).toBe(200);
    expect((inbox.body.items as { type: string; id: string }[]).every((i) => i.type.startsWith('offender-') && i.id !== ids.victim)).toBe(true);

    const random = uuidv7();
    const notFound = async (hash: string): Promise<string> => {
      // From the board first, so the heading waited for is the new page's, not the last one's.
      await go('#/alerts');
      await heading('Offender travel alerts');
      await go(hash);
      await heading('Page not found');
      const text = await page.locator('main').innerText();
      const all = await page.locator('body').innerText();
      for (const secret of [CHILD_LAO, CHILD_LATIN, ids.victim!, ids.caseRef!, ...VICTIM_LABELS]) expect({ hash, shows: all.includes(secret) ? secret : undefined }).toEqual({ hash, shows: undefined });
      return text;
    };
    const randomText = await notFound(`#/alerts/${random}`);
    for (const hash of [`#/alerts/${ids.victim}`, `#/alerts/${ids.victim}/respond`]) expect(await notFound(hash)).toBe(randomText);
    // Every route of the officer app, at the INTERPOL console.
    for (const hash of [`#/message/${ids.victim}`, `#/message/${ids.victim}/respond`, '#/compose', '#/case', `#/case/${ids.caseRef}`, '#/inbox']) await notFound(hash);
    await expectAccessible(page, 'not found (en)');

    // The board lists no victim type (nor any label, filter or count of one).
    await go('#/alerts');
    await heading('Offender travel alerts');
    const board = await page.locator('body').innerText();
    for (const secret of [CHILD_LAO, CHILD_LATIN, ...VICTIM_LABELS]) expect(board).not.toContain(secret);
  }, 90_000);

  it('every desk page is accessible in Lao', async () => {
    await setLanguage('lo');
    await go('#/alerts');
    await heading('ການແຈ້ງເຕືອນການເດີນທາງຂອງຜູ້ກະທຳຜິດ');
    await page.locator('#desk-board tbody tr').first().waitFor();
    await expectAccessible(page, 'alert board (lo)');
    await go(`#/alerts/${ids.late}`);
    await heading('ການແຈ້ງເຕືອນການເດີນທາງຂອງຜູ້ກະທຳຜິດຈາກ');
    await page.getByText(`${SUBJECT} Late`, { exact: true }).waitFor();
    await expectAccessible(page, 'alert view (lo)');
    await go(`#/alerts/${ids.late}/respond`);
    await heading('ບັນທຶກການດຳເນີນການ');
    await page.getByLabel('ການດຳເນີນການທີ່ໄດ້ເຮັດ').waitFor();
    await expectAccessible(page, 'record an action (lo)');
    await go('#/alerts/new');
    await heading('ອອກການແຈ້ງເຕືອນການເດີນທາງຂອງຜູ້ກະທຳຜິດ');
    await expectAccessible(page, 'issue an alert (lo)');
    await go(`#/alerts/${ids.answer}`);
    await heading('ການຕອບການແຈ້ງເຕືອນຈາກ');
    await page.locator('#desk-recipients').waitFor();
    await expectAccessible(page, 'alert response (lo)');
    await go(`#/alerts/${ids.victim}`);
    await heading('ບໍ່ພົບໜ້ານີ້');
    await expectAccessible(page, 'not found (lo)');
    await setLanguage('en');
  }, 90_000);

  it('keeps no token and no child data in the URL or the browser storage', async () => {
    const url = page.url();
    const stored = (await page.evaluate('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })')) as string;
    const cookies = JSON.stringify(await page.context().cookies(env.consoleUrl('INTERPOL')));
    for (const where of [url, stored, cookies]) {
      // A JWT (the access or ID token) starts with a base64url JSON header.
      expect(where).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
      for (const secret of [CHILD_LAO, CHILD_LATIN, SUBJECT]) expect(where).not.toContain(secret);
    }
    expect(new URL(url).searchParams.has('code')).toBe(false);
  });
});
