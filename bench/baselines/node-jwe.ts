/**
 * The crypto work of one JWE as the envelope makes it (`ECDH-ES+A256KW` to one X25519 recipient,
 * `A256GCM` content), done with node:crypto and nothing else: the floor the crypto bound charges
 * for one body encryption and one decryption. Encrypt: an ephemeral X25519 key pair, the agreement
 * with the recipient's key, the Concat KDF (RFC 7518 4.6.2: one SHA-256), a random content key
 * wrapped with AES-256 key wrap (RFC 3394), AES-256-GCM of the body with the protected header as
 * additional data. Decrypt: the agreement with the ephemeral key, the KDF, the unwrap, AES-256-GCM
 * open. The output is a real compact JWE (jose decrypts it: `measureCrypto` checks), so the
 * figure times a JWE, not an approximation of one.
 */
import { createCipheriv, createDecipheriv, createHash, createPublicKey, diffieHellman, randomBytes, type KeyObject } from 'node:crypto';
import { ephemeralX25519 } from '../../services/core/src/envelope/ecdh-es.ts';

const ALG = 'ECDH-ES+A256KW';
const ENC = 'A256GCM';
const WRAP_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Concat KDF of RFC 7518 4.6.2 for a 256-bit key-wrapping key (one round), no apu / apv. */
const OTHER_INFO = Buffer.concat([u32(ALG.length), Buffer.from(ALG, 'ascii'), u32(0), u32(0), u32(256)]);
function kek(z: Buffer): Buffer {
  return createHash('sha256').update(u32(1)).update(z).update(OTHER_INFO).digest();
}

/** Compact JWE of `plaintext` to `recipient` (an X25519 public key). */
export function nodeJweEncrypt(plaintext: Uint8Array, recipient: KeyObject): string {
  const eph = ephemeralX25519();
  const z = diffieHellman({ privateKey: eph.privateKey, publicKey: recipient });
  const cek = randomBytes(32);
  const w = createCipheriv('id-aes256-wrap', kek(z), WRAP_IV);
  const wrapped = Buffer.concat([w.update(cek), w.final()]);
  // As encryptBody makes it (export({ format: 'jwk' }) of a fresh X25519 key can hang on Node 20.20).
  const x = eph.x.toString('base64url');
  const protectedB64 = Buffer.from(JSON.stringify({ alg: ALG, enc: ENC, epk: { crv: 'X25519', kty: 'OKP', x } })).toString('base64url');
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', cek, iv);
  c.setAAD(Buffer.from(protectedB64, 'ascii'));
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  return [protectedB64, wrapped.toString('base64url'), iv.toString('base64url'), ciphertext.toString('base64url'), c.getAuthTag().toString('base64url')].join('.');
}

/** The plaintext of a compact JWE made by {@link nodeJweEncrypt}, with the recipient's X25519 private key. */
export function nodeJweDecrypt(jwe: string, privateKey: KeyObject): Buffer {
  const [protectedB64, wrapped, iv, ciphertext, tag] = jwe.split('.') as [string, string, string, string, string];
  const header = JSON.parse(Buffer.from(protectedB64, 'base64url').toString('utf8')) as { epk: { x: string } };
  const epk = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: header.epk.x }, format: 'jwk' });
  const z = diffieHellman({ privateKey, publicKey: epk });
  const u = createDecipheriv('id-aes256-wrap', kek(z), WRAP_IV);
  const cek = Buffer.concat([u.update(Buffer.from(wrapped, 'base64url')), u.final()]);
  const d = createDecipheriv('aes-256-gcm', cek, Buffer.from(iv, 'base64url'));
  d.setAAD(Buffer.from(protectedB64, 'ascii'));
  d.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([d.update(Buffer.from(ciphertext, 'base64url')), d.final()]);
}
