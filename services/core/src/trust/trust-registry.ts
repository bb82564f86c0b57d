import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { importJWK, type CryptoKey } from 'jose';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readJson } from './files.ts';
import {
  KeyFileError,
  assertEndpoint,
  checkKeyFile,
  fromNumericDate,
  joseJwk,
  keyUseOf,
  parseKid,
  publicPart,
  type KeyFile,
  type KeyUse,
  type PublicKeyJwk,
} from './key-format.ts';

/** One entry of the revocation list. */
export interface Revocation {
  kid: string;
  /** RFC 3339 date-time from which the key is no longer trusted. */
  revokedAt: string;
  /** Why (e.g. `key-compromise`, `superseded`); free text, for operators. */
  reason: string;
}

/** The revocation list file: `{ "revoked": [{ kid, revokedAt, reason }] }`. */
export interface RevocationList {
  revoked: Revocation[];
}

/** A trusted public key, as {@link TrustRegistry.resolve} returns it. */
export interface TrustedKey {
  /** `<ENDPOINT>:<key-id>`. */
  readonly kid: string;
  /** The endpoint that owns the key. */
  readonly endpoint: string;
  /** `sig` (Ed25519, verifies signatures) or `enc` (X25519, what senders encrypt to). */
  readonly use: KeyUse;
  /** The imported public key, imported once when the registry was loaded. */
  readonly key: CryptoKey;
  /**
   * The same public key as a node:crypto `KeyObject`, also made once at load: what verifyNotice
   * verifies signatures with (envelope/ed25519.ts).
   */
  readonly publicKey: KeyObject;
  /** The public JWK as stored (with `nbf`/`exp`). */
  readonly jwk: Readonly<PublicKeyJwk>;
  /** Start of the validity window (inclusive). */
  readonly validFrom: Date;
  /** End of the validity window (exclusive). */
  readonly validUntil: Date;
  /** Set when the key is on the revocation list. */
  readonly revokedAt?: Date;
  /** The revocation reason, when revoked. */
  readonly revocationReason?: string;
}

/** Input of {@link TrustRegistry.fromObject}: one JWKS per endpoint plus the revocation list. */
export interface TrustRegistryInput {
  endpoints: Readonly<Record<string, unknown>>;
  revocations?: unknown;
}

/** The revocation list's file name inside a trust directory. */
export const REVOCATIONS_FILE = 'revocations.json';
/** Suffix of an endpoint's public key file inside a trust directory: `<ENDPOINT>.jwks.json`. */
export const JWKS_FILE_SUFFIX = '.jwks.json';

function checkRevocations(value: unknown, where: string): RevocationList {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { revoked?: unknown }).revoked)) {
    throw new KeyFileError(`${where}: not a revocation list ({ "revoked": [...] })`);
  }
  const revoked = (value as { revoked: unknown[] }).revoked.map((r, i) => {
    const entry = r as Partial<Record<keyof Revocation, unknown>> | null;
    if (typeof entry !== 'object' || entry === null || typeof entry.kid !== 'string' || typeof entry.reason !== 'string' || typeof entry.revokedAt !== 'string') {
      throw new KeyFileError(`${where}: entry ${i} needs kid, revokedAt and reason strings`);
    }
    if (!/^\d{4}-\d{2}-\d{2}T/.test(entry.revokedAt) || Number.isNaN(Date.parse(entry.revokedAt))) {
      throw new KeyFileError(`${where}: entry ${i} (${entry.kid}): revokedAt is not an RFC 3339 date-time`);
    }
    return { kid: entry.kid, revokedAt: entry.revokedAt, reason: entry.reason };
  });
  return { revoked };
}

/**
 * Every endpoint's public keys, signing (`sig`) and encryption (`enc`), each with its validity
 * window, and the revocation list (which covers both kinds alike).
 * Loaded once (keys are checked and imported at load, so a bad file stops start-up rather than
 * a message), then read-only: reload by building a new registry.
 *
 * Files: `<dir>/<ENDPOINT>.jwks.json` per endpoint (format in `key-format.ts`) and
 * `<dir>/revocations.json`.
 */
export class TrustRegistry {
  readonly #keys: ReadonlyMap<string, TrustedKey>;
  readonly #byEndpoint: ReadonlyMap<string, readonly TrustedKey[]>;
  readonly #encByEndpoint: ReadonlyMap<string, readonly TrustedKey[]>;

  private constructor(keys: TrustedKey[]) {
    this.#keys = new Map(keys.map((k) => [k.kid, k]));
    const byEndpoint = new Map<string, TrustedKey[]>();
    const encByEndpoint = new Map<string, TrustedKey[]>();
    for (const k of keys) {
      const map = k.use === 'enc' ? encByEndpoint : byEndpoint;
      const list = map.get(k.endpoint) ?? [];
      list.push(k);
      map.set(k.endpoint, list);
    }
    this.#byEndpoint = byEndpoint;
    this.#encByEndpoint = encByEndpoint;
  }

