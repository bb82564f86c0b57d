/** The provider's signing keys: a private JWKS of Ed25519 keys, checked before oidc-provider sees it. */
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';

export class SigningKeysError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'SigningKeysError';
  }
}

/** Reads a private JWKS; each key must be an Ed25519 private key with a `kid` (its `alg` is set to EdDSA). */
export function loadSigningKeys(file: string): { keys: JWK[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new SigningKeysError(file, 'is not a readable JSON Web Key Set');
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new SigningKeysError(file, 'has no keys');
  return {
    keys: keys.map((k: unknown, i) => {
      const j = k as JWK;
      if (typeof k !== 'object' || k === null || j.kty !== 'OKP' || j.crv !== 'Ed25519' || typeof j.d !== 'string' || typeof j.x !== 'string') throw new SigningKeysError(file, `keys[${i}] is not an Ed25519 private key`);
      if (typeof j.kid !== 'string' || j.kid === '') throw new SigningKeysError(file, `keys[${i}] has no kid`);
      // Newest last in the deployment's files, while oidc-provider signs with the first usable key.
      return { kty: 'OKP', crv: 'Ed25519', x: j.x, d: j.d, kid: j.kid, alg: 'EdDSA', use: 'sig' } as JWK;
    }).reverse(),
  };
}
