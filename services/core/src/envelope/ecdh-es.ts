/**
 * ECDH-ES+A256KW with X25519 (RFC 7518 section 4.6, RFC 8037 section 3.2) through node:crypto:
 * the key management of every recipient entry of an encrypted body. Wrapping makes a fresh
 * ephemeral key per recipient; both directions derive the key-encryption key with the Concat KDF
 * (SHA-256, AlgorithmID `ECDH-ES+A256KW`, empty PartyUInfo and PartyVInfo, 256 bits) and use the
 * AES key wrap of RFC 3394. jose does the same through WebCrypto at several times the cost.
 */
import type { CryptoKey } from 'jose';
import { KeyObject, createCipheriv, createDecipheriv, createHash, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';

const ALG = 'ECDH-ES+A256KW';
/** Length of the content encryption key (A256GCM) and of a wrapped one (RFC 3394: 8 more). */
const CEK_BYTES = 32;
const WRAPPED_BYTES = CEK_BYTES + 8;

function uint32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** AlgorithmID, PartyUInfo, PartyVInfo (both empty), SuppPubInfo (keydatalen 256) of RFC 7518 section 4.6.2. */
const OTHER_INFO = Buffer.concat([uint32be(ALG.length), Buffer.from(ALG, 'ascii'), uint32be(0), uint32be(0), uint32be(CEK_BYTES * 8)]);
/** The default initial value of the AES key wrap (RFC 3394 section 2.2.3.1). */
const AES_KW_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');

/** Concat KDF with one SHA-256 round: the 256-bit key-encryption key from the shared secret. */
function keyEncryptionKey(z: Uint8Array): Buffer {
  return createHash('sha256').update(uint32be(1)).update(z).update(OTHER_INFO).digest();
}

/** Converted once per CryptoKey: trust registry and key ring keys live as long as their set. */
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

/** `key` as a node:crypto X25519 KeyObject of `type`; a key of any other kind is a TypeError. */
export function x25519KeyObject(key: CryptoKey | KeyObject, type: 'public' | 'private'): KeyObject {
  let k = key instanceof KeyObject ? key : keyObjects.get(key);
  if (k === undefined) {
    k = KeyObject.from(key as CryptoKey);
    keyObjects.set(key as CryptoKey, k);
  }
  if (k.type !== type || k.asymmetricKeyType !== 'x25519') throw new TypeError(`not an X25519 ${type} key`);
  return k;
}

/** The DER SubjectPublicKeyInfo of every X25519 public key: this prefix, then the 32-byte key. */
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** The X25519 base point, u = 9 (RFC 7748 section 4.1), as a public key. */
const X25519_BASE_POINT = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, Buffer.from([9]), Buffer.alloc(31)]), format: 'der', type: 'spki' });

/**
 * A fresh X25519 key pair: the private key and the raw 32 bytes of its public key (a JWK's `x`).
 * The public key is computed as X25519(k, 9), the definition of an X25519 public key (RFC 7748
 * section 6.1), with one more scalar multiplication: that is about a third cheaper than encoding
 * the generated public key (OpenSSL's encoder dominates a DER export), and never
 * `export({ format: 'jwk' })`, which on Node 20.20, called for freshly generated X25519 keys in a
 * busy loop, intermittently never returns (reproduced: thousands of generate + export rounds,
 * then a hang; a sender's gateway would stall with it). test/envelope/node-crypto.test.ts checks
 * the result against the generated public key.
 */
export function ephemeralX25519(): { privateKey: KeyObject; x: Buffer } {
  const { privateKey } = generateKeyPairSync('x25519');
  return { privateKey, x: diffieHellman({ privateKey, publicKey: X25519_BASE_POINT }) };
}

/** The raw 32 bytes of an X25519 public key, read from its DER SubjectPublicKeyInfo. */
export function rawX25519Public(key: KeyObject): Buffer {
  const der = key.export({ type: 'spki', format: 'der' });
  if (der.byteLength !== X25519_SPKI_PREFIX.byteLength + 32 || !der.subarray(0, X25519_SPKI_PREFIX.byteLength).equals(X25519_SPKI_PREFIX)) throw new Error('not an X25519 public key');
  return der.subarray(X25519_SPKI_PREFIX.byteLength);
}

/** Wraps `cek` to the recipient's public key; returns the ephemeral public key's `x` and the wrapped key. */
export function wrapCek(cek: Uint8Array, recipientKey: CryptoKey | KeyObject): { epkX: string; encryptedKey: Buffer } {
  const ephemeral = ephemeralX25519();
  const z = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: x25519KeyObject(recipientKey, 'public') });
  const wrap = createCipheriv('id-aes256-wrap', keyEncryptionKey(z), AES_KW_IV);
  const encryptedKey = Buffer.concat([wrap.update(cek), wrap.final()]);
  return { epkX: ephemeral.x.toString('base64url'), encryptedKey };
}

/**
 * Unwraps a content encryption key wrapped to our private key by the sender's ephemeral key
 * `epkX`. Throws (never returns a key) when the ephemeral key is not a usable X25519 point (the
 * agreement fails on a small-order point), the wrapped key is not 40 bytes, or the key wrap's
 * integrity check fails (another key, a changed byte).
 */
export function unwrapCek(encryptedKey: Uint8Array, epkX: string, privateKey: CryptoKey | KeyObject): Buffer {
  if (encryptedKey.byteLength !== WRAPPED_BYTES) throw new Error('the wrapped key is not 40 bytes');
  const epk = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: epkX }, format: 'jwk' });
  const z = diffieHellman({ privateKey: x25519KeyObject(privateKey, 'private'), publicKey: epk });
  const unwrap = createDecipheriv('id-aes256-wrap', keyEncryptionKey(z), AES_KW_IV);
  const cek = Buffer.concat([unwrap.update(encryptedKey), unwrap.final()]);
  if (cek.byteLength !== CEK_BYTES) throw new Error('the unwrapped key is not 32 bytes');
  return cek;
}
