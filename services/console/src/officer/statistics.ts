/**
 * `#/statistics`: this endpoint's aggregate figures per month (`GET /v1/statistics?format=csv`), for
 * analysts and auditors. Only cells of 5 or more are listed; the others are counted, not shown, since
 * the API already replaced them by "<5". The CSV is offered as a Blob download so that no figure ever
 * travels in a page URL.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { apiText, ProblemError } from '../shared/api.ts';
import { has, problemText, t } from '../shared/i18n.ts';
import { MxPage } from '../shared/page.ts';
import './officer.css';
import { endpointText, failureText } from './view.ts';

const SECTIONS = ['victim-notices', 'repatriation-steps', 'alert-timeliness', 'response-times'] as const;
/** The columns each section uses, besides `section`; the CSV leaves the others empty. */
const COLUMNS: Record<(typeof SECTIONS)[number], readonly string[]> = {
  'victim-notices': ['month', 'direction', 'age_band', 'sex', 'exploitation', 'crossing', 'count'],
  'repatriation-steps': ['month', 'direction', 'step', 'count', 'median_hours', 'p90_hours'],
  'alert-timeliness': ['month', 'direction', 'counterpart', 'timeliness', 'count'],
  'response-times': ['month', 'direction', 'type', 'count', 'median_hours', 'p90_hours'],
};

type Row = Record<string, string>;

/** RFC 4180 as the gateway writes it: every value is a closed-set word or a number, quoted only if needed. */
function parseCsv(text: string): Row[] {
  const lines: string[][] = [];
  let field = '';
  let line: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') line.push(field), (field = '');
    else if (c === '\n') line.push(field.replace(/\r$/, '')), lines.push(line), (line = []), (field = '');
    else field += c;
  }
  if (field || line.length) line.push(field), lines.push(line);
  const [header, ...rest] = lines;
  if (!header) return [];
  return rest.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])));
}

function valueText(column: string, value: string): string {
  if (value === '') return '—';
  if (column === 'counterpart') return endpointText(value);
  if (column === 'type' && has(`common.type.${value}`)) return t(`common.type.${value}`);
  if (column === 'timeliness' && has(`common.timeliness.${value}`)) return t(`common.timeliness.${value}`);
  if (column === 'direction' || column === 'age_band') return has(`officer.statistics.${column}.${value}`) ? t(`officer.statistics.${column}.${value}`) : value;
  if (['sex', 'exploitation', 'crossing', 'step'].includes(column) && has(`officer.enum.${value}`)) return t(`officer.enum.${value}`);
  if (value === 'suppressed') return t('officer.statistics.suppressedValue');
  return value;
}

export class OfficerStatistics extends MxPage {
  static override properties = {
    ...MxPage.properties,
    csv: { state: true },
    failure: { state: true },
    fieldErrors: { state: true },
    from: { state: true },
    to: { state: true },
  };
  declare csv: string | undefined;
  declare failure: string | undefined;
  declare fieldErrors: Record<string, string>;
  declare from: string;
  declare to: string;
  private loading = 0;
  private downloadUrl?: string;

  constructor() {
    super();
    this.csv = undefined;
    this.failure = undefined;
    this.fieldErrors = {};
    this.from = '';
    this.to = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  override disconnectedCallback(): void {
    if (this.downloadUrl) URL.revokeObjectURL(this.downloadUrl);
    super.disconnectedCallback();
  }

  private async load(): Promise<void> {
    const run = ++this.loading;
    const q = new URLSearchParams({ format: 'csv' });
    if (this.from) q.set('from', this.from);
    if (this.to) q.set('to', this.to);
    try {
      const csv = await apiText(`/v1/statistics?${q}`);
      if (run !== this.loading) return;
      this.csv = csv;
      this.failure = undefined;
      this.fieldErrors = {};
    } catch (err) {
      if (run !== this.loading) return;
      // Figures of another range beside the error would be read as the ones asked for.
      this.csv = undefined;
      this.failure = failureText(err);
      const fields: Record<string, string> = {};
      if (err instanceof ProblemError)
        for (const e of err.errors) {
          // The field codes (`format`, `range`) are the API's; the catalogue speaks of the problem code.
          fields[e.path.replace(/^\//, '')] = problemText(err.code);
        }
      this.fieldErrors = fields;
      // Said beside its field already.
      if (Object.keys(fields).length > 0) this.failure = undefined;
    }
  }

  private download(): void {
    if (!this.csv) return;
    if (this.downloadUrl) URL.revokeObjectURL(this.downloadUrl);
    this.downloadUrl = URL.createObjectURL(new Blob([this.csv], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = this.downloadUrl;
    a.download = 'statistics.csv';
    a.click();
  }

  private monthField(name: 'from' | 'to'): TemplateResult {
    const error = this.fieldErrors[name];
    return html`<div class="field">
      <label for="statistics-${name}">${t(`officer.statistics.${name}`)}</label>
      <input id="statistics-${name}" type="month" placeholder="YYYY-MM" .value=${this[name]}
        aria-invalid=${error ? 'true' : 'false'} aria-describedby=${error ? `statistics-${name}-error` : nothing}
        @change=${(e: Event) => (this[name] = (e.target as HTMLInputElement).value.trim())} />
      ${error ? html`<p class="error" id="statistics-${name}-error">${error}</p>` : nothing}
    </div>`;
  }

  private section(name: (typeof SECTIONS)[number], rows: Row[]): TemplateResult {
    const mine = rows.filter((r) => r.section === name);
    if (mine.length === 0) return html``;
    const shown = mine.filter((r) => r.count !== '<5');
    const columns = COLUMNS[name];
    return html`<section aria-labelledby="statistics-${name}">
      <h2 id="statistics-${name}">${t(`officer.statistics.section.${name}`)}</h2>
      <p>${t('officer.statistics.suppressed', { n: mine.length - shown.length, total: mine.length })}</p>
      ${shown.length === 0
        ? html`<p>${t('officer.statistics.none')}</p>`
        : html`<table id="statistics-table-${name}">
            <thead><tr>${columns.map((c) => html`<th scope="col">${t(`officer.statistics.column.${c}`)}</th>`)}</tr></thead>
            <tbody>${shown.map((r) => html`<tr>${columns.map((c) => html`<td>${valueText(c, r[c] ?? '')}</td>`)}</tr>`)}</tbody>
          </table>`}
    </section>`;
  }

  override render(): TemplateResult {
    const rows = this.csv ? parseCsv(this.csv) : [];
    return html`<h1>${t('officer.statistics.title')}</h1>
      <p>${t('officer.statistics.intro')}</p>
      <form class="filters" aria-label=${t('officer.statistics.range')} novalidate
        @submit=${(e: Event) => { e.preventDefault(); void this.load(); }}>
        ${this.monthField('from')} ${this.monthField('to')}
        <button type="submit">${t('officer.statistics.show')}</button>
      </form>
      ${this.failure ? html`<p class="error" role="alert">${this.failure}</p>` : nothing}
      ${this.csv === undefined && !this.failure && Object.keys(this.fieldErrors).length === 0 ? html`<p>${t('officer.statistics.loading')}</p>` : nothing}
      ${this.csv !== undefined ? html`<p><button type="button" id="statistics-download" @click=${() => this.download()}>${t('officer.statistics.download')}</button></p>` : nothing}
      ${SECTIONS.map((s) => this.section(s, rows))}`;
  }
}

customElements.define('mx-officer-statistics', OfficerStatistics);
