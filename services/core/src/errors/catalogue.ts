/**
 * The one catalogue of error codes. Every failure the exchange reports, over HTTP, in a rejection
 * receipt, on a dead-letter topic or in an audit event, names one of these codes. The set is
 * closed: adding a code is a change to this table (and to the OpenAPI document that lists them).
 */

/** One catalogue entry. */
export interface ErrorSpec {
  /** HTTP status used when the error is answered over HTTP. */
  readonly status: number;
  /** Whether the same request or record, unchanged, may succeed if tried again later. */
  readonly retriable: boolean;
  /** One-line meaning; also the problem+json `title`. Never carries data from a message. */
  readonly title: string;
}

/**
 * Code -> status, retriable flag and one-line meaning.
 *
 * The first group is what the receiver check order in DESIGN.md ("The signed envelope") can
 * yield; the second is routing and dedup (enforced by the gateway); the third is plain HTTP.
 */
export const ERROR_CATALOGUE = {
  // Envelope: structure and size
  MALFORMED: { status: 400, retriable: false, title: 'The record is not a well-formed flattened JWS with exactly protected, payload and signature' },
  TOO_LARGE: { status: 413, retriable: false, title: 'The signed record exceeds the size limit' },
  NON_CANONICAL: { status: 400, retriable: false, title: 'The JWS is not in its single canonical byte form (member order, whitespace or base64url encoding)' },
  // Envelope: protected header
  ALG_NOT_ALLOWED: { status: 422, retriable: false, title: 'The JWS algorithm is not EdDSA' },
  TYP_MISMATCH: { status: 422, retriable: false, title: 'The JWS typ does not match the expected message class' },
  CRIT_UNSUPPORTED: { status: 422, retriable: false, title: 'The JWS header names critical extensions, none of which are supported' },
  HEADER_NOT_ALLOWED: { status: 422, retriable: false, title: 'The JWS header carries a member that is not allowed (jwk, jku, x5u, x5c or any other than alg, kid, typ)' },
  // Envelope: keys and signature
  UNKNOWN_KEY: { status: 422, retriable: false, title: 'The kid does not name a key in the trust registry' },
  UNKNOWN_ENDPOINT: { status: 422, retriable: false, title: 'The endpoint is not known to the trust registry' },
  KEY_REVOKED: { status: 422, retriable: false, title: 'The signing key has been revoked' },
  SIGNATURE_INVALID: { status: 422, retriable: false, title: 'The signature does not verify with the key named by kid' },
  // Envelope: payload
  SCHEMA_INVALID: { status: 422, retriable: false, title: 'The signed document does not satisfy its schema' },
  SENDER_MISMATCH: { status: 422, retriable: false, title: 'The document from is not the endpoint that owns the signing key' },
  KEY_NOT_VALID_AT_ISSUE_TIME: { status: 422, retriable: false, title: 'The signing key was not valid at the document issuedAt' },
  ISSUED_IN_FUTURE: { status: 422, retriable: false, title: 'The document issuedAt is in the future beyond the allowed clock skew' },
  TOO_OLD: { status: 422, retriable: false, title: 'The document issuedAt is older than the maximum age' },
  LIFETIME_TOO_LONG: { status: 422, retriable: false, title: 'The document lifetime (expiresAt - issuedAt) exceeds the maximum' },
  EXPIRED: { status: 422, retriable: false, title: 'The document has expired' },
  // Envelope: encrypted body
  ENCRYPTION_REQUIRED: { status: 422, retriable: false, title: 'The document carries a clear body for a type whose body must be encrypted' },
  DECRYPT_FAILED: { status: 422, retriable: false, title: 'The encrypted body cannot be decrypted by this endpoint or is bound to another envelope' },
  // Routing and dedup (gateway)
  ROUTE_FORBIDDEN: { status: 403, retriable: false, title: 'The routing policy does not allow this type from this sender to this recipient' },
  NOT_ADDRESSED: { status: 422, retriable: false, title: 'This endpoint is not among the document recipients' },
  NOT_A_PARTY: { status: 403, retriable: false, title: 'The sender or recipient is not a party to the case or the original message' },
  ID_CONFLICT: { status: 409, retriable: false, title: 'Another message with a different digest already uses this (from, id)' },
  TOO_MANY_RESPONSES: { status: 409, retriable: false, title: 'The message already has the maximum number of responses (100)' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, retriable: false, title: 'The Idempotency-Key was already used with a different request' },
  IDEMPOTENCY_KEY_IN_USE: { status: 409, retriable: true, title: 'A request with the same Idempotency-Key is still being processed' },
  // HTTP
  UNAUTHENTICATED: { status: 401, retriable: false, title: 'A valid bearer token is required' },
  FORBIDDEN: { status: 403, retriable: false, title: 'The caller role does not allow this operation' },
  NOT_FOUND: { status: 404, retriable: false, title: 'No such resource' },
  METHOD_NOT_ALLOWED: { status: 405, retriable: false, title: 'The path does not support this method (see Allow)' },
  NOT_ACCEPTABLE: { status: 406, retriable: false, title: 'None of the media types the request accepts can be served' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retriable: false, title: 'The request content type is not supported' },
  PAYLOAD_TOO_LARGE: { status: 413, retriable: false, title: 'The request body exceeds the size limit' },
  BAD_JSON: { status: 400, retriable: false, title: 'The request body is not valid JSON' },
  INVALID_PARAMETER: { status: 400, retriable: false, title: 'A path or query parameter is malformed' },
  HEADERS_TOO_LARGE: { status: 431, retriable: false, title: 'The request headers (or the token in them) exceed the size limit' },
  RATE_LIMITED: { status: 429, retriable: true, title: 'Too many requests; try again after Retry-After seconds' },
  VALIDATION_FAILED: { status: 422, retriable: false, title: 'The request does not satisfy the API schema' },
  INTERNAL: { status: 500, retriable: false, title: 'An unexpected error occurred' },
  UNAVAILABLE: { status: 503, retriable: true, title: 'A dependency (store or Kafka) is unavailable; try again later' },
} as const satisfies Record<string, ErrorSpec>;

/** The closed union of error codes. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Every error code, in catalogue order. */
export const ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.keys(ERROR_CATALOGUE) as ErrorCode[]);

/** Narrows an arbitrary value to an {@link ErrorCode}. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOGUE, value);
}

/** The problem `type` URI of a code: `SIGNATURE_INVALID` -> `.../problems/signature-invalid`. */
export function problemTypeOf(code: ErrorCode): string {
  return `${PROBLEM_TYPE_BASE}${code.toLowerCase().replaceAll('_', '-')}`;
}

/** Base of every problem `type` URI. */
export const PROBLEM_TYPE_BASE = 'https://mekong-exchange.example/problems/';
