/**
 * `#/case/<caseRef>`: every message of a case this endpoint sent or received, in order, and per
 * recipient whether it was published, delivered, read, answered, or is overdue. Updated live:
 * any event naming the case reloads it (and a slow refresh catches `overdue`, which no event
 * announces). `#/case` opens a case by its reference.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { api } from '../shared/api.ts';
import { openEventStream, type EventStream } from '../shared/events.ts';
import { formatDateTime, t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import { navigate } from '../shared/router.ts';
import './officer.css';
import {
  endpointText,
  failureText,
  lifecycleCells,
  lifecycleHeaders,
  messageLink,
  statusText,
  typeText,
  type CaseView,
  type InboxEvent,
  type MessageLifecycle,
} from './view.ts';

const CASE_REF = /^(?:[A-Z]{2}|INTERPOL)-[0-9]{4}-[0-9]{6}$/;
const REFRESH_MS = 60_000;
const MAX_PAGES = 25;

export class OfficerCase extends MxPage {
  static override properties = {
    ...MxPage.properties,
    view: { state: true },
    messages: { state: true },
    failure: { state: true },
    announcement: { state: true },
    lookup: { state: true },
  };
  declare view: CaseView | undefined;
  declare messages: MessageLifecycle[];
  declare failure: string | undefined;
  declare announcement: string;
  declare lookup: string;
  private stream?: EventStream;
  private timer?: ReturnType<typeof setInterval>;
  private loadedFor = '';
  private loading = 0;

  constructor() {
    super();
    this.view = undefined;
    this.messages = [];
    this.failure = undefined;
    this.announcement = '';
    this.lookup = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.stream = openEventStream(
      '/v1/inbox/events',
      (e) => this.onEvent(e.data as InboxEvent),
      (up) => up && void this.load(),
    );
    this.timer = setInterval(() => void this.load(), REFRESH_MS);
  }

  override disconnectedCallback(): void {
    this.stream?.close();
    clearInterval(this.timer);
    super.disconnectedCallback();
  }

  protected override willUpdate(): void {
    const ref = this.params.caseRef ?? '';
    if (ref !== this.loadedFor) {
      this.loadedFor = ref;
      this.view = undefined;
      this.messages = [];
      this.failure = undefined;
      void this.load();
    }
  }

  private onEvent(e: InboxEvent): void {
    if (!e || e.caseRef !== this.loadedFor) return;
    this.announcement = t('officer.case.changed', { type: typeText(e.type), endpoint: endpointText(e.counterpart), status: statusText(e.status) });
    void this.load();
  }

  private async load(): Promise<void> {
    const ref = this.loadedFor;
    if (!ref) return;
    const run = ++this.loading;
    try {
      const messages: MessageLifecycle[] = [];
      let view: CaseView | undefined;
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q = new URLSearchParams({ limit: '200' });
        if (cursor) q.set('cursor', cursor);
        const page: CaseView = await api<CaseView>(`/v1/cases/${encodeURIComponent(ref)}?${q}`);
        view ??= page;
        messages.push(...page.messages);
        cursor = page.nextCursor;
      } while (cursor && ++pages < MAX_PAGES);
      if (run !== this.loading || ref !== this.loadedFor) return;
      this.view = view;
      this.messages = messages;
      this.failure = undefined;
    } catch (err) {
      if (run === this.loading) this.failure = failureText(err);
    }
  }

  private lookupForm(): TemplateResult {
    const valid = CASE_REF.test(this.lookup.trim());
    return html`<form class="filters" @submit=${(e: Event) => { e.preventDefault(); if (valid) navigate('/case/:caseRef', { caseRef: this.lookup.trim() }); }}>
      <div class="field">
        <label for="case-lookup">${t('officer.case.lookup')}</label>
        <input id="case-lookup" type="text" autocomplete="off" spellcheck="false" maxlength="20" aria-describedby="case-lookup-help" .value=${this.lookup} @input=${(e: Event) => (this.lookup = (e.target as HTMLInputElement).value.toUpperCase())}>
        <p class="help" id="case-lookup-help">${t('officer.case.lookupHelp')}</p>
      </div>
      <button type="submit" ?disabled=${!valid}>${t('officer.case.open')}</button>
    </form>`;
  }

  private row(m: MessageLifecycle): TemplateResult[] {
    return m.recipients.map((r, i) => html`<tr data-message=${m.id} data-recipient=${r.endpoint} data-direction=${m.direction}>
      ${i === 0
        ? html`<td rowspan=${m.recipients.length}>${messageLink(m.id, formatDateTime(m.issuedAt))}</td>
            <td rowspan=${m.recipients.length}>${typeText(m.type)}</td>
            <td rowspan=${m.recipients.length}>${m.direction === 'sent' ? t('officer.case.sent') : t('officer.case.received')}</td>
            <td rowspan=${m.recipients.length}>${endpointText(m.from)}</td>`
        : nothing}
      <th scope="row">${endpointText(r.endpoint)}</th>
      ${lifecycleCells(r)}
    </tr>`);
  }

  override render(): TemplateResult {
    const ref = this.params.caseRef;
    if (!ref) return html`<h1 tabindex="-1">${t('officer.case.lookupTitle')}</h1>${this.lookupForm()}`;
    return html`<h1 tabindex="-1">${t('officer.case.title', { caseRef: ref })}</h1>
      <p class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" id="case-announce">${this.announcement}</p>
      ${this.failure ? html`<p class="error" role="alert">${this.failure}</p>` : nothing}
      ${this.view
        ? html`<p>${t('officer.case.parties')}: ${this.view.parties.map(endpointText).join(', ')}</p>
            ${this.messages.length === 0
              ? html`<p>${t('officer.case.empty')}</p>`
              : html`<table id="case-timeline">
                  <caption>${t('officer.case.timeline')}</caption>
                  <thead><tr>
                    <th scope="col">${t('officer.message.issuedAt')}</th>
                    <th scope="col">${t('officer.inbox.type')}</th>
                    <th scope="col">${t('officer.case.direction')}</th>
                    <th scope="col">${t('officer.message.from')}</th>
                    <th scope="col">${t('officer.case.recipient')}</th>
                    ${lifecycleHeaders()}
                  </tr></thead>
                  <tbody>${this.messages.flatMap((m) => this.row(m))}</tbody>
                </table>`}`
        : this.failure
          ? nothing
          : html`<p>${t('common.loading')}</p>`}`;
  }
}

customElements.define('mx-officer-case', OfficerCase);
