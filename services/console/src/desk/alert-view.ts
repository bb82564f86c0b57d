/**
 * One alert as received: subject, travel, convictions, source and the action requested, how timely
 * it reached the desk, and the desk's own responses. Opening it is an audited read (the sender gets
 * a read receipt). Whatever is not an offender alert or alert response (a victim notice's id typed
 * into the address bar, a random id) is the not-found page: the API answers 404 for victim types at
 * the desk, and the page itself refuses to render any other type.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { api, ProblemError } from '../shared/api.ts';
import { formatDate, formatDateTime, problemText, t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import { link } from '../shared/router.ts';
import { country, enumText } from './labels.ts';
import { cameLate, untilOrSince } from './time.ts';
import { findReceived } from './lookup.ts';
import './sent-view.ts';
import { DESK_TYPES, type AlertTimeliness, type InboxItem, type MessageLifecycle, type MultilingualName, type OffenderAlertResponse, type OffenderTravelAlert } from './types.ts';

/** The not-found page, the same words as the shell's for an unknown route. */
export function notFound(): TemplateResult {
  return html`<h1 tabindex="-1">${t('common.notFound.title')}</h1>
    <p>${t('common.notFound.body')}</p>
    <p><a href=${link('/alerts')}>${t('desk.back')}</a></p>`;
}

export function names(list: readonly MultilingualName[]): TemplateResult {
  return html`<ul class="desk-names">
    ${list.map((n) => html`<li><span lang=${n.lang}>${n.value}</span> <span class="muted">(${n.lang})</span></li>`)}
  </ul>`;
}

/** Field names are the issue and response forms' labels, so the page and the forms say the same. */
const alertLabel = (path: string): string => t(`desk.form.offender-travel-alert.${path}`);
const responseLabel = (path: string): string => t(`desk.form.offender-alert-response.${path}`);

function row(label: string, value: unknown): TemplateResult | typeof nothing {
  if (value === undefined || value === '' || value === nothing) return nothing;
  return html`<dt>${label}</dt><dd>${value}</dd>`;
}

export class DeskAlertView extends MxPage {
  static override properties = { ...MxPage.properties, item: { state: true }, lifecycle: { state: true }, responses: { state: true }, state: { state: true }, error: { state: true } };
  declare item: InboxItem | undefined;
  declare lifecycle: MessageLifecycle | undefined;
  declare responses: MessageLifecycle[];
  declare state: 'loading' | 'ready' | 'not-found' | 'failed';
  declare error: string | undefined;
  private loadedFor: string | undefined;