  /**
   * Loads every `<ENDPOINT>.jwks.json` in `dir` and the required `revocations.json` (an absent
   * list must not silently mean "nothing revoked"; `mx keys init` creates an empty one).
   */
  static async fromDirectory(dir: string): Promise<TrustRegistry> {
    const names = (await readdir(dir)).filter((n) => n.endsWith(JWKS_FILE_SUFFIX)).sort();
    const endpoints: Record<string, unknown> = {};
    const sources: Record<string, string> = {};
    for (const name of names) {
      const endpoint = name.slice(0, -JWKS_FILE_SUFFIX.length);
      const path = join(dir, name);
      endpoints[endpoint] = await readJson(path);
      sources[endpoint] = path;
    }
    const revocationsPath = join(dir, REVOCATIONS_FILE);
    const revocations = await readJson(revocationsPath);
    return TrustRegistry.#build({ endpoints, revocations }, sources, revocationsPath);
  }

  /** Builds a registry from in-memory JWKS objects (same rules as the files). */
  static async fromObject(input: TrustRegistryInput): Promise<TrustRegistry> {
    return TrustRegistry.#build(input, {}, 'revocations');
  }

  static async #build(input: TrustRegistryInput, sources: Readonly<Record<string, string>>, revocationsWhere: string): Promise<TrustRegistry> {
    const revocations = checkRevocations(input.revocations ?? { revoked: [] }, revocationsWhere);
    const revokedByKid = new Map<string, Revocation>();
    for (const r of revocations.revoked) {
      const earlier = revokedByKid.get(r.kid);
      // Listed twice: the earliest revocation wins.
      if (earlier === undefined || Date.parse(r.revokedAt) < Date.parse(earlier.revokedAt)) revokedByKid.set(r.kid, r);
    }
    const keys: TrustedKey[] = [];
    const seen = new Set<string>();
    for (const [endpoint, jwks] of Object.entries(input.endpoints)) {
      assertEndpoint(endpoint);
      const where = sources[endpoint] ?? `JWKS of ${endpoint}`;
      const file: KeyFile<PublicKeyJwk> = checkKeyFile(jwks, where, 'public', endpoint);
      for (const jwk of file.keys) {
        if (seen.has(jwk.kid)) throw new KeyFileError(`${where}: kid ${jwk.kid} appears twice`);
        seen.add(jwk.kid);
        const use = keyUseOf(jwk);
        const key = (await importJWK(joseJwk(jwk), use === 'enc' ? 'ECDH-ES+A256KW' : 'EdDSA')) as CryptoKey;
        const publicKey = createPublicKey({ key: { kty: 'OKP', crv: jwk.crv, x: jwk.x }, format: 'jwk' });
        const revocation = revokedByKid.get(jwk.kid);
        const parsed = parseKid(jwk.kid);
        keys.push(
          Object.freeze({
            kid: jwk.kid,
            endpoint: parsed?.endpoint ?? endpoint,
            use,
            key,
            publicKey,
            jwk: Object.freeze(publicPart(jwk)),
            validFrom: fromNumericDate(jwk.nbf),
            validUntil: fromNumericDate(jwk.exp),
            ...(revocation !== undefined ? { revokedAt: new Date(revocation.revokedAt), revocationReason: revocation.reason } : {}),
          }),
        );
      }
    }
    return new TrustRegistry(keys);
  }

  /**
   * The signing key named by `kid`, or undefined when no endpoint has published one. An
   * encryption kid resolves to nothing here, so it can never verify a signature.
   */
  resolve(kid: string): TrustedKey | undefined {
    const k = this.#keys.get(kid);
    return k?.use === 'sig' ? k : undefined;
  }

  /** The encryption key named by `kid`, or undefined. */
  resolveEncryptionKey(kid: string): TrustedKey | undefined {
    const k = this.#keys.get(kid);
    return k?.use === 'enc' ? k : undefined;
  }

  /** The endpoints that have published at least one signing key, sorted. */
  endpoints(): string[] {
    return [...this.#byEndpoint.keys()].sort();
  }

  /** Whether `endpoint` has published at least one signing key. */
  hasEndpoint(endpoint: string): boolean {
    return this.#byEndpoint.has(endpoint);
  }

  /** Every signing key of `endpoint` (empty for an unknown endpoint). */
  keysOf(endpoint: string): readonly TrustedKey[] {
    return this.#byEndpoint.get(endpoint) ?? [];
  }

  /** Every encryption key of `endpoint`, with validity and revocation (empty when none). */
  encryptionKeysOf(endpoint: string): readonly TrustedKey[] {
    return this.#encByEndpoint.get(endpoint) ?? [];
  }

  /**
   * The key a sender encrypts to: `endpoint`'s newest encryption key (largest `validFrom`, later
   * in the file on a tie) that is valid and not revoked at `at`; undefined when there is none.
   */
  currentEncryptionKey(endpoint: string, at: Date = new Date()): TrustedKey | undefined {
    let best: TrustedKey | undefined;
    for (const k of this.encryptionKeysOf(endpoint)) {
      if (!isValidAt(k, at) || isRevokedAt(k, at)) continue;
      if (best === undefined || k.validFrom.getTime() >= best.validFrom.getTime()) best = k;
    }
    return best;
  }
}

/** Whether `key` is revoked as of `at` (a revocation takes effect at its `revokedAt`). */
export function isRevokedAt(key: TrustedKey, at: Date): boolean {
  return key.revokedAt !== undefined && key.revokedAt.getTime() <= at.getTime();
}

/** Whether `at` falls inside the key's validity window (`validFrom` inclusive, `validUntil` exclusive). */
export function isValidAt(key: Pick<TrustedKey, 'validFrom' | 'validUntil'>, at: Date): boolean {
  const t = at.getTime();
  return key.validFrom.getTime() <= t && t < key.validUntil.getTime();
}
