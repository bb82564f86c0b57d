/**
 * The auditor's console at the audit service, in Debian's chromium: an auditor signs in at the
 * OpenID provider, browses the event log (filtered by a real notice's id), opens the notice's
 * history across gateways, sees the checkpoints, and verifies a leaf in the browser with the audit
 * key they were given (passes). The page reports a failure, naming the step, when the test serves
 * a tampered inclusion proof or checkpoint (`page.route`) and when the wrong audit key is given.
 * axe-core on every page in English and Lao; no token and no child data in the URL or storage,
 * and no child data on any page.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import { generateAuditKey } from '../../services/audit/src/checkpoint-key.ts';
import { setupAudit } from '../../services/cli/src/deployment/setup.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { expectAccessible, launchBrowser, newPage, screenshot } from '../support/browser.ts';
import { startConsoleEnv, type ConsoleEnv } from '../support/console-env.ts';
import { eventually } from '../support/kafka.ts';
import { PERSONAL_FIXTURE_STRINGS } from '../support/wire.ts';

let env: ConsoleEnv;
let browser: Browser;
let auditKey: string;
let wrongKey: string;
let wrongDir: string;
let noticeId: string;
/** The leaf of TH's `submitted` event about the notice. */
let leafIndex: number;

beforeAll(async () => {
  env = await startConsoleEnv({ endpoints: ['LA', 'TH'] });
  browser = await launchBrowser();
  auditKey = await readFile((await setupAudit(env.cluster.dep)).publicKeyFile, 'utf8');
  wrongDir = await mkdtemp(join(tmpdir(), 'mx-wrong-audit-key-'));
  wrongKey = await readFile((await generateAuditKey(wrongDir)).publicJwksPath, 'utf8');

  // A real notice from TH to LA, so the log holds its history from both gateways.
  const sent = await env.cluster.call('TH', 'POST', '/v1/notices', {
    token: await env.token(env.users.thOfficer),
    body: { type: 'victim-repatriation-notice', to: ['LA'], caseRef: 'TH-2026-000931', body: loadBody('victim-repatriation-notice') },
  });
  expect(sent.status).toBe(202);
  noticeId = sent.body.id;
  const audit = env.audit!;
  const auditorToken = await env.token(env.users.auditor);
  const history = await eventually(async () => {
    const r = await audit.get(`/v1/messages/${noticeId}/history`, auditorToken);
    const events = r.status === 200 ? (r.body.events as { index: number; gateway: string; action: string }[]) : [];
    return events.some((e) => e.gateway === 'LA' && e.action === 'delivered') ? events : undefined;
  }, 30_000, 'the notice delivered at LA, in the audit log');
  leafIndex = history.find((e) => e.gateway === 'TH' && e.action === 'submitted')!.index;
  const signed = await audit.service.checkpointer.signNow();
  expect(signed.kind).toBe('signed');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await env?.stop();
  if (wrongDir) await rm(wrongDir, { recursive: true, force: true });
});

/** Signs the auditor in at the audit service's console, through the provider's login form. */
function signIn(page: Page): Promise<void> {
  return env.signIn(page, env.users.auditor);
}

/** The bearer tokens the page sent, so the test can look for them where they must never be. */
function recordTokens(page: Page): string[] {
  const tokens: string[] = [];
  page.on('request', (req) => {
    const auth = req.headers().authorization;
    if (auth?.startsWith('Bearer ')) tokens.push(auth.slice(7));
  });
  return tokens;
}

async function expectNothingLeaked(page: Page, tokens: string[]): Promise<void> {
  expect(tokens.length).toBeGreaterThan(0);
  const places = [
    page.url(),
    (await page.evaluate('JSON.stringify({ ...localStorage })')) as string,
    (await page.evaluate('JSON.stringify({ ...sessionStorage })')) as string,
    (await page.evaluate('document.cookie')) as string,
  ].join('\n');
  for (const token of new Set(tokens)) {
    expect(places).not.toContain(token);
    expect(places).not.toContain(token.split('.')[2]!);
  }
  for (const s of PERSONAL_FIXTURE_STRINGS) expect({ leaked: s, found: places.includes(s) }).toEqual({ leaked: s, found: false });
}

