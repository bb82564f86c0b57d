/**
 * What the officer's pages show alike: API types, status and type texts, a message's lifecycle per
 * recipient, and a notice body drawn in full from its JSON Schema (labels and option texts from the
 * same catalogue keys as the form that wrote it, names with their `lang` so each script's font
 * renders them).
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { components } from '../../../../openapi/generated/gateway.ts';
import statusUpdateSchema from '../../../../schemas/repatriation-status-update.v1.json';
import victimNoticeSchema from '../../../../schemas/victim-repatriation-notice.v1.json';
import { ProblemError } from '../shared/api.ts';
import { formatDate, formatDateTime, has, problemText, t } from '../shared/i18n.ts';
import { link } from '../shared/router.ts';
import { schemaAt, type JsonSchema } from '../shared/schema-form.ts';

export type Schemas = components['schemas'];
export type InboxSummary = Schemas['InboxSummary'];
export type InboxItem = Schemas['InboxItem'];
export type MessageLifecycle = Schemas['MessageLifecycle'];
export type RecipientLifecycle = Schemas['RecipientLifecycle'];
export type CaseView = Schemas['Case'];
export type InboxEvent = Schemas['InboxEvent'];

export const VICTIM_NOTICE = victimNoticeSchema as unknown as JsonSchema;
export const STATUS_UPDATE = statusUpdateSchema as unknown as JsonSchema;

/** Body schemas the officer's pages draw, by message type. */
const BODY_SCHEMAS: Record<string, JsonSchema> = {
  'victim-repatriation-notice': VICTIM_NOTICE,
  'repatriation-status-update': STATUS_UPDATE,
};

/** The countries a victim notice can go to (never INTERPOL: the routing policy forbids it). */
export const COUNTRIES = ['LA', 'TH', 'CN'] as const;

export function typeText(type: string): string {
  return has(`common.type.${type}`) ? t(`common.type.${type}`) : type;
}

export function endpointText(ep: string): string {
  return has(`common.endpoint.${ep}`) ? t(`common.endpoint.${ep}`) : ep;
}

export function statusText(status: string): string {
  if (has(`common.status.${status}`)) return t(`common.status.${status}`);
  return has(`officer.status.${status}`) ? t(`officer.status.${status}`) : status;
}

export function statusBadge(status: string): TemplateResult {
  return html`<span class="badge status-${status}">${statusText(status)}</span>`;
}

/** The text of a failed request: its problem code through the catalogue. */
export function failureText(err: unknown): string {
  return err instanceof ProblemError ? problemText(err.code) : t('officer.error.network');
}

export function caseLink(caseRef: string | undefined): TemplateResult | typeof nothing {
  return caseRef ? html`<a href=${link('/case/:caseRef', { caseRef })}>${caseRef}</a>` : nothing;
}

export function messageLink(id: string, text: string): TemplateResult {
  return html`<a href=${link('/message/:id', { id })}>${text}</a>`;
}

/** The states of one recipient as cells: when reached, or a dash. */
const STATES = ['published', 'delivered', 'read', 'responded'] as const;

export function lifecycleHeaders(): TemplateResult {
  return html`${STATES.map((s) => html`<th scope="col">${statusText(s)}</th>`)}<th scope="col">${statusText('overdue')}</th>`;
}

export function lifecycleCells(r: RecipientLifecycle): TemplateResult {
  const at: Record<(typeof STATES)[number], string | undefined> = { published: r.publishedAt, delivered: r.deliveredAt, read: r.readAt, responded: undefined };
  return html`${STATES.map((s) => {
      const reached = r[s];
      return html`<td data-state=${s} data-reached=${reached ? 'yes' : 'no'}>${reached ? html`<span class="ok">✓ ${at[s] ? formatDateTime(at[s]!) : statusText(s)}</span>` : html`<span class="muted" aria-label=${t('officer.lifecycle.notYet')}>—</span>`}</td>`;
    })}<td data-state="overdue" data-reached=${r.overdue ? 'yes' : 'no'}>${r.overdue ? html`<span class="warn">${statusText('overdue')}</span>` : r.rejected ? html`<span class="error">${statusText('rejected')} ${r.reasonCode ? problemText(r.reasonCode) : ''}</span>` : html`<span class="muted" aria-label=${t('officer.lifecycle.notOverdue')}>—</span>`}</td>`;
}

