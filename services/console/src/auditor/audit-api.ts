/**
 * What the auditor's pages read from the audit service (openapi/audit.yaml): metadata only, as the
 * log holds no personal data; and the helpers the pages share to show it.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { ProblemError } from '../shared/api.ts';
import { has, problemText, t } from '../shared/i18n.ts';

export { ACTIONS, GATEWAYS, MESSAGE_ID, MESSAGE_TYPES } from './vocabulary.ts';

/** `EventSummary`. */
export interface EventSummary {
  index: number;
  eventId: string;
  leafHash: string;
  gateway: string;
  seq: number;
  prevDigest: string | null;
  action: string;
  messageId?: string;
  messageType?: string;
  at: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** `HistoryEntry`: the summary with the verified event. */
export interface HistoryEntry extends EventSummary {
  event: { counterpart?: string; officer?: string; outcome?: string; reasonCode?: string; kid?: string };
}

export interface MessageHistory {
  messageId: string;
  events: HistoryEntry[];
}

/** A message id as the API accepts it (UUIDv7), checked before a request is made. */

export function actionText(action: string): string {
  return has(`auditor.action.${action}`) ? t(`auditor.action.${action}`) : action;
}

export function typeText(type: string | undefined): string {
  if (type === undefined) return '';
  return has(`common.type.${type}`) ? t(`common.type.${type}`) : type;
}

export function gatewayText(gateway: string): string {
  return has(`common.endpoint.${gateway}`) ? `${t(`common.endpoint.${gateway}`)} (${gateway})` : gateway;
}

/** A failed request as one alert: the problem's text in the auditor's language. */
export function failureAlert(err: unknown): TemplateResult {
  const text = err instanceof ProblemError ? problemText(err.code) : t('auditor.error.network');
  return html`<p class="error" role="alert">${text}</p>`;
}

/** The errors of a problem for one query parameter (`/messageId`), shown beside its field. */
export function fieldErrors(err: unknown, name: string): string[] {
  if (!(err instanceof ProblemError)) return [];
  return err.errors.filter((e) => e.path === `/${name}`).map((e) => (has(`auditor.field.${e.code}`) ? t(`auditor.field.${e.code}`) : problemText(err.code)));
}

/** A field's error text with the id its control names in `aria-describedby`. */
export function errorText(id: string, errors: string[]): TemplateResult | typeof nothing {
  return errors.length ? html`<span class="error" id=${id}>${errors.join(' ')}</span>` : nothing;
}
