/**
 * `#/checkpoints`: the signed checkpoints in signing order (tree size, time, root, signing key),
 * a page at a time. The key id is read from the signature's header for display only: whether the
 * signature holds is checked on the verify page, with the key the auditor brings.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { api } from '../shared/api.ts';
import { formatDateTime, formatNumber, t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import { failureAlert, type Page } from './audit-api.ts';
import type { Checkpoint } from './verify.ts';

const PAGE_SIZE = 50;

/** The `kid` named in a compact JWS's protected header, or '' when it cannot be read. */
function kidOf(jws: string): string {
  try {
    const header = JSON.parse(atob(jws.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/'))) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : '';
  } catch {
    return '';
  }
}

export class MxAuditCheckpoints extends MxPage {
  static override properties = { ...MxPage.properties, page: { state: true }, failure: { state: true }, loading: { state: true } };
  declare page: Page<Checkpoint> | undefined;
  declare failure: unknown;
  declare loading: boolean;
  private cursors: (string | undefined)[] = [];
  private cursor: string | undefined;

  constructor() {
    super();
    this.page = undefined;
    this.failure = undefined;
    this.loading = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    this.loading = true;
    this.failure = undefined;
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (this.cursor) q.set('cursor', this.cursor);
    try {
      this.page = await api<Page<Checkpoint>>(`/v1/checkpoints?${q}`);
    } catch (err) {
      this.failure = err;
    } finally {
      this.loading = false;
    }
  }

  private move(next: boolean): void {
    if (next) {
      if (!this.page?.nextCursor) return;
      this.cursors.push(this.cursor);
      this.cursor = this.page.nextCursor;
    } else {
      if (!this.cursors.length) return;
      this.cursor = this.cursors.pop();
    }
    void this.load();
  }

  private table(items: Checkpoint[]): TemplateResult {
    if (!items.length) return html`<p>${t('auditor.checkpoints.none')}</p>`;
    return html`<table>
      <caption class="muted">${t('auditor.checkpoints.caption', { origin: items[0]!.origin })}</caption>
      <thead><tr>
        <th scope="col">${t('auditor.col.treeSize')}</th><th scope="col">${t('auditor.col.signedAt')}</th>
        <th scope="col">${t('auditor.col.root')}</th><th scope="col">${t('auditor.col.kid')}</th>
      </tr></thead>
      <tbody>${items.map((c) => html`<tr>
        <td>${formatNumber(c.treeSize)}</td>
        <td>${formatDateTime(c.time)}</td>
        <td><code class="hash">${c.rootHash}</code></td>
        <td><code class="hash">${kidOf(c.signature)}</code></td>
      </tr>`)}</tbody>
    </table>`;
  }

  override render(): TemplateResult {
    return html`<h1 tabindex="-1">${t('auditor.checkpoints.title')}</h1>
      <p class="muted">${t('auditor.checkpoints.intro')}</p>
      ${this.failure ? failureAlert(this.failure) : nothing}
      <div aria-live="polite" aria-busy=${this.loading ? 'true' : 'false'}>
        ${this.loading && !this.page ? html`<p role="status">${t('common.loading')}</p>` : nothing}
        ${this.page ? this.table(this.page.items) : nothing}
      </div>
      <nav class="pager" aria-label=${t('auditor.pager.label')}>
        <button type="button" id="cp-prev" ?disabled=${!this.cursors.length || this.loading} @click=${() => this.move(false)}>${t('auditor.pager.previous')}</button>
        <span class="muted">${t('auditor.pager.page', { page: this.cursors.length + 1 })}</span>
        <button type="button" id="cp-next" ?disabled=${!this.page?.nextCursor || this.loading} @click=${() => this.move(true)}>${t('auditor.pager.next')}</button>
      </nav>`;
  }
}

customElements.define('mx-audit-checkpoints', MxAuditCheckpoints);
