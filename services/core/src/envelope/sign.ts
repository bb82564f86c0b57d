import { MxError } from '../errors/mx-error.ts';
import type { Signer } from '../trust/signer.ts';
import { serializeJws } from './canonical.ts';
import { signJwsEd25519 } from './ed25519.ts';
import { timed, type EnvelopeTimer } from './timing.ts';
import { typOfType, type EnvelopeTyp } from './typ.ts';

/** Default and maximum size of a signed record, in bytes (receivers reject larger ones). */
export const DEFAULT_MAX_ENVELOPE_BYTES = 256 * 1024;

/** The fields of a document the envelope itself reads; the full shape is the JSON Schema's. */
export interface EnvelopeFields {
  readonly id: string;
  readonly type: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly issuedAt: string;
  readonly expiresAt: string;
}

/** The protected header of every signed message, members in this order. */
export type EnvelopeHeader = {
  alg: 'EdDSA';
  kid: string;
  typ: EnvelopeTyp;
};

/** Options of {@link signNotice}. */
export interface SignOptions {
  /** The class `typ`; derived from `document.type` when omitted, and must agree with it. */
  typ?: EnvelopeTyp;
  /** Refuse to produce a record larger than this (default {@link DEFAULT_MAX_ENVELOPE_BYTES}). */
  maxBytes?: number;
  /** Told how long signing took. */
  timer?: EnvelopeTimer;
}

const encoder = new TextEncoder();

/**
 * Signs a document into its one canonical byte form: the UTF-8 of the flattened JWS JSON
 * `{"protected":…,"payload":…,"signature":…}`, protected header `{ alg: "EdDSA", kid, typ }`,
 * payload the `JSON.stringify` text of `document`. The signature is made with node:crypto through
 * `signer.sign` (ed25519.ts); the bytes are those jose's `FlattenedSign` would produce.
 *
 * Refuses (with the code a receiver would use) what no receiver would accept: a `typ` that does
 * not match the document's type (`TYP_MISMATCH`), a `from` other than the signer's endpoint
 * (`SENDER_MISMATCH`), an `issuedAt` outside the key's validity (`KEY_NOT_VALID_AT_ISSUE_TIME`),
 * a record over the size limit (`TOO_LARGE`). Schema validation is the caller's (the gateway
 * validates before it signs).
 */
export function signNotice(document: EnvelopeFields, signer: Signer, options: SignOptions = {}): Promise<Uint8Array> {
  return timed(options.timer, 'sign', () => sign(document, signer, options));
}

async function sign(document: EnvelopeFields, signer: Signer, options: SignOptions): Promise<Uint8Array> {
  const expected = typOfType(document.type);
  if (expected === undefined) throw new MxError('SCHEMA_INVALID', 'unknown message type', { issues: [{ path: '/type', code: 'enum', message: 'not a known message type' }] });
  const typ = options.typ ?? expected;
  if (typ !== expected) throw new MxError('TYP_MISMATCH', `a ${document.type} is signed as ${expected}, not ${typ}`);
  if (document.from !== signer.endpoint) throw new MxError('SENDER_MISMATCH', `from ${document.from} cannot be signed with a key of ${signer.endpoint}`);
  const issuedAt = Date.parse(document.issuedAt);
  if (Number.isNaN(issuedAt)) throw new MxError('SCHEMA_INVALID', 'issuedAt is not a date-time', { issues: [{ path: '/issuedAt', code: 'format', message: 'must be a date-time' }] });
  if (issuedAt < signer.validFrom.getTime() || issuedAt >= signer.validUntil.getTime()) {
    throw new MxError('KEY_NOT_VALID_AT_ISSUE_TIME', `key ${signer.kid} is not valid at issuedAt`);
  }
  const header: EnvelopeHeader = { alg: 'EdDSA', kid: signer.kid, typ };
  const bytes = encoder.encode(serializeJws(signJwsEd25519(header, encoder.encode(JSON.stringify(document)), signer.sign)));
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ENVELOPE_BYTES;
  if (bytes.byteLength > maxBytes) throw new MxError('TOO_LARGE', `the signed record is ${bytes.byteLength} bytes; the limit is ${maxBytes}`);
  return bytes;
}
