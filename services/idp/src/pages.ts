/**
 * The provider's own pages: the login form, the sign-out question and error pages. Rendered on
 * the server as plain HTML with one same-origin stylesheet and no script, so a strict CSP holds.
 * Texts come from the console's `idp` catalogue, in the language the client asked for
 * (`ui_locales`) or else the browser's (`Accept-Language`).
 */
import { readFileSync } from 'node:fs';

export const LANGUAGES = ['en', 'lo', 'th', 'zh-Hans'] as const;
export type Language = (typeof LANGUAGES)[number];

type Catalogue = Record<string, string>;

const CATALOGUES: Record<Language, Catalogue> = Object.fromEntries(
  LANGUAGES.map((l) => [l, JSON.parse(readFileSync(new URL(`../../console/src/i18n/idp/${l}.json`, import.meta.url), 'utf8')) as Catalogue]),
) as Record<Language, Catalogue>;

/** The keys of the `idp` catalogue this page uses (the catalogue test keeps the four languages complete). */
export type TextKey =
  | 'idp.title'
  | 'idp.heading'
  | 'idp.intro'
  | 'idp.username'
  | 'idp.password'
  | 'idp.submit'
  | 'idp.error.invalid'
  | 'idp.error.throttled'
  | 'idp.error.notForThisConsole'
  | 'idp.error.generic'
  | 'idp.logout.heading'
  | 'idp.logout.question'
  | 'idp.logout.submit'
  | 'idp.logout.done';

/** The supported language a BCP 47 tag falls under, if any (`zh`, `zh-CN`, `zh-Hans-CN` are `zh-Hans`). */
function languageOf(tag: string): Language | undefined {
  const t = tag.trim().toLowerCase();
  if (t === '') return undefined;
  if (t === 'zh' || t.startsWith('zh-hans') || t === 'zh-cn' || t === 'zh-sg') return 'zh-Hans';
  if (t.startsWith('zh-')) return undefined;
  const primary = t.split('-')[0];
  return LANGUAGES.find((l) => l === primary);
}

/**
 * The page language: the first supported tag of `uiLocales` (space-separated, in the client's
 * order of preference), else the best of `Accept-Language` by q-value, else English.
 */
export function chooseLanguage(uiLocales: string | undefined, acceptLanguage: string | undefined): Language {
  for (const tag of (uiLocales ?? '').split(' ')) {
    const l = languageOf(tag);
    if (l) return l;
  }
  const ranked = (acceptLanguage ?? '')
    .slice(0, 500)
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag, q: q === undefined ? 1 : Number(q), i };
    })
    .filter((e) => e.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const e of ranked) {
    const l = languageOf(e.tag);
    if (l) return l;
  }
  return 'en';
}

export function text(lang: Language, key: TextKey): string {
  return CATALOGUES[lang][key] ?? CATALOGUES.en[key] ?? key;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(lang: Language, title: string, main: string): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<link rel="stylesheet" href="/idp-assets/login.css">
</head>
<body>
<main>
<p class="brand">${esc(text(lang, 'idp.intro'))}</p>
${main}
</main>
</body>
</html>
`;
}

export interface LoginForm {
  lang: Language;
  action: string;
  /** The username typed before, shown again after a refusal (never the password). */
  username?: string;
  error?: Extract<TextKey, `idp.error.${string}`>;
}

export function loginPage(f: LoginForm): string {
  const t = (k: TextKey): string => esc(text(f.lang, k));
  const err = f.error === undefined ? '' : `<p id="login-error" class="error" role="alert">${t(f.error)}</p>\n`;
  const described = f.error === undefined ? '' : ' aria-describedby="login-error" aria-invalid="true"';
  return page(
    f.lang,
    text(f.lang, 'idp.title'),
    `<h1>${t('idp.heading')}</h1>
${err}<form method="post" action="${esc(f.action)}" autocomplete="on" novalidate>
<div class="field">
<label for="username">${t('idp.username')}</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="64" value="${esc(f.username ?? '')}"${described}${f.username ? '' : ' autofocus'}>
</div>
<div class="field">
<label for="password">${t('idp.password')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"${described}${f.username ? ' autofocus' : ''}>
</div>
<button type="submit">${t('idp.submit')}</button>
</form>`,
  );
}

export function logoutPage(lang: Language, action: string, xsrf: string): string {
  const t = (k: TextKey): string => esc(text(lang, k));
  return page(
    lang,
    text(lang, 'idp.logout.heading'),
    `<h1>${t('idp.logout.heading')}</h1>
<p>${t('idp.logout.question')}</p>
<form method="post" action="${esc(action)}">
<input type="hidden" name="xsrf" value="${esc(xsrf)}">
<input type="hidden" name="logout" value="yes">
<button type="submit">${t('idp.logout.submit')}</button>
</form>`,
  );
}

export function messagePage(lang: Language, heading: TextKey, message: TextKey): string {
  return page(lang, text(lang, heading), `<h1>${esc(text(lang, heading))}</h1>\n<p>${esc(text(lang, message))}</p>`);
}

/** The pages' only stylesheet (served from the provider's origin: `style-src 'self'`). */
export const LOGIN_CSS = `:root { color-scheme: light; font-family: system-ui, "Noto Sans", "Noto Sans Lao", "Noto Sans Thai", "Noto Sans SC", sans-serif; }
body { margin: 0; background: #f4f6f8; color: #1a1a1a; }
main { max-width: 24rem; margin: 4rem auto; padding: 2rem; background: #fff; border: 1px solid #c8ced6; border-radius: 0.5rem; }
.brand { margin: 0 0 0.5rem; color: #3d4a57; }
h1 { margin: 0 0 1.5rem; font-size: 1.5rem; }
.field { display: flex; flex-direction: column; margin-bottom: 1rem; }
label { font-weight: 600; margin-bottom: 0.25rem; }
input { font: inherit; padding: 0.5rem; border: 1px solid #5a6672; border-radius: 0.25rem; }
button { font: inherit; padding: 0.5rem 1.25rem; color: #fff; background: #0b5394; border: 0; border-radius: 0.25rem; cursor: pointer; }
input:focus-visible, button:focus-visible { outline: 3px solid #e8a100; outline-offset: 2px; }
.error { padding: 0.75rem; color: #8a1010; background: #fdeaea; border: 1px solid #8a1010; border-radius: 0.25rem; }
`;
