/**
 * The shapes of the identifiers every service checks: message ids, endpoints and case references.
 * One place, so the gateway, the audit service, the trust registry and the schemas' mirrors agree.
 */

/** An RFC 9562 UUID version 7 in lower-case hex (the message id). */
export const UUIDV7_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** An endpoint: an ISO 3166-1 alpha-2 code or `INTERPOL`. */
export const ENDPOINT_PATTERN = /^(?:[A-Z]{2}|INTERPOL)$/;

/** A case reference: the opening endpoint, the year, six digits (`TH-2026-000123`). */
export const CASE_REF_PATTERN = /^(?:[A-Z]{2}|INTERPOL)-[0-9]{4}-[0-9]{6}$/;

export function isUuidV7(v: unknown): v is string {
  return typeof v === 'string' && UUIDV7_PATTERN.test(v);
}

export function isEndpoint(v: unknown): v is string {
  return typeof v === 'string' && ENDPOINT_PATTERN.test(v);
}

export function isCaseRef(v: unknown): v is string {
  return typeof v === 'string' && CASE_REF_PATTERN.test(v);
}

/** The case reference numbered `n` of `year` under `endpoint`'s prefix. */
export function formatCaseRef(endpoint: string, year: number, n: number): string {
  return `${endpoint}-${String(year).padStart(4, '0')}-${String(n).padStart(6, '0')}`;
}
