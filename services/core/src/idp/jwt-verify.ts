/**
 * Verification of an officer's or auditor's bearer JWT (compact JWS, `alg: EdDSA`, Ed25519) with
 * `node:crypto`, with exactly the outcome of jose 6's
 * `jwtVerify(token, keySet, { issuer, audience, algorithms: ['EdDSA'], requiredClaims: ['sub', 'exp', 'iat'], clockTolerance })`.
 *
 * Why not jose's `jwtVerify`: jose 6 checks the signature through WebCrypto, an asynchronous job
 * per call that cost about 5% of the sending gateway's CPU in the bench profile (README,
 * "Performance"), several times `node:crypto`'s one-shot `verify` over the same OpenSSL Ed25519.
 * The key is still chosen by the same jose key set (local or remote JWKS: `kid` selection and the
 * remote refetch stay jose's); only the signature and the checks around it run here, in jose's
 * order and with jose's rules (lib/jws_verify.js, lib/validate.js, lib/jwt_claims_set.js).
 * `test/unit/idp/jwt-verify.test.ts` issues random tokens with jose's SignJWT, valid and broken, and
 * checks that this and jose's `jwtVerify` accept the same ones with the same payload.
 *
 * A resolved key that is neither a `CryptoKey` nor a `KeyObject` (a JWK object from a custom
 * resolver) is left to jose's `jwtVerify`, whose key checks are then applied as they are.
 */
import { KeyObject } from 'node:crypto';
import { jwtVerify, type CryptoKey, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ed25519Verify } from '../envelope/ed25519.ts';

/** Why a token was refused (for tests and logs of this module's callers; never sent to a client). */
export type JwtRefusal = 'malformed' | 'header' | 'algorithm' | 'key' | 'signature' | 'claims' | 'expired' | 'not-yet-valid';

/** A refused token: every reason is one failure to the caller, who learns nothing more. */
export class JwtRefused extends Error {
  override readonly name = 'JwtRefused';
  constructor(readonly reason: JwtRefusal) {
    super(`token refused: ${reason}`);
  }
}

export interface JwtVerifyOptions {
  issuer: string;
  audience: string;
  /** Seconds of clock skew allowed on `exp` and `nbf` (jose's `clockTolerance` as a number). */
  clockToleranceSec: number;
  /** The time to judge `exp` and `nbf` against (default: now), as jose's `currentDate`. */
  currentDate?: Date;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** Node's KeyObject of each CryptoKey the key set hands out (the key set keeps its CryptoKeys, so each is converted once). */
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

/** jose's base64url decoding (util/base64url.js `decode`): `Uint8Array.fromBase64` where the runtime has it, else `atob`. */
function decodeBase64url(s: string): Uint8Array {
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string, o: { alphabet: string }) => Uint8Array }).fromBase64;
  if (fromBase64) return fromBase64(s, { alphabet: 'base64url' });
  if (s.includes('+') || s.includes('/')) throw new JwtRefused('malformed');
  return Buffer.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), 'latin1');
}

/** jose's `encode` of a member into the signing input: ASCII only. */
function ascii(s: string): Buffer {
  if (/[^\x00-\x7f]/.test(s)) throw new JwtRefused('malformed');
  return Buffer.from(s, 'latin1');
}

/** jose's `isObject`: a plain object (JSON.parse gives Object.prototype objects or arrays). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Object.prototype.toString.call(v) !== '[object Object]') return false;
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

function parseJsonObject(bytes: Uint8Array, reason: JwtRefusal): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    throw new JwtRefused(reason);
  }
  if (!isPlainObject(parsed)) throw new JwtRefused(reason);
  return parsed;
}

/**
 * The `b64` value jose's `validateCrit` + `validateB64` give a compact JWS: `crit`, when present,
 * must be a non-empty array of non-empty strings each naming `b64` (the only extension jose
 * recognizes without an option) and present in the header; `b64` counts only when `crit` names it.
 */
function b64Of(header: Record<string, unknown>): boolean {
  const crit = header.crit;
  if (crit === undefined) return true;
  if (!Array.isArray(crit) || crit.length === 0 || crit.some((p) => typeof p !== 'string' || p.length === 0)) throw new JwtRefused('header');
  for (const p of crit as string[]) {
    if (p !== 'b64') throw new JwtRefused('header');
    if (!Object.hasOwn(header, p) || header[p] === undefined) throw new JwtRefused('header');
  }
  if (typeof header.b64 !== 'boolean') throw new JwtRefused('header');
  return header.b64;
}

