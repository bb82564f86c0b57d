/**
 * The alert board: every offender travel alert this desk received, soonest arrival first, with the
 * time left before arrival and departure, how timely it reached the desk, whether it was escalated
 * and answered. Only metadata is listed (opening an alert is an audited read, so the board never
 * fetches a body); arrivals, escalations and answers come in live from the inbox event stream.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { api, ProblemError } from '../shared/api.ts';
import { openEventStream, type EventStream, type StreamEvent } from '../shared/events.ts';
import { formatDate, formatDateTime, problemText, t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import { link } from '../shared/router.ts';
import { cameLate, untilOrSince } from './time.ts';
import { listInbox } from './lookup.ts';
import { DESK_TYPES, type AlertTimeliness, type InboxEvent, type InboxSummary, type MessageLifecycle } from './types.ts';

/** The time-left columns are re-rendered this often. */
const TICK_MS = 30_000;

export class DeskBoard extends MxPage {
  static override properties = { ...MxPage.properties, items: { state: true }, answers: { state: true }, error: { state: true }, announcement: { state: true }, live: { state: true }, now: { state: true } };
  declare items: InboxSummary[] | undefined;
  /** Alert responses received: answers to alerts this desk issued, newest first. */
  declare answers: InboxSummary[];
  declare error: string | undefined;
  /** The last live event announced, kept as a key so it follows a language change. */
  declare announcement: { key: string; from: string } | undefined;
  declare live: boolean;
  declare now: number;
  private readonly timeliness = new Map<string, AlertTimeliness | undefined>();
  private stream?: EventStream;
  private ticker?: ReturnType<typeof setInterval>;
  private reloading?: Promise<void>;
  private reloadAgain = false;

  constructor() {
    super();
    this.items = undefined;
    this.answers = [];
    this.error = undefined;
    this.announcement = undefined;
    this.live = false;
    this.now = Date.now();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
    this.stream = openEventStream('/v1/inbox/events', (e) => this.onEvent(e), (connected) => (this.live = connected));
    this.ticker = setInterval(() => (this.now = Date.now()), TICK_MS);
  }

  override disconnectedCallback(): void {
    this.stream?.close();
    clearInterval(this.ticker);
    super.disconnectedCallback();
  }

  private onEvent(e: StreamEvent): void {
    const ev = e.data as Partial<InboxEvent>;
    // The API never sends the desk another type; this keeps it so if it ever did.
    if (!ev || typeof ev !== 'object' || !DESK_TYPES.includes(String(ev.type))) return;
    if (ev.messageId) this.timeliness.delete(ev.messageId);
    const from = String(ev.counterpart);
    if (ev.kind === 'arrival' && ev.type === 'offender-travel-alert') this.announcement = { key: 'desk.live.arrival', from };
    else if (ev.kind === 'escalation') this.announcement = { key: 'desk.live.escalation', from };
    else if (ev.kind === 'arrival' && ev.type === 'offender-alert-response') this.announcement = { key: 'desk.live.response', from };
    void this.reload();
  }

