/**
 * The on-disk key format shared by the trust registry, the signer and key generation.
 *
 * A key file is a JWKS (RFC 7517) of OKP keys (RFC 8037): Ed25519 signing keys (`use: sig`) and,
 * beside them, X25519 encryption keys (`use: enc`, required on those) with the same rules. Each key carries:
 * - `kid`: `<ENDPOINT>:<key-id>`; the endpoint part names the owner, the key id is free text
 *   (`[A-Za-z0-9._-]{1,64}`; generated ids are `<yyyymmdd>-<thumbprint prefix>`).
 * - `nbf`, `exp`: the key's validity window as extra JWK members (RFC 7517 section 4 lets a JWK
 *   carry members it does not register), NumericDate seconds as in JWT. `nbf` is inclusive,
 *   `exp` exclusive; both are required, so no key is valid forever.
 * - Ed25519: `alg` (if present) `EdDSA`, `use` (if present) `sig`. X25519: `use` exactly `enc`,
 *   `alg` (if present) `ECDH-ES+A256KW`.
 * Public files (the trust registry) must not contain `d`; private files must.
 */
import type { JWK } from 'jose';
import { ENDPOINT_PATTERN } from '../ids/patterns.ts';

/** An endpoint identifier: ISO 3166-1 alpha-2 or `INTERPOL` (as `endpoint` in schemas/common/defs.v1.json). */
export { ENDPOINT_PATTERN };
/** The key id part of a `kid`. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** A public key as stored in a trust file. */
export interface PublicKeyJwk {
  kty: 'OKP';
  crv: 'Ed25519' | 'X25519';
  x: string;
  kid: string;
  alg?: 'EdDSA' | 'ECDH-ES+A256KW';
  use?: 'sig' | 'enc';
  /** Valid from (inclusive), NumericDate seconds. */
  nbf: number;
  /** Valid until (exclusive), NumericDate seconds. */
  exp: number;
}

/** A private key as stored in a private key file: the public members plus `d`. */
export interface PrivateKeyJwk extends PublicKeyJwk {
  d: string;
}

/** A JWK Set as stored in a key file. */
export interface KeyFile<K> {
  keys: K[];
}

/** A key file failed the rules above; the message names the file and kid, never key material. */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}

/** Splits a `kid` into its endpoint and key id; undefined when it does not have that shape. */
export function parseKid(kid: string): { endpoint: string; keyId: string } | undefined {
  const colon = kid.indexOf(':');
  if (colon < 0) return undefined;
  const endpoint = kid.slice(0, colon);
  const keyId = kid.slice(colon + 1);
  if (!ENDPOINT_PATTERN.test(endpoint) || !KEY_ID_PATTERN.test(keyId)) return undefined;
  return { endpoint, keyId };
}

/** Throws unless `endpoint` is a well-formed endpoint identifier. */
export function assertEndpoint(endpoint: string): void {
  if (!ENDPOINT_PATTERN.test(endpoint)) {
    throw new KeyFileError(`endpoint ${JSON.stringify(endpoint)} is not an endpoint identifier (${ENDPOINT_PATTERN.source})`);
  }
}

const B64URL_32_BYTES = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks one key of a key file. `expectedEndpoint` (from the file name) must own the kid;
 * `kind` says whether `d` must be absent (public) or present (private).
 */
