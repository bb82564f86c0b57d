/**
 * The receiver's half of encrypted bodies: find this endpoint's recipient entry, unwrap with the
 * matching private X25519 key, decrypt, then compare the bound envelope members. Run after the
 * signature verified (nothing in an unsigned record is worth the work) and before the body schema.
 *
 * With node:crypto (ecdh-es.ts, AES-256-GCM) rather than jose's generalDecrypt, at a fraction of
 * the cost. What jose checked is checked here before any key is used: only the members this JWE
 * form has (so no `crit`, `zip`, `apu`/`apv`, `aad` or other algorithm can take part), `alg`
 * ECDH-ES+A256KW, `enc` A256GCM, one `epk` that is an X25519 public key, a 40-byte wrapped key,
 * a 12-byte iv and a 16-byte tag. jose, jwcrypto and a JWE written on Python's primitives are
 * read (test/envelope/node-crypto.test.ts, interop.test.ts).
 */
import type { CryptoKey } from 'jose';
import { createDecipheriv } from 'node:crypto';
import { MxError } from '../errors/mx-error.ts';
import type { EncryptedBody } from '../schemas/types.generated.ts';
import { MAX_JSON_DEPTH, MAX_PROTECTED_HEADER_BYTES, decodeBase64urlStrict, decodeUtf8, parseCanonicalJson, parseJson } from './canonical.ts';
import { unwrapCek } from './ecdh-es.ts';
import { JWE_ALG, JWE_CTY, JWE_ENC, type BodyBinding } from './encrypt.ts';
import { timed, type EnvelopeTimer } from './timing.ts';

/** One private X25519 key of this endpoint. */
export interface DecryptionKey {
  /** `<ENDPOINT>:<key-id>`. */
  readonly kid: string;
  readonly validFrom: Date;
  readonly validUntil: Date;
  readonly privateKey: CryptoKey;
}

/** Every private encryption key this endpoint holds (current and retired). */
export interface DecryptionKeyRing {
  readonly endpoint: string;
  readonly keys: readonly DecryptionKey[];
}

/** Options of {@link decryptBody}. */
export interface DecryptOptions {
  /** Bound on the plaintext (default 1 MiB, the envelope limit). */
  maxBytes?: number;
  /** Told how long decryption took. */
  timer?: EnvelopeTimer;
}

const BINDING_MEMBERS = ['mx-id', 'mx-from', 'mx-type', 'mx-schema'] as const;
// jose writes a lone recipient's `epk` into the protected header, several recipients' into their own.
const ALLOWED_PROTECTED = new Set<string>(['enc', 'cty', 'epk', ...BINDING_MEMBERS]);
const ALLOWED_RECIPIENT = new Set<string>(['alg', 'kid', 'epk']);
const EPK_MEMBERS = ['crv', 'kty', 'x'];
const B64URL_32_BYTES = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The `x` of an ephemeral public key that is exactly `{kty: OKP, crv: X25519, x}` (any member order). */
function ephemeralX(epk: unknown): string {
  if (!isPlainObject(epk) || Object.keys(epk).sort().join(',') !== EPK_MEMBERS.join(',')) throw fail('epk is not an X25519 public key');
  if (epk.kty !== 'OKP' || epk.crv !== 'X25519' || typeof epk.x !== 'string' || !B64URL_32_BYTES.test(epk.x)) throw fail('epk is not an X25519 public key');
  return epk.x;
}

function fail(detail: string, cause?: unknown): MxError {
  // The detail names what failed, never key material or plaintext.
  return new MxError('DECRYPT_FAILED', detail, cause === undefined ? {} : { cause });
}

/**
 * Decrypts `jwe` with this endpoint's key and returns the body (canonical JSON, bounded in size
 * and depth). Every failure is `DECRYPT_FAILED`:
 * - no recipient entry names a kid of `ring` (not a recipient, or its entry was removed);
 * - that key was not valid at `issuedAt` (a retired key still decrypts what was sent while it was
 *   current, so the receiver keeps it until then plus the maximum lifetime);
 * - unwrapping or authenticated decryption fails (tampered ciphertext, tag, iv, header or key);
 * - the protected header holds more than `enc: A256GCM`, `cty`, the four binding members (and a
 *   lone recipient's `epk`), or
 *   a binding member differs from the envelope (the ciphertext was moved into another envelope);
 * - the plaintext is not canonical JSON.
 */
export function decryptBody(jwe: EncryptedBody, binding: BodyBinding & { issuedAt: string }, ring: DecryptionKeyRing, options: DecryptOptions = {}): Promise<unknown> {
  return timed(options.timer, 'decrypt', () => decrypt(jwe, binding, ring, options));
}