// ---- a body in full ----

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

function label(type: string, keyPath: readonly string[]): string {
  const key = `officer.form.${type}.${keyPath.join('.')}`;
  return has(key) ? t(key) : keyPath.at(-1) ?? type;
}

function scalar(type: string, keyPath: readonly string[], v: Json): TemplateResult | string {
  const node = BODY_SCHEMAS[type] ? schemaAt(BODY_SCHEMAS[type]!, keyPath) : undefined;
  if (typeof v === 'boolean') return v ? t('officer.enum.yes') : t('officer.enum.no');
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') return '';
  const isEnum = node?.enum !== undefined || (node?.type === 'array' && node.items !== undefined);
  if (isEnum && has(`officer.enum.${v}`)) return t(`officer.enum.${v}`);
  if (node?.format === 'date') return formatDate(v);
  if (node?.format === 'date-time') return formatDateTime(v);
  return v;
}

/** A name form is `{ lang, script?, value }`: the value is shown in its own language and script. */
function isName(v: Json): v is { lang: string; value: string; script?: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.lang === 'string' && typeof v.value === 'string' && Object.keys(v).every((k) => ['lang', 'script', 'value'].includes(k));
}

function nameTag(n: { lang: string; script?: string }): string {
  return n.script && !/-[A-Z][a-z]{3}\b/.test(n.lang) ? `${n.lang.split('-')[0]}-${n.script}${n.lang.replace(/^[a-z]{2,3}/, '')}` : n.lang;
}

function value(type: string, keyPath: string[], v: Json): TemplateResult | string {
  if (Array.isArray(v)) {
    if (v.length === 0) return html`<span class="muted">${t('officer.view.none')}</span>`;
    if (v.every(isName)) {
      return html`<ul class="names">${v.map((n) => html`<li><span class="name" lang=${nameTag(n)}>${n.value}</span> <span class="muted">(${nameTag(n)})</span></li>`)}</ul>`;
    }
    if (v.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x))) {
      return html`<ol class="entries">${v.map((x) => html`<li>${value(type, keyPath, x)}</li>`)}</ol>`;
    }
    return v.map((x) => scalar(type, keyPath, x)).join(', ');
  }
  if (typeof v === 'object' && v !== null) {
    const order = Object.keys(schemaAt(BODY_SCHEMAS[type] ?? {}, keyPath)?.properties ?? {});
    const keys = Object.keys(v).sort((a, b) => (order.indexOf(a) >>> 0) - (order.indexOf(b) >>> 0));
    return html`<dl class="fields">${keys.map((k) => html`<div class="field-row" data-field=${[...keyPath, k].join('.')}><dt>${label(type, [...keyPath, k])}</dt><dd>${value(type, [...keyPath, k], v[k]!)}</dd></div>`)}</dl>`;
  }
  return scalar(type, keyPath, v);
}

/** A notice body in full: one section per top-level field, in the schema's order. */
export function renderBody(type: string, body: Record<string, unknown>): TemplateResult {
  const order = Object.keys(BODY_SCHEMAS[type]?.properties ?? body);
  const keys = Object.keys(body).sort((a, b) => (order.indexOf(a) >>> 0) - (order.indexOf(b) >>> 0));
  return html`${keys.map((k) => html`<section class="body-section" data-field=${k}>
    <h2>${label(type, [k])}</h2>
    ${value(type, [k], body[k] as Json)}
  </section>`)}`;
}