export function checkKeyJwk(value: unknown, where: string, kind: 'public' | 'private', expectedEndpoint?: string): PublicKeyJwk | PrivateKeyJwk {
  if (!isObject(value)) throw new KeyFileError(`${where}: a key is not a JSON object`);
  const kid = value.kid;
  if (typeof kid !== 'string') throw new KeyFileError(`${where}: a key has no kid`);
  const at = `${where}: key ${kid}`;
  const parsed = parseKid(kid);
  if (parsed === undefined) throw new KeyFileError(`${at}: kid is not <ENDPOINT>:<key-id>`);
  if (expectedEndpoint !== undefined && parsed.endpoint !== expectedEndpoint) {
    throw new KeyFileError(`${at}: kid names endpoint ${parsed.endpoint}, the file is for ${expectedEndpoint}`);
  }
  if (value.kty !== 'OKP' || (value.crv !== 'Ed25519' && value.crv !== 'X25519')) throw new KeyFileError(`${at}: only OKP Ed25519 and X25519 keys are accepted`);
  if (typeof value.x !== 'string' || !B64URL_32_BYTES.test(value.x)) throw new KeyFileError(`${at}: x is not a 32-byte base64url value`);
  if (kind === 'public' && 'd' in value) {
    throw new KeyFileError(`${at}: private key material (d) in a public key file; remove it and treat the key as compromised`);
  }
  if (kind === 'private' && (typeof value.d !== 'string' || !B64URL_32_BYTES.test(value.d))) {
    throw new KeyFileError(`${at}: d is missing or not a 32-byte base64url value`);
  }
  if (value.crv === 'Ed25519') {
    if (value.alg !== undefined && value.alg !== 'EdDSA') throw new KeyFileError(`${at}: alg must be EdDSA`);
    if (value.use !== undefined && value.use !== 'sig') throw new KeyFileError(`${at}: use must be sig`);
  } else {
    // An X25519 key without use would be ambiguous to a reader of the file: it is always enc.
    if (value.use !== 'enc') throw new KeyFileError(`${at}: an X25519 key must have use enc`);
    if (value.alg !== undefined && value.alg !== 'ECDH-ES+A256KW') throw new KeyFileError(`${at}: alg must be ECDH-ES+A256KW`);
  }
  const { nbf, exp } = value;
  if (typeof nbf !== 'number' || !Number.isSafeInteger(nbf) || typeof exp !== 'number' || !Number.isSafeInteger(exp)) {
    throw new KeyFileError(`${at}: nbf and exp (NumericDate seconds) are required`);
  }
  if (exp <= nbf) throw new KeyFileError(`${at}: exp must be after nbf`);
  return value as unknown as PublicKeyJwk | PrivateKeyJwk;
}

/** Checks a whole key file: a `keys` array of valid keys with unique kids. */
export function checkKeyFile(value: unknown, where: string, kind: 'public', expectedEndpoint?: string): KeyFile<PublicKeyJwk>;
export function checkKeyFile(value: unknown, where: string, kind: 'private', expectedEndpoint?: string): KeyFile<PrivateKeyJwk>;
export function checkKeyFile(value: unknown, where: string, kind: 'public' | 'private', expectedEndpoint?: string): KeyFile<PublicKeyJwk | PrivateKeyJwk> {
  if (!isObject(value) || !Array.isArray(value.keys)) throw new KeyFileError(`${where}: not a JWKS ({ "keys": [...] })`);
  const seen = new Set<string>();
  const keys = value.keys.map((k) => {
    const key = checkKeyJwk(k, where, kind, expectedEndpoint);
    if (seen.has(key.kid)) throw new KeyFileError(`${where}: kid ${key.kid} appears twice`);
    seen.add(key.kid);
    return key;
  });
  return { keys };
}

/** The public half of a key: every member except `d`, in a fixed order. */
export function publicPart(jwk: PublicKeyJwk | PrivateKeyJwk): PublicKeyJwk {
  const out: PublicKeyJwk = { kty: 'OKP', crv: jwk.crv, x: jwk.x, kid: jwk.kid, nbf: jwk.nbf, exp: jwk.exp };
  if (jwk.alg !== undefined) out.alg = jwk.alg;
  if (jwk.use !== undefined) out.use = jwk.use;
  return out;
}

/** The members jose needs to import a key (validity members stripped). */
export function joseJwk(jwk: PublicKeyJwk | PrivateKeyJwk): JWK {
  const out: JWK = { kty: 'OKP', crv: jwk.crv, x: jwk.x };
  if ('d' in jwk) out.d = jwk.d;
  return out;
}

/** What a key is for: `sig` (Ed25519) or `enc` (X25519). */
export type KeyUse = 'sig' | 'enc';

/** The use of a checked key, from its curve. */
export function keyUseOf(jwk: Pick<PublicKeyJwk, 'crv'>): KeyUse {
  return jwk.crv === 'X25519' ? 'enc' : 'sig';
}

/** NumericDate seconds -> Date. */
export function fromNumericDate(seconds: number): Date {
  return new Date(seconds * 1000);
}

/** Date -> NumericDate seconds (rounded down). */
export function toNumericDate(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
