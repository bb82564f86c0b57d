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

/**
 * Deepest nesting of arrays and objects accepted in any JSON text read from the wire. Far above
 * what any schema here allows (the deepest is under 10), and far below what makes `JSON.parse`,
 * `JSON.stringify` or a schema validator recurse out of stack: a few thousand levels need no key
 * and would otherwise throw a `RangeError` that is not a verdict on the record.
 */
export const MAX_JSON_DEPTH = 64;
/** Largest protected header accepted: it may only hold `alg`, `kid` and `typ`. */
export const MAX_PROTECTED_HEADER_BYTES = 4096;

/** Bounds of {@link parseJson}: `TOO_LARGE` above `maxBytes`, `MALFORMED` above `maxDepth`. */
export interface JsonBounds {
  maxBytes: number;
  maxDepth?: number;
}

/**
 * Refuses a JSON text that is longer than `maxBytes` (UTF-8) or nests arrays and objects deeper
 * than `maxDepth`, before any parser sees it. A linear scan: brackets inside strings do not count.
 */
export function assertJsonBounds(text: string, what: string, bounds: JsonBounds): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > bounds.maxBytes) throw new MxError('TOO_LARGE', `${what} is ${bytes} bytes; the limit is ${bounds.maxBytes}`);
  const maxDepth = bounds.maxDepth ?? MAX_JSON_DEPTH;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: the next character is escaped, whatever it is
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > maxDepth) throw new MxError('MALFORMED', `${what} nests deeper than ${maxDepth} levels`);
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
}

/** Parses JSON within `bounds` (see {@link assertJsonBounds}), turning a syntax error into `MALFORMED`. */
export function parseJson(text: string, what: string, bounds: JsonBounds): unknown {
  assertJsonBounds(text, what, bounds);
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
export function parseCanonicalJws(bytes: Uint8Array, maxBytes: number = bytes.byteLength): CanonicalJws & { protectedBytes: Uint8Array; payloadBytes: Uint8Array; signatureBytes: Uint8Array } {
  const text = decodeUtf8(bytes, 'the record');
  // The record is one flat object of three strings: depth 1.
  const value = parseJson(text, 'the record', { maxBytes, maxDepth: 1 });
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
export function parseCanonicalJson(bytes: Uint8Array, what: string, bounds: JsonBounds): unknown {
  if (bytes.byteLength > bounds.maxBytes) throw new MxError('TOO_LARGE', `${what} is ${bytes.byteLength} bytes; the limit is ${bounds.maxBytes}`);
  const text = decodeUtf8(bytes, what);
  const value = parseJson(text, what, bounds);
  if (JSON.stringify(value) !== text) throw new MxError('NON_CANONICAL', `${what} is not in JSON.stringify form (whitespace, duplicate members or number/string formatting)`);
  return value;
}
