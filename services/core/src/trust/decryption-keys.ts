import { importJWK, type CryptoKey } from 'jose';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { DecryptionKey, DecryptionKeyRing } from '../envelope/decrypt.ts';
import { assertPrivateFileMode, readJson } from './files.ts';
import { KeyFileError, checkKeyFile, fromNumericDate, joseJwk, keyUseOf, parseKid } from './key-format.ts';

/**
 * Builds an endpoint's decryption key ring from its private JWKS (the same file as its signing
 * keys): every X25519 `use: enc` key, current and retired alike, because a retired key still has
 * to read what was encrypted to it while it was current. Keys are imported non-extractable.
 */
export async function decryptionKeyRingFromJwks(jwks: unknown, where = 'private JWKS'): Promise<DecryptionKeyRing> {
  const file = checkKeyFile(jwks, where, 'private');
  const enc = file.keys.filter((k) => keyUseOf(k) === 'enc');
  if (enc.length === 0) throw new KeyFileError(`${where}: no encryption (X25519, use enc) keys; run mx keys rotate`);
  const endpoints = new Set(enc.map((k) => parseKid(k.kid)?.endpoint));
  if (endpoints.size !== 1) throw new KeyFileError(`${where}: keys of more than one endpoint`);
  const keys: DecryptionKey[] = [];
  for (const jwk of enc) {
    // A file whose x does not belong to its d would make every sender encrypt to a key nobody holds.
    const derived = createPublicKey(createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', x: jwk.x, d: jwk.d }, format: 'jwk' })).export({ format: 'jwk' });
    if (derived.x !== jwk.x) throw new KeyFileError(`${where}: key ${jwk.kid}: public part x does not match the private key`);
    const privateKey = (await importJWK(joseJwk(jwk), 'ECDH-ES+A256KW', { extractable: false })) as CryptoKey;
    keys.push(Object.freeze({ kid: jwk.kid, validFrom: fromNumericDate(jwk.nbf), validUntil: fromNumericDate(jwk.exp), privateKey }));
  }
  return Object.freeze({ endpoint: [...endpoints][0]!, keys: Object.freeze(keys) });
}

/** Reads a private key file (mode 0600) into a decryption key ring. */
export async function loadDecryptionKeys(privateJwksPath: string): Promise<DecryptionKeyRing> {
  await assertPrivateFileMode(privateJwksPath);
  return decryptionKeyRingFromJwks(await readJson(privateJwksPath), privateJwksPath);
}
