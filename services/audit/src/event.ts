/**
 * Verifying one signed audit event, as the audit service does on ingest and `mx audit verify`
 * does on every leaf it checks.
 *
 * Audit events are kept for years, far beyond their envelope's `expiresAt`, so "is it still
 * fresh?" is the wrong question for a log: an event is checked as of its own `issuedAt` (the key
 * was valid then, the signature holds, the payload satisfies the schemas). Only an event dated in
 * the future of the verifier's clock is refused, as it could not exist yet.
 *
 * Revocation is the exception: `issuedAt` is whatever the signer wrote, so whoever holds a
 * compromised key can date an event before the key's `revokedAt`. On ingest the audit service
 * therefore checks revocation as of the record's broker append time (`mx.audit` is a
 * `LogAppendTime` topic): an event appended at or after its key's `revokedAt` is `KEY_REVOKED`,
 * whatever it claims, and one claiming an `issuedAt` beyond its append time (plus the clock-skew
 * allowance) is `ISSUED_IN_FUTURE`.
 */
import { MxError } from '../../core/src/errors/mx-error.ts';
import { parseCanonicalJson, parseCanonicalJws } from '../../core/src/envelope/canonical.ts';
import { DEFAULT_MAX_ENVELOPE_BYTES } from '../../core/src/envelope/sign.ts';
import { TYP_BY_CLASS } from '../../core/src/envelope/typ.ts';
import { DEFAULT_CLOCK_SKEW_MS, verifyNotice, type DocumentSchemas } from '../../core/src/envelope/verify.ts';
import type { EnvelopeTimer } from '../../core/src/envelope/timing.ts';
import type { NoticeDocument } from '../../core/src/schemas/types.ts';
import type { AuditEvent } from '../../core/src/schemas/types.generated.ts';
import type { TrustRegistry } from '../../core/src/trust/trust-registry.ts';

export type { AuditEvent };

/** A signed audit-event document with its body. */
export type AuditEventDocument = NoticeDocument<'audit-event'> & { body: AuditEvent };

/** A verified audit event. */
export interface VerifiedAuditEvent {
  /** SHA-256 of the exact bytes, base64url: the event id. */
  readonly digest: string;
  readonly kid: string;
  readonly document: AuditEventDocument;
  readonly body: AuditEvent;
}

/** Options of {@link verifyAuditEvent}. */
export interface AuditEventVerifyOptions {
  /** The verifier's clock, only for "not in the future"; default now. */
  readonly now?: Date;
  readonly clockSkewMs?: number;
  /**
   * When the broker appended the record (its `LogAppendTime` timestamp): the key must not be
   * revoked at that instant, and `issuedAt` may not be later. Without it (offline verification of
   * stored leaves), revocation is checked as of `issuedAt`.
   */
  readonly appendedAt?: Date;
  /** Told how long signature verification took (metrics). */
  readonly timer?: EnvelopeTimer;
}

/** The unverified `issuedAt` of a record, to verify it as of that instant; undefined if unreadable. */
function claimedIssuedAt(bytes: Uint8Array): Date | undefined {
  try {
    // Bounded like every parse of wire bytes; a record failing here fails verifyNotice the same way.
    const jws = parseCanonicalJws(bytes, DEFAULT_MAX_ENVELOPE_BYTES);
    const doc = parseCanonicalJson(jws.payloadBytes, 'the payload', { maxBytes: DEFAULT_MAX_ENVELOPE_BYTES }) as { issuedAt?: unknown } | null;
    if (doc === null || typeof doc !== 'object') return undefined;
    if (typeof doc.issuedAt !== 'string') return undefined;
    const t = Date.parse(doc.issuedAt);
    return Number.isNaN(t) ? undefined : new Date(t);
  } catch {
    return undefined;
  }
}

/**
 * Verifies a signed audit event (typ `mx-audit+jws`) as of its own `issuedAt`: the envelope
 * checks of {@link verifyNotice} (structure, canonical form, header, known and unrevoked key,
 * signature, schemas, sender owns the key, key valid at issue time), plus: `body.gateway` is the
 * signer (`SENDER_MISMATCH`), and `issuedAt` is not beyond the verifier's clock
 * (`ISSUED_IN_FUTURE`). The claimed `issuedAt` is read before verification only to pick the
 * instant to verify at; everything is then checked against the signature.
 * @throws MxError with the catalogue code of the first failing check
 */
export async function verifyAuditEvent(
  bytes: Uint8Array,
  trust: TrustRegistry,
  schemas: DocumentSchemas,
  options: AuditEventVerifyOptions = {},
): Promise<VerifiedAuditEvent> {
  const wall = options.now ?? new Date();
  const skew = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  const at = claimedIssuedAt(bytes) ?? wall;
  const verified = await verifyNotice<AuditEventDocument>(bytes, trust, schemas, {
    typ: TYP_BY_CLASS.audit,
    now: at,
    clockSkewMs: skew,
    ...(options.appendedAt !== undefined ? { revokedAsOf: options.appendedAt } : {}),
    ...(options.timer !== undefined ? { timer: options.timer } : {}),
  });
  const document = verified.document;
  const verifiedSender = verified.endpoint;
  if (document.type !== 'audit-event' || document.body === undefined) {
    throw new MxError('SCHEMA_INVALID', 'an audit record must be an audit-event with a body', { verifiedSender });
  }
  if (document.body.gateway !== document.from) throw new MxError('SENDER_MISMATCH', 'body.gateway is not the signing endpoint', { verifiedSender });
  if (Date.parse(document.issuedAt) > wall.getTime() + skew) throw new MxError('ISSUED_IN_FUTURE', 'issuedAt is in the future', { verifiedSender });
  if (options.appendedAt !== undefined && Date.parse(document.issuedAt) > options.appendedAt.getTime() + skew) {
    throw new MxError('ISSUED_IN_FUTURE', 'issuedAt is later than the broker appended the record', { verifiedSender });
  }
  return { digest: verified.digest, kid: verified.kid, document, body: document.body };
}

/**
 * The payload of a stored event, decoded without verification: only for bytes that were verified
 * when they entered the log (API responses).
 */
export function decodeStoredEvent(bytes: Uint8Array): AuditEventDocument {
  const jws = JSON.parse(Buffer.from(bytes).toString('utf8')) as { payload: string };
  return JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as AuditEventDocument;
}
