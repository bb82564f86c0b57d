/**
 * End-to-end encrypted bodies (issue 10): a JWE in General JSON serialization (RFC 7516 7.2.1),
 * one recipient entry per endpoint in `to`, `ECDH-ES+A256KW` to each recipient's X25519 key,
 * `A256GCM` content encryption. The envelope's `id`, `from`, `type` and `schema` are bound in the
 * JWE protected header, so a ciphertext moved into another envelope no longer matches it
 * ({@link decryptBody} compares them after decryption). Encrypt, then sign: the JWE goes into the
 * document as `encryptedBody` and the signature covers it.
 *
 * Written with node:crypto (ecdh-es.ts) rather than jose's GeneralEncrypt, which makes each
 * ephemeral X25519 key and every other step through asynchronous WebCrypto calls at several
 * times the cost. The output has exactly the form jose writes: the same members in the same order,
 * `epk` as `{x, crv, kty}` in the protected header for a lone recipient and in each recipient's
 * header otherwise (test/envelope/node-crypto.test.ts; jose, jwcrypto and a JWE written on
 * Python's primitives read it, interop.test.ts).
 */
import type { CryptoKey } from 'jose';
import { createCipheriv, randomBytes, type KeyObject } from 'node:crypto';
import type { EncryptedBody } from '../schemas/types.generated.ts';
import { encodeBase64url } from './canonical.ts';
import { wrapCek } from './ecdh-es.ts';
import { timed, type EnvelopeTimer } from './timing.ts';

/** Key management algorithm of every recipient entry. */
export const JWE_ALG = 'ECDH-ES+A256KW';
/** Content encryption algorithm. */
export const JWE_ENC = 'A256GCM';
/** Content type of the plaintext: the body as `JSON.stringify` text. */
export const JWE_CTY = 'application/json';

/** The message types whose body is only ever sent encrypted (every business type). */
export const ENCRYPTED_TYPES: ReadonlySet<string> = new Set([
  'victim-repatriation-notice',
  'repatriation-status-update',
  'offender-travel-alert',
  'offender-alert-response',
  'offender-alert-withdrawal',
]);

/** Whether a document of `type` must carry `encryptedBody` rather than `body`. */
export function requiresEncryption(type: string): boolean {
  return ENCRYPTED_TYPES.has(type);
}

/** The envelope members a ciphertext is bound to. */
export interface BodyBinding {
  id: string;
  from: string;
  type: string;
  schema: string;
}

/** The JWE protected header this module writes (and {@link decryptBody} requires). */
export interface EncryptedBodyHeader {
  enc: typeof JWE_ENC;
  cty: typeof JWE_CTY;
  'mx-id': string;
  'mx-from': string;
  'mx-type': string;
  'mx-schema': string;
}

/** One recipient: the public X25519 key it is encrypted to. */
export interface EncryptionRecipient {
  /** The recipient endpoint. */
  endpoint: string;
  /** `<ENDPOINT>:<key-id>` of the X25519 key, written to the recipient entry's header. */
  kid: string;
  key: CryptoKey | KeyObject;
}

const encoder = new TextEncoder();

/** The protected header binding `binding`, in the member order every sender writes. */
export function bindingHeader(binding: BodyBinding): EncryptedBodyHeader {
  return { enc: JWE_ENC, cty: JWE_CTY, 'mx-id': binding.id, 'mx-from': binding.from, 'mx-type': binding.type, 'mx-schema': binding.schema };
}

/**
 * Encrypts `body` (its `JSON.stringify` text) to every recipient, bound to `binding`. Refuses an
 * empty recipient list or two entries for one endpoint. The result is the document's
 * `encryptedBody`; its member set is the one schemas/common/defs.v1.json allows.
 */
export function encryptBody(body: unknown, binding: BodyBinding, recipients: readonly EncryptionRecipient[], options: { timer?: EnvelopeTimer } = {}): Promise<EncryptedBody> {
  return timed(options.timer, 'encrypt', () => encrypt(body, binding, recipients));
}

async function encrypt(body: unknown, binding: BodyBinding, recipients: readonly EncryptionRecipient[]): Promise<EncryptedBody> {
  if (recipients.length === 0) throw new Error('a body cannot be encrypted to no recipient');
  const endpoints = new Set(recipients.map((r) => r.endpoint));
  if (endpoints.size !== recipients.length) throw new Error('one recipient entry per endpoint');
  const cek = randomBytes(32);
  const wrapped = recipients.map((r) => {
    const { epkX, encryptedKey } = wrapCek(cek, r.key);
    // Member order as jose writes them.
    return { header: { alg: JWE_ALG, kid: r.kid }, epk: { x: epkX, crv: 'X25519', kty: 'OKP' }, encrypted_key: encodeBase64url(encryptedKey) };
  });
  // jose's layout: a lone recipient's epk is protected, several recipients each carry their own.
  const lone = wrapped.length === 1;
  const protectedHeader = lone ? { ...bindingHeader(binding), epk: wrapped[0]!.epk } : bindingHeader(binding);
  const encodedProtected = Buffer.from(JSON.stringify(protectedHeader), 'utf8').toString('base64url');
  const iv = randomBytes(12);
  const gcm = createCipheriv('aes-256-gcm', cek, iv);
  // The additional authenticated data is ASCII(BASE64URL(protected header)) (RFC 7516 section 5.1).
  gcm.setAAD(Buffer.from(encodedProtected, 'latin1'));
  const ciphertext = Buffer.concat([gcm.update(encoder.encode(JSON.stringify(body))), gcm.final()]);
  return {
    protected: encodedProtected,
    recipients: wrapped.map((w) => ({ header: lone ? w.header : { ...w.header, epk: w.epk }, encrypted_key: w.encrypted_key })),
    iv: encodeBase64url(iv),
    ciphertext: encodeBase64url(ciphertext),
    tag: encodeBase64url(gcm.getAuthTag()),
  } as EncryptedBody;
}
