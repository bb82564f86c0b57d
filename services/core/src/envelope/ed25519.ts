/**
 * Ed25519 JWS (`alg: EdDSA`, RFC 8037) through `node:crypto`.
 *
 * Why not jose here: jose 6 signs and verifies through WebCrypto, an asynchronous call per
 * operation that costs several times node:crypto's one-shot `sign`/`verify` (README,
 * "Performance"). Both run the same OpenSSL Ed25519, and Ed25519 is deterministic (RFC 8032
 * section 5.1.6), so a signature made here is byte for byte the one jose makes with the same key
 * over the same input, and the records are identical. `test/envelope/node-crypto.test.ts` checks
 * that for random documents and keys, that jose verifies what this signs and the other way round,
 * and the RFC 8037 A.4 vector.
 *
 * Keys are `KeyObject`s made once, when a key file or the trust registry is loaded.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { encodeBase64url, type CanonicalJws } from './canonical.ts';

/** Length of every Ed25519 signature. */
export const ED25519_SIGNATURE_BYTES = 64;

function assertEd25519(key: KeyObject, type: 'private' | 'public'): KeyObject {
  if (key.type !== type || key.asymmetricKeyType !== 'ed25519') throw new TypeError(`not an Ed25519 ${type} key`);
  return key;
}

/** An Ed25519 private key from its JWK members `x` and `d` (base64url, 32 bytes each). */
export function ed25519PrivateKey(jwk: { x: string; d: string }): KeyObject {
  return assertEd25519(createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d }, format: 'jwk' }), 'private');
}

/** An Ed25519 public key from its JWK member `x`. */
export function ed25519PublicKey(jwk: { x: string }): KeyObject {
  return assertEd25519(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }), 'public');
}

/** The Ed25519 signature of `data` (64 bytes). */
export function ed25519Sign(privateKey: KeyObject, data: Uint8Array): Uint8Array {
  return sign(null, data, assertEd25519(privateKey, 'private'));
}

/**
 * Whether `signature` is a valid Ed25519 signature of `data` by `publicKey`. A signature of the
 * wrong length is simply invalid (never an exception), as with WebCrypto.
 */
export function ed25519Verify(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  assertEd25519(publicKey, 'public');
  if (signature.byteLength !== ED25519_SIGNATURE_BYTES) return false;
  try {
    return verify(null, data, publicKey, signature);
  } catch {
    return false;
  }
}

/** The JWS signing input `ASCII(BASE64URL(protected) || '.' || BASE64URL(payload))` (RFC 7515 section 5.1). */
export function jwsSigningInput(encodedProtected: string, encodedPayload: string): Buffer {
  // Both members are base64url, so their text is ASCII and latin1 encodes it byte for byte.
  return Buffer.from(`${encodedProtected}.${encodedPayload}`, 'latin1');
}

/**
 * Signs `payload` under `header` (serialized with `JSON.stringify`, in its member order, as jose
 * does) and returns the three flattened-JWS members. `signBytes` makes the Ed25519 signature,
 * e.g. {@link ed25519Sign} bound to a key, or a signer's `sign`.
 */
export function signJwsEd25519(header: { readonly alg: 'EdDSA'; readonly [member: string]: unknown }, payload: Uint8Array, signBytes: (data: Uint8Array) => Uint8Array): CanonicalJws {
  const encodedProtected = Buffer.from(JSON.stringify(header), 'utf8').toString('base64url');
  const encodedPayload = encodeBase64url(payload);
  const signature = signBytes(jwsSigningInput(encodedProtected, encodedPayload));
  return { protected: encodedProtected, payload: encodedPayload, signature: encodeBase64url(signature) };
}
