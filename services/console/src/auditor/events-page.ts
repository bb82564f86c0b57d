/**
 * `#/events`: the audit log's events in log order, filtered by message id, gateway, message type,
 * action and time, a page at a time with the API's cursor. Each event links to its message's
 * history and to verifying its leaf in this browser.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { api } from '../shared/api.ts';
import { formatDateTime, formatNumber, t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import { link } from '../shared/router.ts';
import { ACTIONS, actionText, errorText, failureAlert, fieldErrors, GATEWAYS, MESSAGE_ID, MESSAGE_TYPES, typeText, type EventSummary, type Page } from './audit-api.ts';

interface Filters {
  messageId: string;
  endpoint: string;
  type: string;
  action: string;
  from: string;
  until: string;
}

const EMPTY: Filters = { messageId: '', endpoint: '', type: '', action: '', from: '', until: '' };
const PAGE_SIZE = 50;

export class MxAuditEvents extends MxPage {
  static override properties = { ...MxPage.properties, page: { state: true }, loading: { state: true }, failure: { state: true }, localErrors: { state: true } };
  declare page: Page<EventSummary> | undefined;
  declare loading: boolean;
  declare failure: unknown;
  declare localErrors: Partial<Record<keyof Filters, string>>;
  private filters: Filters = { ...EMPTY };
  /** Cursors of the pages before the current one (the first page has none), for "previous". */
  private cursors: (string | undefined)[] = [];
  private cursor: string | undefined;

  constructor() {
    super();
    this.page = undefined;
    this.loading = false;
    this.failure = undefined;
    this.localErrors = {};
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    this.loading = true;
    this.failure = undefined;
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    const f = this.filters;
    if (f.messageId) q.set('messageId', f.messageId);
    if (f.endpoint) q.set('endpoint', f.endpoint);
    if (f.type) q.set('type', f.type);
    if (f.action) q.set('action', f.action);
    // datetime-local is the auditor's local time; the API takes UTC instants.
    if (f.from) q.set('from', new Date(f.from).toISOString());
    if (f.until) q.set('until', new Date(f.until).toISOString());
    if (this.cursor) q.set('cursor', this.cursor);
    try {
      this.page = await api<Page<EventSummary>>(`/v1/events?${q}`);
    } catch (err) {
      this.failure = err;
    } finally {
      this.loading = false;
    }
  }

  private apply(e: Event): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const f = Object.fromEntries(Object.keys(EMPTY).map((k) => [k, String(data.get(k) ?? '').trim()])) as unknown as Filters;
    const local: Partial<Record<keyof Filters, string>> = {};
    if (f.messageId && !MESSAGE_ID.test(f.messageId)) local.messageId = t('auditor.field.messageId');
    if (f.from && f.until && new Date(f.from) >= new Date(f.until)) local.until = t('auditor.field.untilBeforeFrom');
    this.localErrors = local;
    if (Object.keys(local).length) {
      void this.updateComplete.then(() => this.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    this.filters = f;
    this.cursors = [];
    this.cursor = undefined;
    void this.load();
  }

  private reset(): void {
    this.filters = { ...EMPTY };
    this.localErrors = {};
    this.cursors = [];
    this.cursor = undefined;
    (this.querySelector('form.filters') as HTMLFormElement | null)?.reset();
    void this.load();
  }

  private next(): void {
    if (!this.page?.nextCursor) return;
    this.cursors.push(this.cursor);
    this.cursor = this.page.nextCursor;
    void this.load();
  }

  private previous(): void {
    if (!this.cursors.length) return;
    this.cursor = this.cursors.pop();
    void this.load();
  }

  private errorsOf(name: keyof Filters): string[] {
    return [...(this.localErrors[name] ? [this.localErrors[name]!] : []), ...fieldErrors(this.failure, name)];
  }

  private field(name: keyof Filters, label: string, control: (attrs: { id: string; invalid: boolean; describedBy: string | typeof nothing }) => TemplateResult): TemplateResult {
    const errors = this.errorsOf(name);
    const id = `ev-${name}`;
    return html`<div class="field">
      <label for=${id}>${label}</label>
      ${control({ id, invalid: errors.length > 0, describedBy: errors.length ? `${id}-error` : nothing })}
      ${errorText(`${id}-error`, errors)}
    </div>`;
  }

  private select(name: keyof Filters, label: string, values: readonly string[], text: (v: string) => string): TemplateResult {
    return this.field(name, label, (a) => html`<select id=${a.id} name=${name} aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedBy}>
      <option value="">${t('auditor.filter.any')}</option>
      ${values.map((v) => html`<option value=${v} ?selected=${this.filters[name] === v}>${text(v)}</option>`)}
    </select>`);
  }

  private input(name: keyof Filters, label: string, type: string, extra: { placeholder?: string } = {}): TemplateResult {
    return this.field(name, label, (a) => html`<input id=${a.id} name=${name} type=${type} .value=${this.filters[name]} placeholder=${extra.placeholder ?? nothing}
      autocomplete="off" spellcheck="false" aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedBy}>`);
  }

  private table(items: EventSummary[]): TemplateResult {
    if (!items.length) return html`<p>${t('auditor.events.none')}</p>`;
    return html`<table>
      <caption class="muted">${t('auditor.events.caption')}</caption>
      <thead><tr>
        <th scope="col">${t('auditor.col.leaf')}</th><th scope="col">${t('auditor.col.at')}</th><th scope="col">${t('auditor.col.gateway')}</th>
        <th scope="col">${t('auditor.col.seq')}</th><th scope="col">${t('auditor.col.action')}</th><th scope="col">${t('auditor.col.type')}</th>
        <th scope="col">${t('auditor.col.message')}</th><th scope="col">${t('auditor.col.proof')}</th>
      </tr></thead>
      <tbody>${items.map((e) => html`<tr>
        <td>${formatNumber(e.index)}</td>
        <td>${formatDateTime(e.at)}</td>
        <td>${e.gateway}</td>
        <td>${formatNumber(e.seq)}</td>
        <td>${actionText(e.action)}</td>
        <td>${typeText(e.messageType)}</td>
        <td>${e.messageId ? html`<a href=${link('/message/:id', { id: e.messageId })} aria-label=${t('auditor.events.historyOf', { id: e.messageId })}><code>${e.messageId}</code></a>` : nothing}</td>
        <td><a href=${link('/verify/:index', { index: String(e.index) })} aria-label=${t('auditor.events.verifyLeaf', { index: e.index })}>${t('auditor.events.verify')}</a></td>
      </tr>`)}</tbody>
    </table>`;
  }

  override render(): TemplateResult {
    return html`<h1 tabindex="-1">${t('auditor.events.title')}</h1>
      <p class="muted">${t('auditor.events.intro')}</p>
      <form class="filters" aria-label=${t('auditor.filter.label')} @submit=${(e: Event) => this.apply(e)} novalidate>
        ${this.input('messageId', t('auditor.filter.messageId'), 'text')}
        ${this.select('endpoint', t('auditor.filter.gateway'), GATEWAYS, (g) => `${t(`common.endpoint.${g}`)} (${g})`)}
        ${this.select('type', t('auditor.filter.type'), MESSAGE_TYPES, typeText)}
        ${this.select('action', t('auditor.filter.action'), ACTIONS, actionText)}
        ${this.input('from', t('auditor.filter.from'), 'datetime-local')}
        ${this.input('until', t('auditor.filter.until'), 'datetime-local')}
        <div class="field">
          <button class="primary" type="submit" id="ev-apply">${t('auditor.filter.apply')}</button>
          <button type="button" id="ev-reset" @click=${() => this.reset()}>${t('auditor.filter.reset')}</button>
        </div>
      </form>
      ${this.failure ? failureAlert(this.failure) : nothing}
      <div aria-live="polite" aria-busy=${this.loading ? 'true' : 'false'}>
        ${this.loading && !this.page ? html`<p role="status">${t('common.loading')}</p>` : nothing}
        ${this.page ? this.table(this.page.items) : nothing}
      </div>
      <nav class="pager" aria-label=${t('auditor.pager.label')}>
        <button type="button" id="ev-prev" ?disabled=${!this.cursors.length || this.loading} @click=${() => this.previous()}>${t('auditor.pager.previous')}</button>
        <span class="muted">${t('auditor.pager.page', { page: this.cursors.length + 1 })}</span>
        <button type="button" id="ev-next" ?disabled=${!this.page?.nextCursor || this.loading} @click=${() => this.next()}>${t('auditor.pager.next')}</button>
      </nav>`;
  }
}

customElements.define('mx-audit-events', MxAuditEvents);
