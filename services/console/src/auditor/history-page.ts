/**
 * `#/message` and `#/message/<id>`: one message's history across gateways (submitted, published,
 * delivered, read, responded, ... at the sender and at each recipient), from the verified events
 * in the log. The route carries the message id only.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { api, ProblemError } from '../shared/api.ts';
import { formatDateTime, formatNumber, has, t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import { link, navigate } from '../shared/router.ts';
import { actionText, errorText, failureAlert, gatewayText, MESSAGE_ID, typeText, type MessageHistory } from './audit-api.ts';

export class MxAuditHistory extends MxPage {
  static override properties = { ...MxPage.properties, history: { state: true }, failure: { state: true }, idError: { state: true }, loading: { state: true } };
  declare history: MessageHistory | undefined;
  declare failure: unknown;
  declare idError: string | undefined;
  declare loading: boolean;
  private shown: string | undefined;

  constructor() {
    super();
    this.history = undefined;
    this.failure = undefined;
    this.idError = undefined;
    this.loading = false;
  }

  protected override willUpdate(): void {
    const id = this.params.id;
    if (id !== this.shown) {
      this.shown = id;
      this.history = undefined;
      this.failure = undefined;
      if (id) void this.load(id);
    }
  }

  private async load(id: string): Promise<void> {
    if (!MESSAGE_ID.test(id)) {
      this.idError = t('auditor.field.messageId');
      return;
    }
    this.idError = undefined;
    this.loading = true;
    try {
      this.history = await api<MessageHistory>(`/v1/messages/${encodeURIComponent(id)}/history`);
    } catch (err) {
      this.failure = err;
    } finally {
      this.loading = false;
    }
  }

  private open(e: Event): void {
    e.preventDefault();
    const id = String(new FormData(e.target as HTMLFormElement).get('messageId') ?? '').trim().toLowerCase();
    if (!MESSAGE_ID.test(id)) {
      this.idError = t('auditor.field.messageId');
      void this.updateComplete.then(() => this.querySelector<HTMLElement>('#hist-id')?.focus());
      return;
    }
    this.idError = undefined;
    navigate('/message/:id', { id });
  }

  private table(h: MessageHistory): TemplateResult {
    if (!h.events.length) return html`<p>${t('auditor.history.none')}</p>`;
    const gateways = [...new Set(h.events.map((e) => e.gateway))];
    const type = h.events.find((e) => e.messageType)?.messageType;
    return html`<dl class="facts">
        <dt>${t('auditor.col.type')}</dt><dd>${typeText(type)}</dd>
        <dt>${t('auditor.history.gateways')}</dt><dd>${gateways.map(gatewayText).join(', ')}</dd>
        <dt>${t('auditor.history.count')}</dt><dd>${formatNumber(h.events.length)}</dd>
      </dl>
      <table>
        <caption class="muted">${t('auditor.history.caption')}</caption>
        <thead><tr>
          <th scope="col">${t('auditor.col.at')}</th><th scope="col">${t('auditor.col.gateway')}</th><th scope="col">${t('auditor.col.action')}</th>
          <th scope="col">${t('auditor.col.counterpart')}</th><th scope="col">${t('auditor.col.outcome')}</th><th scope="col">${t('auditor.col.seq')}</th>
          <th scope="col">${t('auditor.col.leaf')}</th><th scope="col">${t('auditor.col.proof')}</th>
        </tr></thead>
        <tbody>${h.events.map((e) => html`<tr>
          <td>${formatDateTime(e.at)}</td>
          <td>${e.gateway}</td>
          <td>${actionText(e.action)}</td>
          <td>${e.event.counterpart ?? ''}</td>
          <td>${e.event.outcome ? (has(`auditor.outcome.${e.event.outcome}`) ? t(`auditor.outcome.${e.event.outcome}`) : e.event.outcome) : ''}${e.event.reasonCode ? html` <code>${e.event.reasonCode}</code>` : nothing}</td>
          <td>${formatNumber(e.seq)}</td>
          <td>${formatNumber(e.index)}</td>
          <td><a href=${link('/verify/:index', { index: String(e.index) })} aria-label=${t('auditor.events.verifyLeaf', { index: e.index })}>${t('auditor.events.verify')}</a></td>
        </tr>`)}</tbody>
      </table>`;
  }

  override render(): TemplateResult {
    const id = this.params.id;
    const notFound = this.failure instanceof ProblemError && this.failure.status === 404;
    return html`<h1 tabindex="-1">${t('auditor.history.title')}</h1>
      <p class="muted">${t('auditor.history.intro')}</p>
      <form class="filters" @submit=${(e: Event) => this.open(e)} novalidate>
        <div class="field">
          <label for="hist-id">${t('auditor.filter.messageId')}</label>
          <input id="hist-id" name="messageId" type="text" .value=${id ?? ''} autocomplete="off" spellcheck="false"
            aria-invalid=${this.idError ? 'true' : 'false'} aria-describedby=${this.idError ? 'hist-id-error' : nothing}>
          ${errorText('hist-id-error', this.idError ? [this.idError] : [])}
        </div>
        <div class="field"><button class="primary" type="submit" id="hist-open">${t('auditor.history.open')}</button></div>
      </form>
      <div aria-live="polite">
        ${this.loading ? html`<p role="status">${t('common.loading')}</p>` : nothing}
        ${notFound ? html`<p role="alert">${t('auditor.history.notFound')}</p>` : this.failure ? failureAlert(this.failure) : nothing}
        ${this.history ? html`<h2>${t('auditor.history.of')} <code>${this.history.messageId}</code></h2>${this.table(this.history)}` : nothing}
      </div>`;
  }
}

customElements.define('mx-audit-history', MxAuditHistory);