  /** One reload at a time; events arriving meanwhile cause exactly one more. */
  private async reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        await this.load();
      } while (this.reloadAgain);
    })().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async load(): Promise<void> {
    try {
      const all = await listInbox();
      const items = all.filter((i) => i.type === 'offender-travel-alert');
      const answers = all.filter((i) => i.type === 'offender-alert-response').sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
      // Timeliness is on the message's lifecycle, not on the inbox summary.
      await Promise.all(
        items
          .filter((i) => !this.timeliness.has(i.id))
          .map(async (i) => {
            const m = await api<MessageLifecycle>(`/v1/messages/${encodeURIComponent(i.id)}`).catch(() => undefined);
            this.timeliness.set(i.id, m?.recipients[0]?.alert as AlertTimeliness | undefined);
          }),
      );
      items.sort((a, b) => (a.alert?.arrivalAt ?? '').localeCompare(b.alert?.arrivalAt ?? '') || a.receivedAt.localeCompare(b.receivedAt));
      this.items = items;
      this.answers = answers;
      this.error = undefined;
      this.now = Date.now();
    } catch (err) {
      this.error = err instanceof ProblemError ? problemText(err.code) : t('desk.error.load');
    }
  }

  private row(i: InboxSummary): TemplateResult {
    const a = i.alert;
    const tl = this.timeliness.get(i.id);
    const late = cameLate(tl?.timeliness);
    const escalated = a?.escalated ?? false;
    const responded = i.status === 'responded';
    return html`<tr class=${late ? 'desk-late' : ''}>
      <td>${a ? formatDate(a.arrivalAt) : '—'}</td>
      <td>${a ? untilOrSince(a.arrivalAt, this.now) : '—'}</td>
      <td>${a?.departureAt ? untilOrSince(a.departureAt, this.now) : html`<span class="muted">${t('desk.board.noDeparture')}</span>`}</td>
      <td>${t(`common.endpoint.${i.from}`)}</td>
      <td>
        ${tl ? t(`common.timeliness.${tl.timeliness}`) : '—'}
        ${late ? html` <span class="badge error">${t('desk.board.late')}</span>` : nothing}
      </td>
      <td>${escalated ? html`<span class="badge warn">${t('common.status.escalated')}</span>` : t('desk.no')}</td>
      <td>${responded ? html`<span class="ok">${t('common.status.responded')}</span>` : t('desk.board.unanswered')}</td>
      <td><a href=${link('/alerts/:id', { id: i.id })}>${t('desk.board.open')}<span class="desk-sr">: ${t('desk.board.openLabel', { date: a ? formatDate(a.arrivalAt) : '', from: t(`common.endpoint.${i.from}`), received: formatDateTime(i.receivedAt) })}</span></a></td>
    </tr>`;
  }

  private answersTable(): TemplateResult {
    return html`<section aria-labelledby="desk-answers-h">
      <h2 id="desk-answers-h">${t('desk.answers.title')}</h2>
      ${this.answers.length === 0
        ? html`<p>${t('desk.answers.empty')}</p>`
        : html`<table id="desk-answers">
            <caption class="desk-sr">${t('desk.answers.title')}</caption>
            <thead><tr>
              <th scope="col">${t('desk.alert.received')}</th>
              <th scope="col">${t('desk.board.from')}</th>
              <th scope="col">${t('desk.sent.status')}</th>
              <th scope="col"><span class="desk-sr">${t('desk.board.actions')}</span></th>
            </tr></thead>
            <tbody>${this.answers.map(
              (a) => html`<tr>
                <td>${formatDateTime(a.receivedAt)}</td>
                <td>${t(`common.endpoint.${a.from}`)}</td>
                <td>${a.status === 'unread' ? t('common.status.new') : t('common.status.read')}</td>
                <td><a href=${link('/alerts/:id', { id: a.id })}>${t('desk.board.open')}<span class="desk-sr">: ${t('desk.answers.openLabel', { from: t(`common.endpoint.${a.from}`), received: formatDateTime(a.receivedAt) })}</span></a></td>
              </tr>`,
            )}</tbody>
          </table>`}
    </section>`;
  }

  override render(): TemplateResult {
    return html`<h1 tabindex="-1">${t('desk.board.title')}</h1>
      <p class="muted">${t('desk.board.intro')}</p>
      <p class="desk-live" role="status" aria-live="polite" aria-atomic="true" id="desk-live">${this.announcement ? t(this.announcement.key, { from: t(`common.endpoint.${this.announcement.from}`) }) : nothing}</p>
      <p class="muted">${this.live ? t('desk.live.connected') : t('desk.live.disconnected')}</p>
      ${this.error ? html`<p class="error" role="alert">${this.error} <button @click=${() => void this.reload()}>${t('common.retry')}</button></p>` : nothing}
      ${this.items === undefined
        ? html`<p>${t('common.loading')}</p>`
        : this.items.length === 0
          ? html`<p id="desk-empty">${t('desk.board.empty')}</p>`
          : html`<table id="desk-board">
              <caption class="desk-sr">${t('desk.board.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">${t('desk.board.arrival')}</th>
                  <th scope="col">${t('desk.board.beforeArrival')}</th>
                  <th scope="col">${t('desk.board.beforeDeparture')}</th>
                  <th scope="col">${t('desk.board.from')}</th>
                  <th scope="col">${t('desk.board.timeliness')}</th>
                  <th scope="col">${t('desk.board.escalated')}</th>
                  <th scope="col">${t('desk.board.responded')}</th>
                  <th scope="col"><span class="desk-sr">${t('desk.board.actions')}</span></th>
                </tr>
              </thead>
              <tbody>${this.items.map((i) => this.row(i))}</tbody>
            </table>`}
      ${this.answersTable()}`;
  }
}

customElements.define('mx-desk-board', DeskBoard);