async function decrypt(jwe: EncryptedBody, binding: BodyBinding & { issuedAt: string }, ring: DecryptionKeyRing, options: DecryptOptions): Promise<unknown> {
  const byKid = new Map(ring.keys.map((k) => [k.kid, k]));
  const mine = jwe.recipients.filter((r) => byKid.has(r.header.kid));
  if (mine.length !== 1) throw fail(mine.length === 0 ? `${ring.endpoint} is not a recipient` : 'more than one recipient entry names this endpoint');
  const entry = mine[0]!;
  const key = byKid.get(entry.header.kid)!;
  const issuedAt = Date.parse(binding.issuedAt);
  if (!(key.validFrom.getTime() <= issuedAt && issuedAt < key.validUntil.getTime())) {
    throw fail(`encryption key ${key.kid} was not valid at issuedAt`);
  }
  if (jwe.aad !== undefined) throw fail('additional authenticated data is not used');

  // Headers, before any key is used.
  let header: Record<string, unknown>;
  try {
    const value = parseJson(decodeUtf8(decodeBase64urlStrict(jwe.protected, 'protected'), 'the JWE protected header'), 'the JWE protected header', { maxBytes: MAX_PROTECTED_HEADER_BYTES, maxDepth: 2 });
    if (!isPlainObject(value)) throw fail('the JWE protected header is not a JSON object');
    header = value;
  } catch (err) {
    throw err instanceof MxError && err.code === 'DECRYPT_FAILED' ? err : fail('the JWE protected header is not a JSON object', err);
  }
  for (const m of Object.keys(header)) if (!ALLOWED_PROTECTED.has(m)) throw fail('the JWE protected header carries an unexpected member');
  if (header.enc !== JWE_ENC || header.cty !== JWE_CTY) throw fail('the JWE protected header does not name A256GCM and application/json');
  const recipientHeader = entry.header as unknown as Record<string, unknown>;
  if (!isPlainObject(recipientHeader)) throw fail('the recipient header is not an object');
  for (const m of Object.keys(recipientHeader)) if (!ALLOWED_RECIPIENT.has(m)) throw fail('the recipient header carries an unexpected member');
  if (recipientHeader.alg !== JWE_ALG) throw fail('the recipient entry does not name ECDH-ES+A256KW');
  // One ephemeral key, protected (a lone recipient) or in the entry, never both (RFC 7516: header members are disjoint).
  if (Object.hasOwn(header, 'epk') === Object.hasOwn(recipientHeader, 'epk')) throw fail('the JWE must carry exactly one epk for this recipient');
  const epkX = ephemeralX(Object.hasOwn(header, 'epk') ? header.epk : recipientHeader.epk);

  let plaintext: Buffer;
  try {
    const encryptedKey = decodeBase64urlStrict(entry.encrypted_key, 'encrypted_key');
    const iv = decodeBase64urlStrict(jwe.iv, 'iv');
    const tag = decodeBase64urlStrict(jwe.tag, 'tag');
    const ciphertext = decodeBase64urlStrict(jwe.ciphertext, 'ciphertext');
    if (iv.byteLength !== 12 || tag.byteLength !== 16) throw new Error('A256GCM takes a 12-byte iv and a 16-byte tag');
    const cek = unwrapCek(encryptedKey, epkX, key.privateKey);
    const gcm = createDecipheriv('aes-256-gcm', cek, iv, { authTagLength: 16 });
    // The additional authenticated data is ASCII(BASE64URL(protected header)) (RFC 7516 section 5.2).
    gcm.setAAD(Buffer.from(jwe.protected, 'latin1'));
    gcm.setAuthTag(tag);
    plaintext = Buffer.concat([gcm.update(ciphertext), gcm.final()]);
  } catch (err) {
    throw fail('the encrypted body does not decrypt with this endpoint\'s key', err);
  }
  const expected: Record<(typeof BINDING_MEMBERS)[number], string> = {
    'mx-id': binding.id,
    'mx-from': binding.from,
    'mx-type': binding.type,
    'mx-schema': binding.schema,
  };
  for (const m of BINDING_MEMBERS) {
    if (header[m] !== expected[m]) throw fail(`the ciphertext is bound to another envelope (${m})`);
  }
  try {
    return parseCanonicalJson(plaintext, 'the decrypted body', { maxBytes: options.maxBytes ?? 1024 * 1024, maxDepth: MAX_JSON_DEPTH });
  } catch (err) {
    throw fail(`the decrypted body is not canonical JSON (${err instanceof MxError ? err.code : 'error'})`, err);
  }
}

