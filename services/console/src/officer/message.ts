/**
 * `#/message/<id>`: a received message in full (opening it is the read: the gateway marks it read
 * and sends the read receipt on this GET), or, for one this endpoint sent, its lifecycle per
 * recipient (the sender keeps no readable body: it is encrypted for the recipients). A victim
 * notice lists the status updates of its case that answer it, and offers the answer form.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { api } from '../shared/api.ts';
import { formatDateTime, t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import { link } from '../shared/router.ts';
import './officer.css';
import {
  caseLink,
  endpointText,
  failureText,
  lifecycleCells,
  lifecycleHeaders,
  messageLink,
  renderBody,
  statusBadge,
  typeText,
  type CaseView,
  type InboxItem,
  type MessageLifecycle,
} from './view.ts';

export class OfficerMessage extends MxPage {
  static override properties = {
    ...MxPage.properties,
    item: { state: true },
    sent: { state: true },
    updates: { state: true },
    failure: { state: true },
  };
  declare item: InboxItem | undefined;
  declare sent: MessageLifecycle | undefined;
  declare updates: MessageLifecycle[] | undefined;
  declare failure: string | undefined;
  private loadedFor = '';

  constructor() {
    super();
    this.item = undefined;
    this.sent = undefined;
    this.updates = undefined;
    this.failure = undefined;
  }

  protected override willUpdate(): void {
    const id = this.params.id ?? '';
    if (id !== this.loadedFor) {
      this.loadedFor = id;
      void this.load(id);
    }
  }

  private async load(id: string): Promise<void> {
    this.item = undefined;
    this.sent = undefined;
    this.updates = undefined;
    this.failure = undefined;
    try {
      // The lifecycle first: it says whether the message was received (then opened, which is the
      // read) or sent here (no readable body), without a failing request in between.
      const lifecycle = await api<MessageLifecycle>(`/v1/messages/${encodeURIComponent(id)}`);
      if (lifecycle.direction === 'received') this.item = await api<InboxItem>(`/v1/inbox/${encodeURIComponent(id)}`);
      else this.sent = lifecycle;
      const caseRef = this.item?.caseRef ?? this.sent?.caseRef;
      if (caseRef && (this.item?.type ?? this.sent?.type) === 'victim-repatriation-notice') {
        const c = await api<CaseView>(`/v1/cases/${encodeURIComponent(caseRef)}?limit=200`);
        this.updates = c.messages.filter((m) => m.type === 'repatriation-status-update' && m.inReplyTo === id);
      }
    } catch (err) {
      this.failure = failureText(err);
    }
  }

  private header(m: { type: string; from: string; to: readonly string[]; caseRef?: string; issuedAt: string; inReplyTo?: string; status: string }, received?: string): TemplateResult {
    return html`<dl class="meta">
      <dt>${t('officer.message.from')}</dt><dd>${endpointText(m.from)}</dd>
      <dt>${t('officer.message.to')}</dt><dd>${m.to.map(endpointText).join(', ')}</dd>
      ${m.caseRef ? html`<dt>${t('officer.message.caseRef')}</dt><dd>${caseLink(m.caseRef)}</dd>` : nothing}
      <dt>${t('officer.message.issuedAt')}</dt><dd>${formatDateTime(m.issuedAt)}</dd>
      ${received ? html`<dt>${t('officer.message.receivedAt')}</dt><dd>${formatDateTime(received)}</dd>` : nothing}
      ${m.inReplyTo ? html`<dt>${t('officer.message.inReplyTo')}</dt><dd>${messageLink(m.inReplyTo, t('officer.message.original'))}</dd>` : nothing}
      <dt>${t('officer.message.status')}</dt><dd id="message-status">${statusBadge(m.status)}</dd>
    </dl>`;
  }

  private statusUpdates(): TemplateResult | typeof nothing {
    if (this.updates === undefined) return nothing;
    return html`<section>
      <h2>${t('officer.message.updates')}</h2>
      ${this.updates.length === 0
        ? html`<p>${t('officer.message.noUpdates')}</p>`
        : html`<ul id="status-updates">${this.updates.map((u) => html`<li>${messageLink(u.id, formatDateTime(u.issuedAt))} · ${endpointText(u.from)} · ${u.direction === 'sent' ? t('officer.case.sent') : t('officer.case.received')} · ${statusBadge(u.status)}</li>`)}</ul>`}
    </section>`;
  }

  override render(): TemplateResult {
    const id = this.params.id ?? '';
    if (this.failure) return html`<h1 tabindex="-1">${t('officer.message.title')}</h1><p class="error" role="alert">${this.failure}</p>`;
    if (this.item) {
      const i = this.item;
      const body = (i.document as { body?: Record<string, unknown> }).body ?? {};
      return html`<h1 tabindex="-1">${typeText(i.type)}</h1>
        ${this.header(i, i.receivedAt)}
        ${i.type === 'victim-repatriation-notice'
          ? html`<p class="actions"><a class="button primary" id="answer" href=${link('/message/:id/respond', { id })}>${t('officer.message.answer')}</a></p>`
          : nothing}
        <div id="notice-body">${renderBody(i.type, body)}</div>
        ${this.statusUpdates()}`;
    }
    if (this.sent) {
      const m = this.sent;
      return html`<h1 tabindex="-1">${typeText(m.type)}</h1>
        ${this.header(m)}
        <p class="muted">${t('officer.message.sentNoBody')}</p>
        <table>
          <caption>${t('officer.message.recipients')}</caption>
          <thead><tr><th scope="col">${t('officer.case.recipient')}</th>${lifecycleHeaders()}</tr></thead>
          <tbody>${m.recipients.map((r) => html`<tr data-recipient=${r.endpoint}><th scope="row">${endpointText(r.endpoint)}</th>${lifecycleCells(r)}</tr>`)}</tbody>
        </table>
        ${this.statusUpdates()}`;
    }
    return html`<h1 tabindex="-1">${t('officer.message.title')}</h1><p role="status">${t('common.loading')}</p>`;
  }
}

customElements.define('mx-officer-message', OfficerMessage);
