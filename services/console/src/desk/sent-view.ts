/**
 * An alert this desk issued: per recipient, published, delivered, read, answered, and how timely it
 * reached them. Lifecycle only: the gateway keeps no readable copy of what it sent.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { api, ProblemError } from '../shared/api.ts';
import { formatDate, formatDateTime, problemText, t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import { link } from '../shared/router.ts';
import { notFound } from './alert-view.ts';
import { cameLate, untilOrSince } from './time.ts';
import { DESK_TYPES, type AlertTimeliness, type MessageLifecycle, type RecipientLifecycle } from './types.ts';

export class DeskSentView extends MxPage {
  static override properties = { ...MxPage.properties, message: { state: true }, state: { state: true }, error: { state: true } };
  declare message: MessageLifecycle | undefined;
  declare state: 'loading' | 'ready' | 'not-found' | 'failed';
  declare error: string | undefined;
  private loadedFor: string | undefined;

  constructor() {
    super();
    this.message = undefined;
    this.state = 'loading';
    this.error = undefined;
  }

  protected override willUpdate(): void {
    const id = this.params.id;
    if (id !== undefined && id !== this.loadedFor) {
      this.loadedFor = id;
      void this.load(id);
    }
  }

  private async load(id: string): Promise<void> {
    this.state = 'loading';
    try {
      const m = await api<MessageLifecycle>(`/v1/messages/${encodeURIComponent(id)}`);
      if (id !== this.loadedFor) return;
      this.message = m;
      this.state = m.direction === 'sent' && DESK_TYPES.includes(m.type) ? 'ready' : 'not-found';
    } catch (err) {
      if (id !== this.loadedFor) return;
      if (err instanceof ProblemError && (err.status === 404 || err.status === 400)) this.state = 'not-found';
      else {
        this.error = err instanceof ProblemError ? problemText(err.code) : t('desk.error.load');
        this.state = 'failed';
      }
    }
  }

  private recipient(r: RecipientLifecycle): TemplateResult {
    const a = r.alert as AlertTimeliness | undefined;
    const now = Date.now();
    const state = r.rejected ? 'rejected' : r.responded ? 'responded' : r.read ? 'read' : r.delivered ? 'delivered' : r.published ? 'published' : 'pending';
    return html`<tr>
      <th scope="row">${t(`common.endpoint.${r.endpoint}`)}</th>
      <td>${t(`common.status.${state}`)}${r.overdue ? html` <span class="badge warn">${t('common.status.overdue')}</span>` : nothing}</td>
      <td>${a ? html`${t(`common.timeliness.${a.timeliness}`)}${cameLate(a.timeliness) ? html` <span class="badge error">${t('desk.board.late')}</span>` : nothing}` : '—'}</td>
      <td>${a ? untilOrSince(a.arrivalAt, now) : '—'}</td>
      <td>${a?.escalated ? html`<span class="badge warn">${t('common.status.escalated')}</span>` : t('desk.no')}</td>
    </tr>`;
  }

  override render(): TemplateResult {
    if (this.state === 'not-found') return notFound();
    if (this.state === 'failed') return html`<h1 tabindex="-1">${t('desk.sent.title')}</h1><p class="error" role="alert">${this.error}</p>`;
    const m = this.message;
    if (this.state === 'loading' || !m) return html`<h1 tabindex="-1">${t('desk.sent.title')}</h1><p role="status">${t('common.loading')}</p>`;
    const a = m.recipients.find((r) => r.alert)?.alert;
    return html`<p><a href=${link('/alerts')}>${t('desk.back')}</a></p>
      <h1 tabindex="-1">${t('desk.sent.title')}</h1>
      <dl class="desk-dl">
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
      </table>`;
  }
}

customElements.define('mx-desk-sent', DeskSentView);
