/**
 * The one byte form of a signed message: the flattened JWS JSON serialization with exactly the
 * members `protected`, `payload`, `signature`, in that order, no whitespace, each a base64url
 * (no padding) string that re-encodes to the same text.
 */
import { MxError } from '../errors/mx-error.ts';

/** The three members of a canonical flattened JWS. */
export interface CanonicalJws {
  protected: string;
  payload: string;
  signature: string;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Base64url without padding (RFC 7515 section 2). */
export function encodeBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Decodes base64url strictly: `MALFORMED` outside the alphabet or with an impossible length,
 * `NON_CANONICAL` for padding or set trailing bits (text that decodes but does not re-encode to
 * itself, which would give one message two byte forms).
 */
export function decodeBase64urlStrict(text: string, member: string): Uint8Array {
  if (!BASE64URL.test(text)) {
    if (/^[A-Za-z0-9_-]*={1,2}$/.test(text)) throw new MxError('NON_CANONICAL', `${member} is padded base64url`);
    throw new MxError('MALFORMED', `${member} is not base64url`);
  }
  if (text.length % 4 === 1) throw new MxError('MALFORMED', `${member} has an impossible base64url length`);
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) throw new MxError('NON_CANONICAL', `${member} is not canonical base64url`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The canonical JSON text of a flattened JWS. */
export function serializeJws(jws: CanonicalJws): string {
  return JSON.stringify({ protected: jws.protected, payload: jws.payload, signature: jws.signature });
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 strictly (invalid sequences and a BOM stay visible as errors). */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new MxError('MALFORMED', `${what} is not valid UTF-8`);
  }
}

/** Parses JSON, turning a syntax error into `MALFORMED`. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MxError('MALFORMED', `${what} is not JSON`);
  }
}

/**
 * Parses the record bytes into the three JWS members, checking structure (`MALFORMED`: a JSON
 * object with exactly `protected`, `payload`, `signature` as strings, no unprotected `header`)
 * then canonical form (`NON_CANONICAL`: base64url re-encoding, and the text must equal
 * {@link serializeJws} of those members byte for byte).
 */
export function parseCanonicalJws(bytes: Uint8Array): CanonicalJws & { protectedBytes: Uint8Array; payloadBytes: Uint8Array; signatureBytes: Uint8Array } {
  const text = decodeUtf8(bytes, 'the record');
  const value = parseJson(text, 'the record');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MxError('MALFORMED', 'the record is not a JSON object');
  const obj = value as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(obj, 'header')) throw new MxError('MALFORMED', 'an unprotected header is not allowed');
  const members = Object.keys(obj);
  for (const m of ['protected', 'payload', 'signature'] as const) {
    if (typeof obj[m] !== 'string') throw new MxError('MALFORMED', `${m} is missing or not a string`);
  }
  if (members.length !== 3) throw new MxError('MALFORMED', 'the JWS has members other than protected, payload, signature');
  const jws: CanonicalJws = { protected: obj.protected as string, payload: obj.payload as string, signature: obj.signature as string };
  const protectedBytes = decodeBase64urlStrict(jws.protected, 'protected');
  const payloadBytes = decodeBase64urlStrict(jws.payload, 'payload');
  const signatureBytes = decodeBase64urlStrict(jws.signature, 'signature');
  if (serializeJws(jws) !== text) throw new MxError('NON_CANONICAL', 'the JWS JSON text is not in canonical form (member order, whitespace or escaping)');
  return { ...jws, protectedBytes, payloadBytes, signatureBytes };
}

/**
 * Parses a JSON text that must be in `JSON.stringify` form (no whitespace, no duplicate members,
 * ECMAScript number and string formatting). Applied to the protected header and the payload:
 * their bytes are signed, but two parsers can read duplicate members differently, so one
 * signed text must have one reading.
 */
export function parseCanonicalJson(bytes: Uint8Array, what: string): unknown {
  const text = decodeUtf8(bytes, what);
  const value = parseJson(text, what);
  if (JSON.stringify(value) !== text) throw new MxError('NON_CANONICAL', `${what} is not in JSON.stringify form (whitespace, duplicate members or number/string formatting)`);
  return value;
}
