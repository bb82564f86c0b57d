import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { join } from 'node:path';
import {
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  PUBLIC_FILE_MODE,
  assertPrivateFileMode,
  ensureDir,
  readJsonIfExists,
  writeFileAtomic,
} from './files.ts';
import { KeyFileError, assertEndpoint, checkKeyFile, keyUseOf, publicPart, toNumericDate, type PrivateKeyJwk, type PublicKeyJwk } from './key-format.ts';
import { JWKS_FILE_SUFFIX, REVOCATIONS_FILE } from './trust-registry.ts';

/** Default validity of a generated key. */
export const DEFAULT_KEY_VALIDITY_MS = 365 * 24 * 60 * 60 * 1000;

/** Options of {@link generateEndpointKeys}. */
export interface GenerateKeysOptions {
  /** Start of validity; defaults to now. Rounded down to the second (NumericDate). */
  validFrom?: Date;
  /** End of validity (exclusive); defaults to `validFrom` + 365 days. */
  validUntil?: Date;
}

/** What {@link generateEndpointKeys} wrote. Holds no private key material. */
export interface GeneratedKey {
  endpoint: string;
  /** The new Ed25519 signing key. */
  kid: string;
  /** The new X25519 encryption key (`use: enc`), same validity window. */
  encKid: string;
  validFrom: Date;
  validUntil: Date;
  /** `<dir>/private/<ENDPOINT>.jwks.json`, mode 0600, directory 0700. */
  privateJwksPath: string;
  /** `<dir>/trust/<ENDPOINT>.jwks.json`, the public keys to hand to every counterpart. */
  publicJwksPath: string;
  /** `<dir>/trust/revocations.json`, created empty when absent. */
  revocationsPath: string;
  /** Number of signing keys now in the endpoint's files (more than one after a rotation); each has an encryption key beside it. */
  keyCount: number;
}

/** The private key file of `endpoint` under a key directory. */
export function privateJwksPathOf(dir: string, endpoint: string): string {
  return join(dir, 'private', `${endpoint}${JWKS_FILE_SUFFIX}`);
}

/** The public key file of `endpoint` under a key directory. */
export function publicJwksPathOf(dir: string, endpoint: string): string {
  return join(dir, 'trust', `${endpoint}${JWKS_FILE_SUFFIX}`);
}

function yyyymmdd(d: Date): string {
  return d.toISOString().slice(0, 10).replaceAll('-', '');
}

/**
 * Generates a new Ed25519 signing key pair and a new X25519 encryption key pair (`use: enc`, same
 * validity window) for `endpoint` and appends both to the endpoint's private key
 * file (`<dir>/private/<ENDPOINT>.jwks.json`, 0600 in a 0700 directory) and public key file
 * (`<dir>/trust/<ENDPOINT>.jwks.json`). Existing keys are kept, so calling it again is a key
 * rotation: the new keys become the signer's and the senders' choice from their `validFrom`. Each
 * `kid` is `<ENDPOINT>:<yyyymmdd of validFrom>-<first 12 chars of its RFC 7638 thumbprint>`.
 *
 * `dir` must lie outside the repository (or in a git-ignored directory): private keys never
 * enter version control.
 */
export async function generateEndpointKeys(endpoint: string, dir: string, options: GenerateKeysOptions = {}): Promise<GeneratedKey> {
  assertEndpoint(endpoint);
  const validFrom = new Date(toNumericDate(options.validFrom ?? new Date()) * 1000);
  const validUntil = options.validUntil ?? new Date(validFrom.getTime() + DEFAULT_KEY_VALIDITY_MS);
  if (Number.isNaN(validFrom.getTime()) || Number.isNaN(validUntil.getTime())) throw new KeyFileError('validFrom and validUntil must be valid dates');
  if (toNumericDate(validUntil) <= toNumericDate(validFrom)) throw new KeyFileError('validUntil must be at least one second after validFrom');

  const privateJwksPath = privateJwksPathOf(dir, endpoint);
  const publicJwksPath = publicJwksPathOf(dir, endpoint);
  const trustDir = join(dir, 'trust');
  const revocationsPath = join(trustDir, REVOCATIONS_FILE);
  await ensureDir(join(dir, 'private'), PRIVATE_DIR_MODE);
  await ensureDir(trustDir, 0o755);

  const existingPrivate = await readJsonIfExists(privateJwksPath);
  if (existingPrivate !== undefined) await assertPrivateFileMode(privateJwksPath);
  const privateFile = existingPrivate === undefined ? { keys: [] as PrivateKeyJwk[] } : checkKeyFile(existingPrivate, privateJwksPath, 'private', endpoint);
  const existingPublic = await readJsonIfExists(publicJwksPath);
  const publicFile = existingPublic === undefined ? { keys: [] as PublicKeyJwk[] } : checkKeyFile(existingPublic, publicJwksPath, 'public', endpoint);

  const taken = new Set([...privateFile.keys, ...publicFile.keys].map((k) => k.kid));
  const jwk = await newKey(endpoint, 'Ed25519', validFrom, validUntil, taken);
  const encJwk = await newKey(endpoint, 'X25519', validFrom, validUntil, taken);
  const added = [jwk, encJwk];

  // Private first: a crash between the two writes leaves a key nobody trusts yet (harmless),
  // never a trusted key whose private half is lost.
  await writeFileAtomic(privateJwksPath, `${JSON.stringify({ keys: [...privateFile.keys, ...added] }, null, 2)}\n`, PRIVATE_FILE_MODE);
  await writeFileAtomic(publicJwksPath, `${JSON.stringify({ keys: [...publicFile.keys, ...added.map(publicPart)] }, null, 2)}\n`, PUBLIC_FILE_MODE);
  if ((await readJsonIfExists(revocationsPath)) === undefined) {
    await writeFileAtomic(revocationsPath, `${JSON.stringify({ revoked: [] }, null, 2)}\n`, PUBLIC_FILE_MODE);
  }
  return {
    endpoint,
    kid: jwk.kid,
    encKid: encJwk.kid,
    validFrom,
    validUntil: new Date(toNumericDate(validUntil) * 1000),
    privateJwksPath,
    publicJwksPath,
    revocationsPath,
    keyCount: privateFile.keys.filter((k) => keyUseOf(k) === 'sig').length + 1,
  };
}

async function newKey(endpoint: string, crv: 'Ed25519' | 'X25519', validFrom: Date, validUntil: Date, taken: Set<string>): Promise<PrivateKeyJwk> {
  const { privateKey } = crv === 'Ed25519'
    ? await generateKeyPair('EdDSA', { crv, extractable: true })
    : await generateKeyPair('ECDH-ES+A256KW', { crv, extractable: true });
  const exported = await exportJWK(privateKey);
  if (typeof exported.x !== 'string' || typeof exported.d !== 'string') throw new Error(`${crv} key export returned no x/d`);
  const thumbprint = await calculateJwkThumbprint({ kty: 'OKP', crv, x: exported.x });
  const kid = `${endpoint}:${yyyymmdd(validFrom)}-${thumbprint.slice(0, 12)}`;
  if (taken.has(kid)) throw new KeyFileError(`kid ${kid} already exists; try again`);
  taken.add(kid);
  return {
    kty: 'OKP',
    crv,
    x: exported.x,
    d: exported.d,
    kid,
    ...(crv === 'Ed25519' ? { alg: 'EdDSA' as const, use: 'sig' as const } : { alg: 'ECDH-ES+A256KW' as const, use: 'enc' as const }),
    nbf: toNumericDate(validFrom),
    exp: toNumericDate(validUntil),
  };
}
