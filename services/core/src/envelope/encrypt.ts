/**
 * End-to-end encrypted bodies (issue 10): a JWE in General JSON serialization (RFC 7516 7.2.1),
 * one recipient entry per endpoint in `to`, `ECDH-ES+A256KW` to each recipient's X25519 key,
 * `A256GCM` content encryption. The envelope's `id`, `from`, `type` and `schema` are bound in the
 * JWE protected header, so a ciphertext moved into another envelope no longer matches it
 * ({@link decryptBody} compares them after decryption). Encrypt, then sign: the JWE goes into the
 * document as `encryptedBody` and the signature covers it.
 *
 * Written with node:crypto rather than jose's GeneralEncrypt, which generates each ephemeral
 * X25519 key and runs every step through asynchronous WebCrypto calls (about three times the
 * cost). The output has exactly the form jose writes (same members in the same order, `epk` in
 * the protected header for a lone recipient and in each recipient's header otherwise, Concat KDF
 * of RFC 7518 section 4.6.2, AES key wrap of RFC 3394); jose, jwcrypto and the receivers'
 * {@link decryptBody} read it (test/envelope/encrypt.test.ts, interop.test.ts).
 */
import type { CryptoKey } from 'jose';
import { KeyObject, createCipheriv, createHash, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { EncryptedBody } from '../schemas/types.generated.ts';
import { encodeBase64url } from './canonical.ts';
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

/** A recipient key as a node:crypto KeyObject, converted once per CryptoKey (trust registry keys are long-lived). */
const keyObjects = new WeakMap<CryptoKey, KeyObject>();
function x25519PublicKey(key: CryptoKey | KeyObject): KeyObject {
  let k: KeyObject | undefined = key instanceof KeyObject ? key : keyObjects.get(key);
  if (k === undefined) {
    k = KeyObject.from(key as CryptoKey);
    keyObjects.set(key as CryptoKey, k);
  }
  if (k.type !== 'public' || k.asymmetricKeyType !== 'x25519') throw new TypeError('a recipient key must be an X25519 public key');
  return k;
}

function uint32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** AlgorithmID, empty PartyUInfo and PartyVInfo, SuppPubInfo 256 of the Concat KDF (RFC 7518 section 4.6.2). */
const OTHER_INFO = Buffer.concat([uint32be(JWE_ALG.length), Buffer.from(JWE_ALG, 'ascii'), uint32be(0), uint32be(0), uint32be(256)]);
/** The default initial value of the AES key wrap (RFC 3394 section 2.2.3.1). */
const AES_KW_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');

interface WrappedKey {
  header: { alg: typeof JWE_ALG; kid: string };
  epk: { x: string; crv: 'X25519'; kty: 'OKP' };
  encrypted_key: string;
}

/** ECDH-ES+A256KW of `cek` to one recipient: a fresh ephemeral key, Concat KDF (one SHA-256 round), AES-256 key wrap. */
function wrapKey(cek: Buffer, recipient: EncryptionRecipient): WrappedKey {
  const ephemeral = generateKeyPairSync('x25519');
  const z = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: x25519PublicKey(recipient.key) });
  const kek = createHash('sha256').update(uint32be(1)).update(z).update(OTHER_INFO).digest();
  const wrap = createCipheriv('id-aes256-wrap', kek, AES_KW_IV);
  const wrapped = Buffer.concat([wrap.update(cek), wrap.final()]);
  const x = ephemeral.publicKey.export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new Error('the ephemeral X25519 key exported no x');
  // Member order as jose writes them.
  return { header: { alg: JWE_ALG, kid: recipient.kid }, epk: { x, crv: 'X25519', kty: 'OKP' }, encrypted_key: encodeBase64url(wrapped) };
}

async function encrypt(body: unknown, binding: BodyBinding, recipients: readonly EncryptionRecipient[]): Promise<EncryptedBody> {
  if (recipients.length === 0) throw new Error('a body cannot be encrypted to no recipient');
  const endpoints = new Set(recipients.map((r) => r.endpoint));
  if (endpoints.size !== recipients.length) throw new Error('one recipient entry per endpoint');
  const cek = randomBytes(32);
  const wrapped = recipients.map((r) => wrapKey(cek, r));
  // jose's layout: a lone recipient's epk is protected, several recipients each carry theirs.
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
