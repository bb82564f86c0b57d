/**
 * `#/inbox`: what arrived at this endpoint, newest first, filtered by type, status and case
 * reference. New arrivals come in live over the event stream and are announced in a polite live
 * region; the list is reloaded on every (re)connection so nothing committed meanwhile is missed.
 * The case filter stays in the page: nothing the officer types goes into a URL.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { api } from '../shared/api.ts';
import { openEventStream, type EventStream } from '../shared/events.ts';
import { formatDateTime, t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import './officer.css';
import { caseLink, endpointText, failureText, messageLink, statusBadge, statusText, typeText, type InboxEvent, type InboxSummary, type Schemas } from './view.ts';

const TYPES = ['victim-repatriation-notice', 'repatriation-status-update', 'offender-travel-alert', 'offender-alert-response'] as const;
const STATUSES = ['unread', 'read', 'responded'] as const;
/** At most this many pages of 200 are loaded; the oldest beyond are reached with the filters. */
const MAX_PAGES = 10;

export class OfficerInbox extends MxPage {
  static override properties = {
    ...MxPage.properties,
    items: { state: true },
    failure: { state: true },
    announcement: { state: true },
    connected: { state: true },
    type: { state: true },
    status: { state: true },
    caseRef: { state: true },
    truncated: { state: true },
  };
  declare items: InboxSummary[] | undefined;
  declare failure: string | undefined;
  declare announcement: string;
  declare connected: boolean;
  declare type: string;
  declare status: string;
  declare caseRef: string;
  declare truncated: boolean;
  private stream?: EventStream;
  private loading = 0;

  constructor() {
    super();
    this.items = undefined;
    this.failure = undefined;
    this.announcement = '';
    this.connected = false;
    this.type = '';
    this.status = '';
    this.caseRef = '';
    this.truncated = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
    this.stream = openEventStream(
      '/v1/inbox/events',
      (e) => this.onEvent(e.event, e.data as InboxEvent),
      (up) => {
        if (up && !this.connected) void this.load();
        this.connected = up;
      },
    );
  }

  override disconnectedCallback(): void {
    this.stream?.close();
    super.disconnectedCallback();
  }

  private onEvent(kind: string, e: InboxEvent): void {
    if (kind !== 'arrival') return;
    this.announcement = t('officer.inbox.arrived', { type: typeText(e.type), from: endpointText(e.counterpart), caseRef: e.caseRef ?? '—' });
    void this.load();
  }

  private async load(): Promise<void> {
    const run = ++this.loading;
    try {
      const items: InboxSummary[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q = new URLSearchParams({ limit: '200' });
        if (this.type) q.set('type', this.type);
        if (this.status) q.set('status', this.status);
        if (cursor) q.set('cursor', cursor);
        const page: Schemas['InboxPage'] = await api<Schemas['InboxPage']>(`/v1/inbox?${q}`);
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && ++pages < MAX_PAGES);
      // A later load (new filter, new arrival) supersedes this one.
      if (run !== this.loading) return;
      this.truncated = cursor !== null;
      this.items = items.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt) || b.id.localeCompare(a.id));
      this.failure = undefined;
    } catch (err) {
      if (run === this.loading) this.failure = failureText(err);
    }
  }

  private shown(): InboxSummary[] {
    const ref = this.caseRef.trim().toUpperCase();
    return (this.items ?? []).filter((i) => !ref || (i.caseRef ?? '').includes(ref));
  }

  private filters(): TemplateResult {
    return html`<form class="filters" role="search" aria-label=${t('officer.inbox.filters')} @submit=${(e: Event) => e.preventDefault()}>
      <div class="field">
        <label for="inbox-type">${t('officer.inbox.type')}</label>
        <select id="inbox-type" @change=${(e: Event) => { this.type = (e.target as HTMLSelectElement).value; void this.load(); }}>
          <option value="" ?selected=${this.type === ''}>${t('officer.inbox.all')}</option>
          ${TYPES.map((ty) => html`<option value=${ty} ?selected=${this.type === ty}>${typeText(ty)}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="inbox-status">${t('officer.inbox.status')}</label>
        <select id="inbox-status" @change=${(e: Event) => { this.status = (e.target as HTMLSelectElement).value; void this.load(); }}>
          <option value="" ?selected=${this.status === ''}>${t('officer.inbox.all')}</option>
          ${STATUSES.map((s) => html`<option value=${s} ?selected=${this.status === s}>${statusText(s)}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="inbox-case">${t('officer.inbox.caseRef')}</label>
        <input id="inbox-case" type="search" autocomplete="off" spellcheck="false" maxlength="20" .value=${this.caseRef} @input=${(e: Event) => (this.caseRef = (e.target as HTMLInputElement).value)}>
      </div>
    </form>`;
  }

  override render(): TemplateResult {
    const shown = this.shown();
    return html`<h1 tabindex="-1">${t('officer.inbox.title')}</h1>
      <p class="muted" id="inbox-live-state">${this.connected ? t('officer.live.on') : t('officer.live.off')}</p>
      <p class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" id="inbox-announce">${this.announcement}</p>
      ${this.filters()}
      ${this.failure ? html`<p class="error" role="alert">${this.failure}</p>` : nothing}
      ${this.items === undefined
        ? html`<p>${t('common.loading')}</p>`
        : shown.length === 0
          ? html`<p>${t('officer.inbox.empty')}</p>`
          : html`<table id="inbox-table">
              <caption class="visually-hidden">${t('officer.inbox.title')}</caption>
              <thead><tr>
                <th scope="col">${t('officer.inbox.received')}</th>
                <th scope="col">${t('officer.inbox.type')}</th>
                <th scope="col">${t('officer.inbox.from')}</th>
                <th scope="col">${t('officer.inbox.caseRef')}</th>
                <th scope="col">${t('officer.inbox.status')}</th>
              </tr></thead>
              <tbody>${shown.map((i) => html`<tr data-message=${i.id} class=${i.status === 'unread' ? 'unread' : ''}>
                <td>${messageLink(i.id, formatDateTime(i.receivedAt))}</td>
                <td>${typeText(i.type)}</td>
                <td>${endpointText(i.from)}</td>
                <td>${caseLink(i.caseRef)}</td>
                <td>${statusBadge(i.status)}</td>
              </tr>`)}</tbody>
            </table>`}
      ${this.truncated ? html`<p class="muted">${t('officer.inbox.truncated')}</p>` : nothing}`;
  }
}

customElements.define('mx-officer-inbox', OfficerInbox);
