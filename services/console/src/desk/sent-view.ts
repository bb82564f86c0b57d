/**
 * `<mx-desk-issued>`: the lifecycle of an alert this desk just issued, shown on the issue page:
 * per recipient, published, delivered, read, answered, and how timely it reached them, updated
 * live from the inbox event stream. Lifecycle only: the gateway keeps no readable copy of what it
 * sent. Not a route of its own: only ids the desk itself was given are ever requested.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { api, ProblemError } from '../shared/api.ts';
import { openEventStream, type EventStream } from '../shared/events.ts';
import { formatDate, formatDateTime, problemText, t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import { cameLate, untilOrSince } from './time.ts';
import type { AlertTimeliness, InboxEvent, MessageLifecycle, RecipientLifecycle } from './types.ts';

export class DeskIssued extends MxPage {
  static override properties = { ...MxPage.properties, messageId: { attribute: false }, message: { state: true }, error: { state: true } };
  declare messageId: string;
  declare message: MessageLifecycle | undefined;
  declare error: string | undefined;
  private stream?: EventStream;
  private loadedFor: string | undefined;

  constructor() {
    super();
    this.messageId = '';
    this.message = undefined;
    this.error = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.stream = openEventStream('/v1/inbox/events', (e) => {
      if ((e.data as Partial<InboxEvent> | null)?.messageId === this.messageId) void this.load();
    });
  }

  override disconnectedCallback(): void {
    this.stream?.close();
    super.disconnectedCallback();
  }

  protected override willUpdate(): void {
    if (this.messageId && this.messageId !== this.loadedFor) {
      this.loadedFor = this.messageId;
      this.message = undefined;
      void this.load();
    }
  }

  private async load(): Promise<void> {
    const id = this.messageId;
    try {
      const m = await api<MessageLifecycle>(`/v1/messages/${encodeURIComponent(id)}`);
      if (id === this.messageId) {
        this.message = m;
        this.error = undefined;
      }
    } catch (err) {
      this.error = err instanceof ProblemError ? problemText(err.code) : t('desk.error.load');
    }
  }

  private recipient(r: RecipientLifecycle): TemplateResult {
    const a = r.alert as AlertTimeliness | undefined;
    const state = r.rejected ? 'rejected' : r.responded ? 'responded' : r.read ? 'read' : r.delivered ? 'delivered' : r.published ? 'published' : 'pending';
    return html`<tr>
      <th scope="row">${t(`common.endpoint.${r.endpoint}`)}</th>
      <td data-status=${state}>${t(`common.status.${state}`)}${r.overdue ? html` <span class="badge warn">${t('common.status.overdue')}</span>` : nothing}</td>
      <td>${a ? html`${t(`common.timeliness.${a.timeliness}`)}${cameLate(a.timeliness) ? html` <span class="badge error">${t('desk.board.late')}</span>` : nothing}` : '—'}</td>
      <td>${a ? untilOrSince(a.arrivalAt, Date.now()) : '—'}</td>
      <td>${a?.escalated ? html`<span class="badge warn">${t('common.status.escalated')}</span>` : t('desk.no')}</td>
    </tr>`;
  }

  override render(): TemplateResult {
    const m = this.message;
    const a = m?.recipients.find((r) => r.alert)?.alert;
    return html`<section aria-labelledby="desk-issued-h">
      <h2 id="desk-issued-h" tabindex="-1">${t('desk.sent.title')}</h2>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${!m
        ? html`<p role="status">${t('common.loading')}</p>`
        : html`<dl class="desk-dl">
              <dt>${t('desk.sent.issued')}</dt><dd>${formatDateTime(m.issuedAt)}</dd>
              ${a ? html`<dt>${t('desk.board.arrival')}</dt><dd>${formatDate(a.arrivalAt)}</dd>` : nothing}
            </dl>
            <table id="desk-recipients">
              <caption>${t('desk.sent.recipients')}</caption>
              <thead><tr>
                <th scope="col">${t('desk.sent.recipient')}</th>
                <th scope="col">${t('desk.sent.status')}</th>
                <th scope="col">${t('desk.board.timeliness')}</th>
                <th scope="col">${t('desk.board.beforeArrival')}</th>
                <th scope="col">${t('desk.board.escalated')}</th>
              </tr></thead>
              <tbody>${m.recipients.map((r) => this.recipient(r))}</tbody>
            </table>`}
    </section>`;
  }
}

customElements.define('mx-desk-issued', DeskIssued);