  constructor() {
    super();
    this.item = undefined;
    this.lifecycle = undefined;
    this.responses = [];
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
      const summary = await findReceived(id);
      if (id !== this.loadedFor) return;
      if (!summary || !DESK_TYPES.includes(summary.type)) {
        this.item = undefined;
        this.state = 'not-found';
        return;
      }
      const item = await api<InboxItem>(`/v1/inbox/${encodeURIComponent(id)}`);
      if (id !== this.loadedFor) return;
      if (!DESK_TYPES.includes(item.type)) {
        this.item = undefined;
        this.state = 'not-found';
        return;
      }
      this.item = item;
      const [lifecycle, ...responses] = await Promise.all(
        [id, ...item.responseIds].map((m) => api<MessageLifecycle>(`/v1/messages/${encodeURIComponent(m)}`).catch(() => undefined)),
      );
      if (id !== this.loadedFor) return;
      this.lifecycle = lifecycle;
      this.responses = responses.filter((r): r is MessageLifecycle => r !== undefined);
      this.state = 'ready';
    } catch (err) {
      if (id !== this.loadedFor) return;
      if (err instanceof ProblemError && err.status === 404) this.state = 'not-found';
      else {
        this.error = err instanceof ProblemError ? problemText(err.code) : t('desk.error.load');
        this.state = 'failed';
      }
    }
  }

  private alertBody(item: InboxItem, body: OffenderTravelAlert): TemplateResult {
    const tl = this.lifecycle?.recipients[0]?.alert as AlertTimeliness | undefined;
    const now = Date.now();
    const s = body.subject;
    const tr = body.travel;
    return html`<h1 tabindex="-1">${t('desk.alert.title', { from: t(`common.endpoint.${item.from}`) })}</h1>
      <section aria-labelledby="desk-h-status">
        <h2 id="desk-h-status">${t('desk.alert.status')}</h2>
        <dl class="desk-dl">
          ${row(t('desk.alert.received'), formatDateTime(item.receivedAt))}
          ${row(t('desk.board.arrival'), item.alert ? html`${formatDate(item.alert.arrivalAt)} (${untilOrSince(item.alert.arrivalAt, now)})` : undefined)}
          ${row(t('desk.alert.departure'), item.alert?.departureAt ? html`${formatDate(Date.parse(item.alert.departureAt) - 1)} (${untilOrSince(item.alert.departureAt, now)})` : undefined)}
          ${row(t('desk.board.timeliness'), tl ? html`${t(`common.timeliness.${tl.timeliness}`)}${cameLate(tl.timeliness) ? html` <span class="badge error">${t('desk.board.late')}</span>` : nothing}` : undefined)}
          ${row(t('desk.board.escalated'), item.alert?.escalated ? html`<span class="badge warn">${t('common.status.escalated')}</span> ${item.alert.escalatedAt ? formatDateTime(item.alert.escalatedAt) : ''}` : t('desk.no'))}
          ${row(t('desk.board.responded'), item.status === 'responded' ? t('common.status.responded') : t('desk.board.unanswered'))}
        </dl>
        <p><a class="desk-button primary" id="desk-record" href=${link('/alerts/:id/respond', { id: item.id })}>${t('desk.alert.record')}</a></p>
      </section>
      <section aria-labelledby="desk-h-subject">
        <h2 id="desk-h-subject">${t('desk.alert.subject')}</h2>
        <dl class="desk-dl">
          ${row(alertLabel('subject.names'), names(s.names))}
          ${row(alertLabel('subject.sex'), s.sex ? enumText(s.sex) : undefined)}
          ${row(alertLabel('subject.dateOfBirth'), formatDate(s.dateOfBirth))}
          ${row(alertLabel('subject.nationalities'), s.nationalities.map((c) => country(c, true)).join(', '))}
          ${row(alertLabel('subject.passports'), s.passports.length ? html`<ul>${s.passports.map((p) => html`<li>${p.number} · ${country(p.issuingCountry, true)}${p.expiresOn ? html` · ${alertLabel('subject.passports.expiresOn')} ${formatDate(p.expiresOn)}` : nothing}</li>`)}</ul>` : t('desk.none'))}
        </dl>
      </section>
      <section aria-labelledby="desk-h-travel">
        <h2 id="desk-h-travel">${t('desk.alert.travel')}</h2>
        <dl class="desk-dl">
          ${row(alertLabel('travel.departureFrom'), [tr.departureFrom.city, country(tr.departureFrom.country)].filter(Boolean).join(', '))}
          ${row(alertLabel('travel.destination'), [tr.destination.city, country(tr.destination.country)].filter(Boolean).join(', '))}
          ${row(alertLabel('travel.arrivalDate'), formatDate(tr.arrivalDate))}
          ${row(alertLabel('travel.expectedDepartureDate'), tr.expectedDepartureDate ? formatDate(tr.expectedDepartureDate) : undefined)}
          ${row(alertLabel('travel.carrier'), tr.carrier)}
          ${row(alertLabel('travel.flightNumber'), tr.flightNumber)}
          ${row(alertLabel('travel.portOfEntry'), tr.portOfEntry ? `${tr.portOfEntry.name} (${enumText(tr.portOfEntry.kind)}${tr.portOfEntry.iata ? ` ${tr.portOfEntry.iata}` : ''})` : undefined)}
        </dl>
      </section>
      <section aria-labelledby="desk-h-convictions">
        <h2 id="desk-h-convictions">${t('desk.alert.convictions')}</h2>
        ${body.convictions.length
          ? html`<ul>${body.convictions.map((c) => html`<li>${c.offence} · ${country(c.country, true)}${c.date ? html` · ${formatDate(c.date)}` : nothing}</li>`)}</ul>`
          : html`<p>${t('desk.none')}</p>`}
      </section>
      <section aria-labelledby="desk-h-source">
        <h2 id="desk-h-source">${t('desk.alert.source')}</h2>
        <dl class="desk-dl">
          ${row(alertLabel('source.kind'), enumText(body.source.kind))}
          ${row(alertLabel('source.reference'), body.source.reference)}
          ${row(alertLabel('source.issuedBy'), body.source.issuedBy)}
          ${row(alertLabel('requestedAction'), html`<strong>${enumText(body.requestedAction)}</strong>`)}
          ${row(alertLabel('validUntil'), formatDateTime(body.validUntil))}
          ${row(alertLabel('note'), body.note)}
        </dl>
      </section>
      <section aria-labelledby="desk-h-responses">
        <h2 id="desk-h-responses">${t('desk.alert.responses')}</h2>
        ${this.responses.length
          ? html`<ul id="desk-responses">${this.responses.map((r) => html`<li>${formatDateTime(r.issuedAt)} · ${t(`common.status.${r.recipients[0]?.delivered ? 'delivered' : r.recipients[0]?.rejected ? 'rejected' : 'pending'}`)}${r.recipients[0]?.read ? html` · ${t('common.status.read')}` : nothing}</li>`)}</ul>`
          : html`<p>${t('desk.alert.noResponses')}</p>`}
      </section>`;
  }

  private responseBody(item: InboxItem, body: OffenderAlertResponse): TemplateResult {
    return html`<h1 tabindex="-1">${t('desk.response.title', { from: t(`common.endpoint.${item.from}`) })}</h1>
      <dl class="desk-dl">
        ${row(t('desk.alert.received'), formatDateTime(item.receivedAt))}
        ${row(responseLabel('action'), html`<strong>${enumText(body.action)}</strong>`)}
        ${row(responseLabel('at'), formatDateTime(body.at))}
        ${row(responseLabel('unit'), body.unit)}
        ${row(responseLabel('note'), body.note)}
      </dl>
      ${item.inReplyTo ? html`<mx-desk-issued .messageId=${item.inReplyTo}></mx-desk-issued>` : nothing}`;
  }

  override render(): TemplateResult {
    if (this.state === 'not-found') return notFound();
    if (this.state === 'failed') return html`<h1 tabindex="-1">${t('desk.alert.heading')}</h1><p class="error" role="alert">${this.error}</p>`;
    const item = this.item;
    if (this.state === 'loading' || !item) return html`<h1 tabindex="-1">${t('desk.alert.heading')}</h1><p role="status">${t('common.loading')}</p>`;
    const body = item.document.body as unknown;
    const content = item.type === 'offender-travel-alert' ? this.alertBody(item, body as OffenderTravelAlert) : this.responseBody(item, body as OffenderAlertResponse);
    return html`<p><a href=${link('/alerts')}>${t('desk.back')}</a></p>${content}`;
  }
}

customElements.define('mx-desk-alert', DeskAlertView);
