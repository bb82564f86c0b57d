import type { ErrorCode } from '../errors/catalogue.ts';
import { MxError } from '../errors/mx-error.ts';
import { bodySchemaId, unsupportedReason, type MessageType, type SchemaRegistry, type ValidationIssue } from '../schemas/registry.ts';
import type { NoticeDocument } from '../schemas/types.ts';
import { isRevokedAt, isValidAt, type TrustRegistry, type TrustedKey } from '../trust/trust-registry.ts';
import { MAX_PROTECTED_HEADER_BYTES, parseCanonicalJson, parseCanonicalJws } from './canonical.ts';
import { digestOf } from './digest.ts';
import { ed25519Verify, jwsSigningInput } from './ed25519.ts';
import { decryptBody, type DecryptionKeyRing } from './decrypt.ts';
import { requiresEncryption } from './encrypt.ts';
import { DEFAULT_MAX_ENVELOPE_BYTES, type EnvelopeFields, type EnvelopeHeader } from './sign.ts';
import type { EncryptedBody } from '../schemas/types.generated.ts';
import { timed, type EnvelopeTimer } from './timing.ts';
import { TYP_BY_CLASS, typOfType, type EnvelopeTyp } from './typ.ts';

/** Default allowance for clocks that disagree (5 minutes). */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** Default maximum age of `issuedAt` (7 days). */
export const DEFAULT_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** Default maximum `expiresAt - issuedAt` (90 days). */
export const DEFAULT_MAX_LIFETIME_MS = 90 * 24 * 60 * 60 * 1000;

/** Header members that would make a verifier fetch or trust a key the message brings along. */
const KEY_CARRYING_MEMBERS = ['jwk', 'jku', 'x5u', 'x5c'] as const;
const ALLOWED_MEMBERS = new Set(['alg', 'kid', 'typ']);

/** What a successful {@link verifyNotice} returns. */
export interface VerifiedNotice<D extends EnvelopeFields = NoticeDocument> {
  /** The payload, schema-valid and signed by `endpoint`. */
  document: D;
  header: EnvelopeHeader;
  /** SHA-256 of the exact record bytes, base64url. */
  digest: string;
  kid: string;
  /** The endpoint that owns the key (equal to `document.from`). */
  endpoint: string;
  /**
   * The body, schema-valid: the decrypted `encryptedBody` when {@link VerifyOptions.decryption}
   * was given and the document carried one, else the clear `body`. `document` stays as signed.
   */
  body?: unknown;
}

/** Facts handed to {@link VerifyOptions.policy} once sender, key and issue time have checked out. */
export interface PolicyContext<D extends EnvelopeFields = NoticeDocument> {
  document: D;
  endpoint: string;
  kid: string;
  digest: string;
}

/** Options of {@link verifyNotice}. */
export interface VerifyOptions<D extends EnvelopeFields = NoticeDocument> {
  /** Expected class `typ` (or a set of them); default `mx-notice+jws`. */
  typ?: EnvelopeTyp | readonly EnvelopeTyp[];
  /** The verifier's clock; default now. */
  now?: Date;
  /** Default {@link DEFAULT_CLOCK_SKEW_MS}. */
  clockSkewMs?: number;
  /** Default {@link DEFAULT_MAX_AGE_MS}. */
  maxAgeMs?: number;
  /** Default {@link DEFAULT_MAX_LIFETIME_MS}. */
  maxLifetimeMs?: number;
  /** Default {@link DEFAULT_MAX_ENVELOPE_BYTES}. */
  maxBytes?: number;
  /**
   * The receiver's private encryption keys. When given, every business type must carry
   * `encryptedBody` (a clear body is `ENCRYPTION_REQUIRED`), which is decrypted right after the
   * envelope schema (`DECRYPT_FAILED`) and its plaintext checked against the type's body schema
   * (`SCHEMA_INVALID`, paths under `/body`).
   */
  decryption?: DecryptionKeyRing;
  /** The instant the key must not be revoked at (step 3); default `now`. */
  revokedAsOf?: Date;
  /**
   * The receiver's routing policy, run at its place in the DESIGN.md order (after sender and
   * issue-time checks, before expiry). Throw an {@link MxError} (e.g. `ROUTE_FORBIDDEN`,
   * `NOT_ADDRESSED`) to reject; `verifiedSender` is added to it.
   */
  policy?: (ctx: PolicyContext<D>) => void | Promise<void>;
  /** Told how long verification took (decryption included) and, separately, decryption. */
  timer?: EnvelopeTimer;
}

