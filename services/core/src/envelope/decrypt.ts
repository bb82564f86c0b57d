/**
 * The receiver's half of encrypted bodies: find this endpoint's recipient entry, unwrap with the
 * matching private X25519 key, decrypt, then compare the bound envelope members. Run after the
 * signature verified (nothing in an unsigned record is worth the work) and before the body schema.
 */
import { generalDecrypt, type CryptoKey, type GeneralJWE } from 'jose';
import { MxError } from '../errors/mx-error.ts';
import type { EncryptedBody } from '../schemas/types.generated.ts';
import { MAX_JSON_DEPTH, parseCanonicalJson } from './canonical.ts';
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
  // Only our own entry goes to jose: it must not try other entries or be steered to another key.
  const single: GeneralJWE = {
    protected: jwe.protected,
    recipients: [{ header: entry.header, encrypted_key: entry.encrypted_key }],
    iv: jwe.iv,
    ciphertext: jwe.ciphertext,
    tag: jwe.tag,
    ...(jwe.aad !== undefined ? { aad: jwe.aad } : {}),
  };
  let result;
  try {
    result = await generalDecrypt(single, key.privateKey, { keyManagementAlgorithms: [JWE_ALG], contentEncryptionAlgorithms: [JWE_ENC] });
  } catch (err) {
    throw fail('the encrypted body does not decrypt with this endpoint\'s key', err);
  }
  if (jwe.aad !== undefined) throw fail('additional authenticated data is not used');
  const header = result.protectedHeader ?? {};
  for (const m of Object.keys(header)) if (!ALLOWED_PROTECTED.has(m)) throw fail('the JWE protected header carries an unexpected member');
  if (header.enc !== JWE_ENC || header.cty !== JWE_CTY) throw fail('the JWE protected header does not name A256GCM and application/json');
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
    return parseCanonicalJson(result.plaintext, 'the decrypted body', { maxBytes: options.maxBytes ?? 1024 * 1024, maxDepth: MAX_JSON_DEPTH });
  } catch (err) {
    throw fail(`the decrypted body is not canonical JSON (${err instanceof MxError ? err.code : 'error'})`, err);
  }
}

