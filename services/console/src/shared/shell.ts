/**
 * `<mx-shell>`: loads the configuration, finishes a returning sign-in, then shows either the
 * sign-in screen or the header (language switch, who is signed in, navigation by role, sign-out)
 * and the page of the current route.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { unsafeStatic, html as staticHtml } from 'lit/static-html.js';
import { completeSignIn, onSessionChange, session, signIn, signOut } from './auth.ts';
import { config, loadConfig } from './config.ts';
import { LANGUAGE_NAMES, LANGUAGES, getLanguage, setLanguage, t, type Language } from './i18n.ts';
import { MxPage } from './page.ts';
import { currentPath, link, match, type RouteDef } from './router.ts';

let ROUTES: readonly RouteDef[] = [];

/** The app's pages; called once by the app's main before the shell connects. */
export function registerRoutes(routes: readonly RouteDef[]): void {
  ROUTES = routes;
}

export class MxShell extends MxPage {
  static override properties = { ...MxPage.properties, phase: { state: true }, failure: { state: true } };
  declare phase: 'loading' | 'signed-out' | 'signed-in';
  declare failure: string | undefined;
  private readonly onHash = (): void => {
    this.requestUpdate();
    // The new page's heading takes focus, so a screen reader announces where the officer is.
    void this.updateComplete.then(() => this.querySelector<HTMLElement>('main h1')?.focus());
  };

  constructor() {
    super();
    this.phase = 'loading';
    this.failure = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHash);
    onSessionChange(() => (this.phase = session() ? 'signed-in' : 'signed-out'));
    void this.start();
  }

  override disconnectedCallback(): void {
    window.removeEventListener('hashchange', this.onHash);
    super.disconnectedCallback();
  }

  private async start(): Promise<void> {
    try {
      await loadConfig();
      await completeSignIn();
    } catch (err) {
      this.failure = t('common.signin.failed');
      console.warn('sign-in failed', (err as Error).name);
    }
    this.phase = session() ? 'signed-in' : 'signed-out';
  }

  private async signIn(): Promise<void> {
    this.failure = undefined;
    try {
      await signIn();
    } catch {
      this.failure = t('common.signin.unreachable');
    }
  }

  private languageSwitch(): TemplateResult {
    return html`<div class="lang">
      <label for="mx-lang">${t('common.language')}</label>
      <select id="mx-lang" @change=${(e: Event) => setLanguage((e.target as HTMLSelectElement).value as Language)}>
        ${LANGUAGES.map((l) => html`<option value=${l} lang=${l} ?selected=${l === getLanguage()}>${LANGUAGE_NAMES[l]}</option>`)}
      </select>
    </div>`;
  }

  private heading(): string {
    return config().service === 'audit' ? t('common.app.audit') : t('common.app.gateway', { endpoint: config().endpoint });
  }

  override render(): TemplateResult {
    if (this.phase === 'loading') return html`<main id="main"><p role="status">${t('common.loading')}</p></main>`;
    const s = session();
    if (this.phase === 'signed-out' || !s) {
      return html`<header class="bar"><span class="brand">${this.heading()}</span>${this.languageSwitch()}</header>
        <main id="main" class="signin">
          <h1>${this.heading()}</h1>
          <p>${t('common.signin.intro')}</p>
          ${this.failure ? html`<p class="error" role="alert">${this.failure}</p>` : nothing}
          <button class="primary" id="sign-in" @click=${() => void this.signIn()}>${t('common.signin.button')}</button>
        </main>`;
    }
    const nav = ROUTES.filter((r) => r.nav && r.roles.some((x) => s.roles.includes(x)));
    const path = currentPath();
    let found = match(ROUTES, path, s.roles);
    if (!found && path === '/' && nav[0]) found = { route: nav[0], params: {} };
    const tag = found ? unsafeStatic(found.route.tag) : undefined;
    return html`<a class="skip" href="#main" @click=${(e: Event) => { e.preventDefault(); this.querySelector<HTMLElement>('main')?.focus(); }}>${t('common.skip')}</a>
      <header class="bar">
        <span class="brand">${this.heading()}</span>
        <nav aria-label=${t('common.nav')}>
          <ul>${nav.map((r) => html`<li><a href=${link(r.path)} aria-current=${found?.route === r ? 'page' : nothing}>${t(r.nav!)}</a></li>`)}</ul>
        </nav>
        ${this.languageSwitch()}
        <span class="who">${t('common.signedInAs', { user: s.username, endpoint: s.endpoint })} · ${s.roles.map((r) => t(`common.role.${r}`)).join(', ')}</span>
        <button id="sign-out" @click=${() => void signOut()}>${t('common.signout')}</button>
      </header>
      <main id="main" tabindex="-1">
        ${tag ? staticHtml`<${tag} .params=${found!.params}></${tag}>` : html`<h1 tabindex="-1">${t('common.notFound.title')}</h1><p>${nav.length ? t('common.notFound.body') : t('common.noPages')}</p>`}
      </main>`;
  }
}

customElements.define('mx-shell', MxShell);