/** The part of the schema registry verification uses. */
export type DocumentSchemas = Pick<SchemaRegistry, 'validateDocument' | 'validate'>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Verifies a signed record and returns its document. Checks, in the order of DESIGN.md ("The
 * signed envelope"), each failure an {@link MxError} with its code:
 *
 * 1. size (`TOO_LARGE`); JWS structure (`MALFORMED`); canonical form (`NON_CANONICAL`). Every JSON
 *    text (record, protected header, payload with its body) is bounded in size (`TOO_LARGE`) and
 *    nesting depth (`MALFORMED`, `MAX_JSON_DEPTH` of canonical.ts) before it is parsed;
 * 2. protected header: `alg` exactly `EdDSA` (`ALG_NOT_ALLOWED`), `typ` as expected
 *    (`TYP_MISMATCH`), no `crit` (`CRIT_UNSUPPORTED`), no `jwk`/`jku`/`x5u`/`x5c` nor any member
 *    other than `alg`, `kid`, `typ` (`HEADER_NOT_ALLOWED`), in `JSON.stringify` form;
 * 3. `kid` names a key in the trust registry (`UNKNOWN_KEY`) not revoked as of `revokedAsOf` (default `now`)
 *    (`KEY_REVOKED`);
 * 4. signature: Ed25519 over the JWS signing input with the key's node:crypto `KeyObject`
 *    (`SIGNATURE_INVALID`); what jose's `flattenedVerify` pinned to `EdDSA` would also check
 *    (alg, `crit`, `b64`, no unprotected header) was already refused by steps 1 and 2;
 * 5. payload: canonical JSON, `schemas.validateDocument` (envelope, then the body against the
 *    schema derived from `type`), `schema` equal to that id, `typ` matching the type's class, `expiresAt` after `issuedAt`
 *    (`SCHEMA_INVALID` with issues, `TYP_MISMATCH`);
 * 5b. with `options.decryption`: a business type with a clear body (`ENCRYPTION_REQUIRED`); the
 *    `encryptedBody` decrypted with this endpoint's key and bound to `id`, `from`, `type`, `schema`
 *    (`DECRYPT_FAILED`); the plaintext against the type's body schema (`SCHEMA_INVALID`);
 * 6. `from` is the key's endpoint (`SENDER_MISMATCH`); the key was valid at `issuedAt`
 *    (`KEY_NOT_VALID_AT_ISSUE_TIME`);
 * 7. `issuedAt` not beyond `now + clockSkew` (`ISSUED_IN_FUTURE`), not before `now - maxAge`
 *    (`TOO_OLD`); `expiresAt - issuedAt <= maxLifetime` (`LIFETIME_TOO_LONG`);
 * 8. `options.policy` (routing: the gateway's);
 * 9. `expiresAt + clockSkew > now` (`EXPIRED`).
 *
 * Nothing in the payload is read before the signature verifies. From step 5 on, errors carry
 * `verifiedSender` (the key's endpoint): only such a sender may be sent a rejection receipt.
 * Dedup by `(from, id)` is the caller's.
 */
export function verifyNotice<D extends EnvelopeFields = NoticeDocument>(
  bytes: Uint8Array,
  trust: TrustRegistry,
  schemas: DocumentSchemas,
  options: VerifyOptions<D> = {},
): Promise<VerifiedNotice<D>> {
  return timed(options.timer, 'verify', () => verify(bytes, trust, schemas, options));
}

async function verify<D extends EnvelopeFields>(bytes: Uint8Array, trust: TrustRegistry, schemas: DocumentSchemas, options: VerifyOptions<D>): Promise<VerifiedNotice<D>> {
  const now = options.now ?? new Date();
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ENVELOPE_BYTES;
  const expectedTyps: readonly EnvelopeTyp[] =
    options.typ === undefined ? [TYP_BY_CLASS.notice] : typeof options.typ === 'string' ? [options.typ] : options.typ;

  // 1. Size and structure.
  if (bytes.byteLength > maxBytes) throw new MxError('TOO_LARGE', `the record is ${bytes.byteLength} bytes; the limit is ${maxBytes}`);
  const jws = parseCanonicalJws(bytes, maxBytes);

  // 2. Header.
  const header = parseCanonicalJson(jws.protectedBytes, 'the protected header', { maxBytes: MAX_PROTECTED_HEADER_BYTES });
  if (!isPlainObject(header)) throw new MxError('MALFORMED', 'the protected header is not a JSON object');
  if (header.alg !== 'EdDSA') throw new MxError('ALG_NOT_ALLOWED', 'only alg EdDSA is accepted');
  if (typeof header.typ !== 'string' || !(expectedTyps as readonly string[]).includes(header.typ)) {
    throw new MxError('TYP_MISMATCH', `typ must be ${expectedTyps.join(' or ')}`);
  }
  if (Object.prototype.hasOwnProperty.call(header, 'crit')) throw new MxError('CRIT_UNSUPPORTED', 'no crit extensions are supported');
  for (const m of KEY_CARRYING_MEMBERS) {
    if (Object.prototype.hasOwnProperty.call(header, m)) throw new MxError('HEADER_NOT_ALLOWED', `header member ${m} is never followed`);
  }
  for (const m of Object.keys(header)) {
    if (!ALLOWED_MEMBERS.has(m)) throw new MxError('HEADER_NOT_ALLOWED', 'the header may carry only alg, kid and typ');
  }
  if (typeof header.kid !== 'string') throw new MxError('UNKNOWN_KEY', 'the header names no kid');
  const kid = header.kid;
  const typ = header.typ as EnvelopeTyp;

  // 3. Key.
  const key: TrustedKey | undefined = trust.resolve(kid);
  if (key === undefined) throw new MxError('UNKNOWN_KEY', 'the kid names no key in the trust registry');
  if (isRevokedAt(key, options.revokedAsOf ?? now)) throw new MxError('KEY_REVOKED', `key ${kid} is revoked`);

  // 4. Signature.
  if (!ed25519Verify(key.publicKey, jwsSigningInput(jws.protected, jws.payload), jws.signatureBytes)) {
    throw new MxError('SIGNATURE_INVALID', `the signature does not verify with ${kid}`);
  }

  // From here the sender is proven: every error names it.
  const verifiedSender = key.endpoint;
  const fail = (code: ErrorCode, detail: string, issues?: ValidationIssue[]): MxError =>
    new MxError(code, detail, issues === undefined ? { verifiedSender } : { verifiedSender, issues });

  // 5. Payload schema.
  let doc: unknown;
  try {
    doc = parseCanonicalJson(jws.payloadBytes, 'the payload', { maxBytes });
  } catch (err) {
    if (err instanceof MxError) throw fail(err.code, err.message);
    throw err;
  }
  const issues = schemas.validateDocument(doc);
  if (issues.length > 0) {
    const unsupported = unsupportedReason(doc);
    if (unsupported !== undefined) throw fail(unsupported, unsupported === 'UNKNOWN_TYPE' ? 'the document type is not one this endpoint knows' : 'the body schema version is not one this endpoint reads', issues);
    throw fail('SCHEMA_INVALID', 'the document does not satisfy its schema', issues);
  }
  if (!isPlainObject(doc)) throw fail('SCHEMA_INVALID', 'the document is not an object', [{ path: '', code: 'type', message: 'must be object' }]);
  const type = doc.type as MessageType;
  // validateDocument checks the body against bodySchemaId(type); this check keeps "the schema
  // comes from the type, never from the sender" true here whatever the registry does.
  if (doc.schema !== bodySchemaId(type)) {
    throw fail('SCHEMA_INVALID', 'schema does not match type', [{ path: '/schema', code: 'const', message: 'must be the body schema of the type' }]);
  }
  if (typOfType(type) !== typ) throw fail('TYP_MISMATCH', `a ${type} may not be sent as ${typ}`);
  const document = doc as unknown as D;
  const issuedAt = Date.parse(document.issuedAt);
  const expiresAt = Date.parse(document.expiresAt);
  if (Number.isNaN(issuedAt)) throw fail('SCHEMA_INVALID', 'issuedAt is not a date-time', [{ path: '/issuedAt', code: 'format', message: 'must be a date-time' }]);
  if (Number.isNaN(expiresAt)) throw fail('SCHEMA_INVALID', 'expiresAt is not a date-time', [{ path: '/expiresAt', code: 'format', message: 'must be a date-time' }]);
  if (expiresAt <= issuedAt) {
    throw fail('SCHEMA_INVALID', 'expiresAt must be after issuedAt', [{ path: '/expiresAt', code: 'expiresAfterIssuedAt', message: 'must be after issuedAt' }]);
  }

  // 5b. Encrypted body: decrypt, then the body schema.
  let body: unknown = (doc as { body?: unknown }).body;
  if (options.decryption !== undefined && requiresEncryption(type)) {
    const encrypted = (doc as { encryptedBody?: EncryptedBody }).encryptedBody;
    if (encrypted === undefined) throw fail('ENCRYPTION_REQUIRED', `a ${type} must carry encryptedBody, not a clear body`);
    try {
      body = await decryptBody(encrypted, { id: document.id, from: document.from, type, schema: bodySchemaId(type), issuedAt: document.issuedAt }, options.decryption, { maxBytes, ...(options.timer ? { timer: options.timer } : {}) });
    } catch (err) {
      if (err instanceof MxError) throw fail(err.code, err.message);
      throw err;
    }
    const bodyIssues = schemas.validate(bodySchemaId(type), body).map((i) => ({ ...i, path: `/body${i.path}` }));
    if (bodyIssues.length > 0) throw fail('SCHEMA_INVALID', 'the decrypted body does not satisfy the schema of its type', bodyIssues);
  }

  // 6. Sender and key validity at issue time.
  if (document.from !== key.endpoint) throw fail('SENDER_MISMATCH', `from ${document.from} signed with a key of ${key.endpoint}`);
  if (!isValidAt(key, new Date(issuedAt))) throw fail('KEY_NOT_VALID_AT_ISSUE_TIME', `key ${kid} was not valid at issuedAt`);

  // 7. Issue time and lifetime.
  const skew = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  const t = now.getTime();
  if (issuedAt > t + skew) throw fail('ISSUED_IN_FUTURE', 'issuedAt is in the future');
  if (issuedAt < t - (options.maxAgeMs ?? DEFAULT_MAX_AGE_MS)) throw fail('TOO_OLD', 'issuedAt is older than the maximum age');
  if (expiresAt - issuedAt > (options.maxLifetimeMs ?? DEFAULT_MAX_LIFETIME_MS)) throw fail('LIFETIME_TOO_LONG', 'expiresAt - issuedAt exceeds the maximum lifetime');

  const digest = digestOf(bytes);

  // 8. Routing policy (the caller's).
  if (options.policy !== undefined) {
    try {
      await options.policy({ document, endpoint: key.endpoint, kid, digest });
    } catch (err) {
      if (err instanceof MxError && err.verifiedSender === undefined) {
        throw new MxError(err.code, err.message, { verifiedSender, cause: err, ...(err.issues !== undefined ? { issues: err.issues } : {}) });
      }
      throw err;
    }
  }

  // 9. Expiry.
  if (expiresAt + skew <= t) throw fail('EXPIRED', 'the document has expired');

  return { document, header: { alg: 'EdDSA', kid, typ }, digest, kid, endpoint: key.endpoint, ...(body !== undefined ? { body } : {}) };
}
