/**
 * Test world for the envelope tests: real Ed25519 keys generated per run (no key material in the
 * repository), a trust registry over them, signers, the real schema registry, and a raw signer
 * for crafting records that signNotice refuses to make.
 */
import { FlattenedSign, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { serializeJws } from '../../services/core/src/envelope/canonical.ts';
import { MxError } from '../../services/core/src/errors/mx-error.ts';
import type { ErrorCode } from '../../services/core/src/errors/catalogue.ts';
import { SchemaRegistry } from '../../services/core/src/schemas/registry.ts';
import { TrustRegistry } from '../../services/core/src/trust/trust-registry.ts';
import { signingKeyRingFromJwks, type Signer } from '../../services/core/src/trust/signer.ts';

export const DAY = 24 * 60 * 60 * 1000;
export const ENDPOINTS = ['LA', 'TH', 'CN', 'INTERPOL'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

const encoder = new TextEncoder();

export interface TestKey {
  kid: string;
  endpoint: string;
  publicJwk: JWK & { kid: string; nbf: number; exp: number };
  privateJwk: JWK & { kid: string; nbf: number; exp: number };
  privateKey: CryptoKey;
}

export async function makeKey(kid: string, validFrom: Date, validUntil: Date): Promise<TestKey> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  const nbf = Math.floor(validFrom.getTime() / 1000);
  const exp = Math.floor(validUntil.getTime() / 1000);
  const publicJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk.x!, kid, alg: 'EdDSA', use: 'sig', nbf, exp };
  return { kid, endpoint: kid.split(':')[0]!, publicJwk, privateJwk: { ...publicJwk, d: jwk.d! }, privateKey };
}

export interface World {
  now: Date;
  trust: TrustRegistry;
  schemas: SchemaRegistry;
  /** The current signer of each endpoint. */
  signers: Record<Endpoint, Signer>;
  /** The current key of each endpoint, for raw signing. */
  keys: Record<Endpoint, TestKey>;
  /** TH keys with special states. */
  thExpired: TestKey;
  thRevoked: TestKey;
  thFuture: TestKey;
  /** A key no registry knows. */
  stranger: TestKey;
}

let schemasOnce: SchemaRegistry | undefined;
export function schemas(): SchemaRegistry {
  schemasOnce ??= SchemaRegistry.load();
  return schemasOnce;
}

/** Keys for every endpoint valid around `now`, plus TH keys that are expired, revoked and not yet valid. */
export async function makeWorld(now: Date): Promise<World> {
  const t = now.getTime();
  const keys = {} as Record<Endpoint, TestKey>;
  for (const ep of ENDPOINTS) keys[ep] = await makeKey(`${ep}:current`, new Date(t - 30 * DAY), new Date(t + 335 * DAY));
  const thExpired = await makeKey('TH:expired', new Date(t - 60 * DAY), new Date(t - 20 * DAY));
  const thRevoked = await makeKey('TH:revoked', new Date(t - 30 * DAY), new Date(t + 335 * DAY));
  const thFuture = await makeKey('TH:future', new Date(t + 10 * DAY), new Date(t + 400 * DAY));
  const stranger = await makeKey('TH:stranger', new Date(t - 30 * DAY), new Date(t + 335 * DAY));
  const endpoints: Record<string, unknown> = {};
  for (const ep of ENDPOINTS) endpoints[ep] = { keys: [keys[ep].publicJwk] };
  endpoints.TH = { keys: [keys.TH.publicJwk, thExpired.publicJwk, thRevoked.publicJwk, thFuture.publicJwk] };
  const trust = await TrustRegistry.fromObject({
    endpoints,
    revocations: { revoked: [{ kid: thRevoked.kid, revokedAt: new Date(t - DAY).toISOString(), reason: 'key-compromise' }] },
  });
  const signers = {} as Record<Endpoint, Signer>;
  for (const ep of ENDPOINTS) signers[ep] = (await signingKeyRingFromJwks({ keys: [keys[ep].privateJwk] })).current(now);
  return { now, trust, schemas: schemas(), signers, keys, thExpired, thRevoked, thFuture, stranger };
}

/**
 * Signs any payload text under any header with any key, then serializes canonically: the tool
 * for records a misbehaving or malicious sender could produce.
 */
export async function rawSign(payload: string | object, header: Record<string, unknown>, key: CryptoKey | Uint8Array): Promise<Uint8Array> {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const jws = await new FlattenedSign(encoder.encode(text)).setProtectedHeader(header as never).sign(key);
  return encoder.encode(serializeJws({ protected: jws.protected!, payload: jws.payload, signature: jws.signature }));
}

/** Serializes three members canonically without signing anything. */
export function rawRecord(protectedHeader: Record<string, unknown>, payload: string | object, signature = ''): Uint8Array {
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
  return encoder.encode(
    serializeJws({ protected: b64(JSON.stringify(protectedHeader)), payload: b64(typeof payload === 'string' ? payload : JSON.stringify(payload)), signature }),
  );
}

/** Runs `fn` and returns the MxError it throws (fails the test if it does not). */
export async function rejection(fn: () => Promise<unknown>): Promise<MxError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof MxError) return err;
    throw new Error(`expected an MxError, got ${String(err)}`);
  }
  throw new Error('expected a rejection, but it verified');
}

export async function codeOf(fn: () => Promise<unknown>): Promise<ErrorCode> {
  return (await rejection(fn)).code;
}