async function expectNoPersonalDataShown(page: Page): Promise<void> {
  const text = (await page.evaluate('document.body.innerText')) as string;
  for (const s of PERSONAL_FIXTURE_STRINGS) expect({ leaked: s, found: text.includes(s) }).toEqual({ leaked: s, found: false });
}

async function openVerify(page: Page, key: string): Promise<void> {
  await page.goto(`${env.consoleUrl('audit')}#/verify/${leafIndex}`);
  await page.locator('#vf-key').fill(key);
}

/** Alters the JSON body of the responses of `pattern` with `alter`. */
async function tamper(page: Page, pattern: string, alter: (body: any) => void): Promise<void> {
  await page.route(pattern, async (route: Route) => {
    const response = await route.fetch();
    const body = await response.json();
    alter(body);
    await route.fulfill({ response, json: body });
  });
}

function flipFirstByte(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[0] = bytes[0]! ^ 0xff;
  return bytes.toString('base64');
}

describe("the auditor's console", () => {
  it('browses the event log, a message history and the checkpoints, and verifies a leaf in the browser', async () => {
    const page = await newPage(browser, { lang: 'en-GB' });
    const tokens = recordTokens(page);
    try {
      await signIn(page);

      // The event log (the first page), filtered by the notice's id.
      await page.getByRole('heading', { name: 'Event log', level: 1 }).waitFor();
      await page.getByLabel('Message id').fill(noticeId);
      await page.getByLabel('Gateway').selectOption('TH');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      const submitted = page.getByRole('row').filter({ hasText: 'Submitted' });
      await submitted.waitFor();
      expect(await page.getByRole('row').filter({ hasText: 'Delivered' }).count()).toBe(0);
      await expectAccessible(page, 'event log (en)');
      await screenshot(page, 'audit-log-en');

      // A malformed message id is shown beside its field.
      await page.getByLabel('Message id').fill('not-an-id');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      expect(await page.locator('#ev-messageId').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#ev-messageId').getAttribute('aria-describedby')).toBe('ev-messageId-error');
      await page.locator('#ev-messageId-error').waitFor();

      // The message's history across both gateways.
      await page.getByLabel('Message id').fill(noticeId);
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByRole('link', { name: `History of message ${noticeId}` }).first().click();
      await page.getByRole('heading', { name: 'Message history', level: 1 }).waitFor();
      await page.getByRole('cell', { name: 'Delivered' }).first().waitFor();
      const rows = await page.locator('tbody tr').allInnerTexts();
      expect(rows.some((r) => r.includes('TH') && r.includes('Submitted'))).toBe(true);
      expect(rows.some((r) => r.includes('LA') && r.includes('Delivered'))).toBe(true);
      await expectAccessible(page, 'message history (en)');
      await screenshot(page, 'audit-history-en');
      await expectNoPersonalDataShown(page);

      // The checkpoints.
      await page.getByRole('link', { name: 'Checkpoints' }).click();
      await page.getByRole('heading', { name: 'Checkpoints', level: 1 }).waitFor();
      await page.locator('tbody tr').first().waitFor();
      await expectAccessible(page, 'checkpoints (en)');
      await screenshot(page, 'audit-checkpoints-en');

      // Verify the TH submitted event's leaf with the audit key the auditor was given.
      await openVerify(page, auditKey);
      const kid = (JSON.parse(auditKey) as { keys: { kid: string }[] }).keys[0]!.kid;
      await page.locator('#vf-key-summary').getByText(kid.slice('audit:'.length), { exact: true }).waitFor();
      await page.getByLabel('Remember this public key in this browser').check();
      await page.getByRole('button', { name: 'Verify', exact: true }).click();
      await page.getByRole('heading', { name: `Verified: leaf ${leafIndex} is in the signed log` }).waitFor();
      const steps = page.locator('ol.steps li');
      expect(await steps.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-step')}:${e.getAttribute('data-ok')}`))).toEqual(['key:true', 'signature:true', 'leaf-hash:true', 'proof:true', 'root:true']);
      expect(await steps.nth(1).innerText()).toContain(`valid for key ${kid}`);
      expect(await steps.nth(4).innerText()).toContain("equal to the checkpoint's root");
      await expectAccessible(page, 'verify (en)');
      await screenshot(page, 'verify-en');

      // The public key is remembered (it is public); the token and child data are nowhere.
      expect(await page.evaluate('localStorage.getItem("mx.auditor.auditKey")')).toBe(auditKey);
      await expectNothingLeaked(page, tokens);
      expect(page.problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it.each<[string, (page: Page) => Promise<void>, string, string]>([
    [
      'a tampered inclusion proof',
      (page) => tamper(page, '**/v1/proofs/inclusion?*', (b) => (b.proof[0] = flipFirstByte(b.proof[0]))),
      'root',
      'The root recomputed from the proof differs from the checkpoint',
    ],
    [
      'a proof shortened by one hash',
      (page) => tamper(page, '**/v1/proofs/inclusion?*', (b) => b.proof.pop()),
      'proof',
      'The proof has the wrong number of hashes',
    ],
    [
      'a checkpoint whose root was replaced',
      (page) => tamper(page, '**/v1/checkpoints/latest', (b) => (b.rootHash = flipFirstByte(b.rootHash))),
      'signature',
      'The signature covers a different tree size, root, time or origin',
    ],
    [
      'altered leaf bytes',
      (page) => tamper(page, '**/v1/leaves/*', (b) => (b.bytes = flipFirstByte(b.bytes))),
      'leaf-hash',
      "The leaf's bytes hash to another value",
    ],
  ])('reports a failure at the right step for %s', async (_what, serve, step, reason) => {
    const page = await newPage(browser, { lang: 'en-GB' });
    try {
      await signIn(page);
      await serve(page);
      await openVerify(page, auditKey);
      await page.getByRole('button', { name: 'Verify', exact: true }).click();
      await page.getByRole('heading', { name: /^Not verified: leaf \d+ failed the check/ }).waitFor();
      const failed = page.locator('ol.steps li[data-ok="false"]');
      expect(await failed.count()).toBe(1);
      expect(await failed.getAttribute('data-step')).toBe(step);
      expect(await failed.innerText()).toContain(reason);
      expect(page.problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("shows a problem's errors[] beside the filter they name", async () => {
    const page = await newPage(browser, { lang: 'en-GB' });
    try {
      await signIn(page);
      await page.getByRole('heading', { name: 'Event log', level: 1 }).waitFor();
      // A service newer than the page that refuses a gateway the page still offers.
      await page.route('**/v1/events?*', (route) =>
        route.fulfill({
          status: 422,
          contentType: 'application/problem+json',
          body: JSON.stringify({ type: 'about:blank', title: 'Validation failed', status: 422, code: 'VALIDATION_FAILED', detail: 'malformed endpoint', errors: [{ path: '/endpoint', code: 'enum', message: 'must be one of LA, TH' }] }),
        }),
      );
      await page.getByLabel('Gateway').selectOption('INTERPOL');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.locator('#ev-endpoint-error').getByText('This value is not one of those allowed.').waitFor();
      expect(await page.locator('#ev-endpoint').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#ev-endpoint').getAttribute('aria-describedby')).toBe('ev-endpoint-error');
      await page.getByRole('alert').first().waitFor();
      await expectAccessible(page, 'event log with a field error (en)');
      // The console reports the refused request itself; nothing else went wrong.
      expect(page.problems.filter((p) => !p.includes('422'))).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it('reports a failure when the wrong audit key is given, and a malformed key beside its field', async () => {
    const page = await newPage(browser, { lang: 'en-GB' });
    try {
      await signIn(page);
      await openVerify(page, wrongKey);
      // By keyboard: Enter in the leaf index field submits.
      await page.locator('#vf-index').focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: `Not verified: leaf ${leafIndex} failed the check “checkpoint signature”.` }).waitFor();
      expect(await page.locator('ol.steps li[data-ok="false"]').getAttribute('data-step')).toBe('signature');
      await page.getByText('The checkpoint is signed with a key that is not in the audit key you gave.').waitFor();

      await page.locator('#vf-key').fill('{"keys": [');
      await page.locator('#vf-key-error').getByText('The key is not JSON.').waitFor();
      expect(await page.locator('#vf-key').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#vf-key').getAttribute('aria-describedby')).toContain('vf-key-error');
      await expectAccessible(page, 'verify with a malformed key (en)');
      expect(page.problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it.each([
    ['th-TH', 'th', ['บันทึกเหตุการณ์', 'ประวัติข้อความ', 'จุดตรวจสอบ', 'ตรวจสอบในเบราว์เซอร์นี้']],
    ['zh-CN', 'zh-Hans', ['事件日志', '消息历史', '检查点', '在本浏览器中验证']],
  ])('a %s browser gets every page in %s, accessible', async (locale, lang, headings) => {
    const page = await newPage(browser, { lang: locale });
    try {
      await signIn(page);
      expect(await page.evaluate('document.documentElement.lang')).toBe(lang);
      for (const [i, route] of ['#/events', '#/message', '#/checkpoints', `#/verify/${leafIndex}`].entries()) {
        await page.goto(`${env.consoleUrl('audit')}${route}`);
        await page.getByRole('heading', { name: headings[i], level: 1 }).waitFor();
        await expectAccessible(page, `${route} (${lang})`);
      }
      expect(page.problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it('speaks Lao on every page, accessible', async () => {
    const page = await newPage(browser, { lang: 'lo-LA' });
    const tokens = recordTokens(page);
    try {
      await signIn(page);
      expect(await page.evaluate('document.documentElement.lang')).toBe('lo');
      await page.getByRole('heading', { name: 'ບັນທຶກເຫດການ', level: 1 }).waitFor();
      await page.locator('tbody tr').first().waitFor();
      await expectAccessible(page, 'event log (lo)');
      await screenshot(page, 'audit-log-lo');

      await page.goto(`${env.consoleUrl('audit')}#/message/${noticeId}`);
      await page.getByRole('heading', { name: 'ປະຫວັດຂໍ້ຄວາມ', level: 1 }).waitFor();
      await page.getByRole('cell', { name: 'ສົ່ງເຖິງແລ້ວ' }).first().waitFor();
      await expectAccessible(page, 'message history (lo)');

      await page.goto(`${env.consoleUrl('audit')}#/checkpoints`);
      await page.getByRole('heading', { name: 'ຈຸດກວດສອບ', level: 1 }).waitFor();
      await page.locator('tbody tr').first().waitFor();
      await expectAccessible(page, 'checkpoints (lo)');

      await openVerify(page, auditKey);
      await page.getByRole('heading', { name: 'ກວດສອບໃນບຣາວເຊີນີ້', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'ກວດສອບ', exact: true }).click();
      await page.getByRole('heading', { name: `ຜ່ານການກວດສອບ: ໃບທີ ${leafIndex}`, exact: false }).waitFor();
      expect(await page.locator('ol.steps li[data-ok="true"]').count()).toBe(5);
      await expectAccessible(page, 'verify (lo)');
      await screenshot(page, 'verify-lo');
      await expectNothingLeaked(page, tokens);
      expect(page.problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});
