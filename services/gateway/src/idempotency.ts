/**
 * The `Idempotency-Key` request header (IETF httpapi draft "The Idempotency-Key HTTP Header
 * Field"): a client that did not get an answer retries with the same key and gets the first answer
 * again, instead of a second notice. The key is an sf-string; an unquoted token is accepted too,
 * since many clients send one.
 */
import { createHash } from 'node:crypto';
import { badParameter } from '../../core/src/http/api.ts';
import type { Idempotency } from './sending.ts';

const KEY = /^[\x21\x23-\x5b\x5d-\x7e]{1,255}$/;

/**
 * The key of a request and the fingerprint of what it asks (route and JSON body), or `undefined`
 * when it carries none. A malformed key is INVALID_PARAMETER.
 */
export function idempotencyOf(header: string | undefined, route: string, body: unknown): Idempotency | undefined {
  if (header === undefined) return undefined;
  const raw = header.length >= 2 && header.startsWith('"') && header.endsWith('"') ? header.slice(1, -1) : header;
  if (!KEY.test(raw)) {
    throw badParameter('headers/idempotency-key', 'format', 'must be 1 to 255 visible ASCII characters without quotes or backslashes', 'INVALID_PARAMETER');
  }
  const fingerprint = createHash('sha256').update(route).update('\n').update(JSON.stringify(body)).digest('base64url');
  return { key: raw, fingerprint };
}