/** The Ed25519 public KeyObject of a key the key set resolved, or undefined for one jose must judge itself. */
function ed25519KeyOf(key: unknown): KeyObject | undefined {
  // jose's isCryptoKey: WebCrypto's class is a global of the runtime, not an import.
  if ((key as { [Symbol.toStringTag]?: unknown } | null)?.[Symbol.toStringTag] === 'CryptoKey') {
    const ck = key as CryptoKey;
    // jose's prepareKey + checkCryptoKey for EdDSA: a public key, algorithm Ed25519, usable to verify.
    if (ck.type !== 'public' || ck.algorithm.name !== 'Ed25519' || !ck.usages.includes('verify')) throw new JwtRefused('key');
    let ko = keyObjects.get(ck);
    if (ko === undefined) {
      ko = KeyObject.from(ck);
      keyObjects.set(ck, ko);
    }
    return ko;
  }
  if (key instanceof KeyObject) {
    if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') throw new JwtRefused('key');
    return key;
  }
  return undefined;
}

/**
 * Verifies a compact JWT signed with Ed25519 and returns its claims; throws {@link JwtRefused}
 * (or whatever the key set throws) for a token jose's `jwtVerify` would refuse with the options
 * above. `sub`, `exp` and `iat` are required, `iss` and `aud` must match; nothing else about the
 * claims is checked here (the caller type-checks what it uses).
 */
export async function verifyEd25519Jwt(token: string, keySet: JWTVerifyGetKey, opts: JwtVerifyOptions): Promise<JWTPayload> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtRefused('malformed');
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];

  let headerBytes: Uint8Array;
  try {
    headerBytes = decodeBase64url(encodedHeader);
  } catch {
    throw new JwtRefused('header');
  }
  const header = parseJsonObject(headerBytes, 'header');
  const b64 = b64Of(header);
  if (typeof header.alg !== 'string' || header.alg.length === 0) throw new JwtRefused('header');
  if (header.alg !== 'EdDSA') throw new JwtRefused('algorithm');

  const resolved: unknown = await keySet(header as Parameters<JWTVerifyGetKey>[0], { payload: encodedPayload, protected: encodedHeader, signature: encodedSignature });
  const publicKey = ed25519KeyOf(resolved);
  if (publicKey === undefined) {
    const { payload } = await jwtVerify(token, resolved as Parameters<typeof jwtVerify>[1], {
      issuer: opts.issuer,
      audience: opts.audience,
      algorithms: ['EdDSA'],
      requiredClaims: ['sub', 'exp', 'iat'],
      clockTolerance: opts.clockToleranceSec,
      ...(opts.currentDate ? { currentDate: opts.currentDate } : {}),
    });
    return payload;
  }

  // With b64 false jose signs the payload text as it is (ASCII only in a compact JWS), then refuses the JWT.
  const signingInput = Buffer.concat([ascii(encodedHeader), Buffer.from('.', 'latin1'), ascii(encodedPayload)]);
  let signature: Uint8Array;
  try {
    signature = decodeBase64url(encodedSignature);
  } catch {
    throw new JwtRefused('signature');
  }
  if (!ed25519Verify(publicKey, signingInput, signature)) throw new JwtRefused('signature');
  if (!b64) throw new JwtRefused('header');

  let payloadBytes: Uint8Array;
  try {
    payloadBytes = decodeBase64url(encodedPayload);
  } catch {
    throw new JwtRefused('malformed');
  }
  const claims = parseJsonObject(payloadBytes, 'claims');
  return checkClaims(claims, opts);
}

/** jose's `validateClaimsSet` for these options: presence, `iss`, `aud`, then the numeric dates. */
function checkClaims(claims: Record<string, unknown>, opts: JwtVerifyOptions): JWTPayload {
  for (const claim of ['iss', 'aud', 'iat', 'exp', 'sub']) if (!Object.hasOwn(claims, claim)) throw new JwtRefused('claims');
  if (claims.iss !== opts.issuer) throw new JwtRefused('claims');
  const aud = claims.aud;
  if (typeof aud === 'string' ? aud !== opts.audience : !Array.isArray(aud) || !aud.includes(opts.audience)) throw new JwtRefused('claims');

  const tolerance = opts.clockToleranceSec;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new JwtRefused('claims');
  const now = Math.floor((opts.currentDate?.getTime() ?? Date.now()) / 1000);
  if (!Number.isFinite(now)) throw new JwtRefused('claims');
  // iat must be a number; jose bounds it only under maxTokenAge, which is not used.
  if (typeof claims.iat !== 'number') throw new JwtRefused('claims');
  const nbf = claims.nbf;
  if (nbf !== undefined) {
    if (typeof nbf !== 'number') throw new JwtRefused('claims');
    if (nbf > now + tolerance) throw new JwtRefused('not-yet-valid');
  }
  const exp = claims.exp;
  if (typeof exp !== 'number') throw new JwtRefused('claims');
  if (exp <= now - tolerance) throw new JwtRefused('expired');
  return claims as JWTPayload;
}
