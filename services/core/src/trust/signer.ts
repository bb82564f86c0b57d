import { importJWK, type CryptoKey } from 'jose';
import { ed25519PrivateKey, ed25519PublicKey, ed25519Sign, ed25519Verify } from '../envelope/ed25519.ts';
import { assertPrivateFileMode, readJson } from './files.ts';
import { KeyFileError, checkKeyFile, fromNumericDate, joseJwk, keyUseOf, parseKid, type PrivateKeyJwk } from './key-format.ts';

/**
 * What {@link signNotice} needs to sign: the key's identity, validity and the private key, held so
 * that its bytes cannot be read back from a Signer (one that reaches a log leaks nothing).
 */
export interface Signer {
  /** The endpoint that owns the key (the `from` of what it signs). */
  readonly endpoint: string;
  /** `<ENDPOINT>:<key-id>`, written to the protected header. */
  readonly kid: string;
  readonly validFrom: Date;
  readonly validUntil: Date;
  /** The private key as a non-extractable CryptoKey, for jose (signNotice does not use it). */
  readonly privateKey: CryptoKey;
  /**
   * The Ed25519 signature of `data` through node:crypto: what signNotice signs with. The key is a
   * `KeyObject` made once when the file was loaded and reachable only from this closure (a
   * KeyObject could be exported). Deterministic, so byte-identical to jose's with `privateKey`.
   */
  sign(data: Uint8Array): Uint8Array;
}

/** An endpoint's private keys (all of them, for rotation); {@link SigningKeyRing.current} picks one. */
export interface SigningKeyRing {
  readonly endpoint: string;
  /** Every key, oldest `validFrom` first. */
  readonly signers: readonly Signer[];
  /**
   * The newest key active at `now` (largest `validFrom` with `validFrom <= now < validUntil`).
   * Throws when none is active, e.g. every key expired or the next one starts later.
   */
  current(now?: Date): Signer;
}

async function toSigner(jwk: PrivateKeyJwk, where: string): Promise<Signer> {
  const parsed = parseKid(jwk.kid);
  if (parsed === undefined) throw new KeyFileError(`${where}: key ${jwk.kid}: kid is not <ENDPOINT>:<key-id>`);
  // A file whose x does not belong to its d would sign messages nobody can verify: catch it here.
  const keyObject = ed25519PrivateKey(jwk);
  const probe = Buffer.from('mx-key-probe');
  if (!ed25519Verify(ed25519PublicKey(jwk), probe, ed25519Sign(keyObject, probe))) {
    throw new KeyFileError(`${where}: key ${jwk.kid}: public part x does not match the private key`);
  }
  const privateKey = (await importJWK(joseJwk(jwk), 'EdDSA', { extractable: false })) as CryptoKey;
  return Object.freeze({
    endpoint: parsed.endpoint,
    kid: jwk.kid,
    validFrom: fromNumericDate(jwk.nbf),
    validUntil: fromNumericDate(jwk.exp),
    privateKey,
    sign: (data: Uint8Array): Uint8Array => ed25519Sign(keyObject, data),
  });
}

/**
 * Builds a key ring from a private JWKS object (format in `key-format.ts`). Every key must
 * belong to one endpoint.
 */
export async function signingKeyRingFromJwks(jwks: unknown, where = 'private JWKS'): Promise<SigningKeyRing> {
  const file = checkKeyFile(jwks, where, 'private');
  const endpoints = new Set(file.keys.map((k) => parseKid(k.kid)?.endpoint));
  if (endpoints.size > 1) throw new KeyFileError(`${where}: keys of more than one endpoint`);
  // The file also holds the endpoint's X25519 encryption keys (decryption-keys.ts reads those).
  const signing = file.keys.filter((k) => keyUseOf(k) === 'sig');
  if (signing.length === 0) throw new KeyFileError(`${where}: no signing keys`);
  const signers: Signer[] = [];
  for (const jwk of signing) signers.push(await toSigner(jwk, where));
  // Stable sort: for equal validFrom the later entry in the file counts as newer.
  signers.sort((a, b) => a.validFrom.getTime() - b.validFrom.getTime());
  const endpoint = signers[0]!.endpoint;
  return Object.freeze({
    endpoint,
    signers: Object.freeze(signers),
    current(now: Date = new Date()): Signer {
      const t = now.getTime();
      for (let i = signers.length - 1; i >= 0; i--) {
        const s = signers[i]!;
        if (s.validFrom.getTime() <= t && t < s.validUntil.getTime()) return s;
      }
      throw new KeyFileError(`${where}: no key of ${endpoint} is active at ${now.toISOString()}; run mx keys rotate`);
    },
  });
}

/**
 * Reads a private key file (a JWKS, mode 0600, kept outside the repository) into a key ring.
 * Refuses a file readable or writable by group or others.
 */
export async function loadSigningKeys(privateJwksPath: string): Promise<SigningKeyRing> {
  await assertPrivateFileMode(privateJwksPath);
  return signingKeyRingFromJwks(await readJson(privateJwksPath), privateJwksPath);
}

/**
 * Loads a private key file and returns the newest key active at `now` (key rotation: a new key
 * takes over from its `validFrom`; older keys stay in the file, and in the counterparts' trust
 * registries, until they expire so that messages they signed still verify).
 */
export async function loadSigner(privateJwksPath: string, options: { now?: Date } = {}): Promise<Signer> {
  return (await loadSigningKeys(privateJwksPath)).current(options.now);
}
