/**
 * The audit service's own signing key and the checkpoint signature.
 *
 * The audit service is not an endpoint of the exchange: it signs no envelopes and is not in the
 * gateways' trust registry (whose files must be named after endpoints). Its key is a separate
 * Ed25519 JWKS with `kid` `audit:<RFC 7638 thumbprint>`:
 * - private: `<dir>/private/audit.jwks.json` (mode 0600), read by the service only;
 * - public: `<dir>/audit/audit.jwks.json`, handed to every auditor (`mx audit verify --audit-key`).
 * Generating again appends a key (rotation): the service signs with the newest, verifiers accept
 * any key in the public file, so earlier checkpoints still verify.
 *
 * A checkpoint signature is a compact JWS, protected header exactly `{alg: "EdDSA", kid, typ:
 * "mx-checkpoint+jws"}`, payload the JSON of `{origin, treeSize, rootHash, time}` in that order.
 * The verifier pins the algorithm and `typ`, never follows a key named in the header, and checks
 * that the signed statement equals the checkpoint's fields.
 */
import { calculateJwkThumbprint, compactVerify, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { join } from 'node:path';
import { ed25519PrivateKey, ed25519Sign, signJwsEd25519 } from '../../core/src/envelope/ed25519.ts';
import { assertPrivateFileMode, ensureDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, readJson, readJsonIfExists, writeFileAtomic } from '../../core/src/trust/files.ts';

/** The `typ` of a checkpoint signature: never confusable with an envelope class. */
export const CHECKPOINT_TYP = 'mx-checkpoint+jws';
/** Prefix of the audit service's key ids. */
export const AUDIT_KID_PREFIX = 'audit:';

/** What a checkpoint states. `rootHash` is standard base64, `time` an RFC 3339 instant. */
export interface CheckpointStatement {
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: string;
  readonly time: string;
}

/** A checkpoint with its signature (the `Checkpoint` of openapi/audit.yaml). */
export interface SignedCheckpoint extends CheckpointStatement {
  readonly signature: string;
}

/** Stable reasons a checkpoint signature is rejected. */
export type CheckpointSignatureProblem = 'MALFORMED' | 'HEADER_NOT_ALLOWED' | 'UNKNOWN_KEY' | 'SIGNATURE_INVALID' | 'STATEMENT_MISMATCH';

/** A checkpoint whose signature does not hold; `problem` is the stable discriminant. */
export class CheckpointSignatureError extends Error {
  override readonly name = 'CheckpointSignatureError';
  constructor(
    readonly problem: CheckpointSignatureProblem,
    message: string,
  ) {
    super(message);
  }
}

/** Where {@link generateAuditKey} keeps the audit service's key files under a deployment directory. */
export function auditKeyPaths(dir: string): { privateJwks: string; publicJwks: string } {
  return { privateJwks: join(dir, 'private', 'audit.jwks.json'), publicJwks: join(dir, 'audit', 'audit.jwks.json') };
}

interface AuditJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  d?: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

const B64URL_32 = /^[A-Za-z0-9_-]{43}$/;
const KID = /^audit:[A-Za-z0-9_-]{43}$/;

function checkJwks(value: unknown, where: string, kind: 'public' | 'private'): AuditJwk[] {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error(`${where}: not a JWKS ({ "keys": [...] })`);
  return keys.map((k: unknown, i) => {
    const jwk = k as Partial<Record<keyof AuditJwk, unknown>> | null;
    const at = `${where}: key ${i}`;
    if (typeof jwk !== 'object' || jwk === null) throw new Error(`${at} is not an object`);
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') throw new Error(`${at} is not an Ed25519 OKP key`);
    if (typeof jwk.x !== 'string' || !B64URL_32.test(jwk.x)) throw new Error(`${at}: x is not 32 bytes of base64url`);
    if (typeof jwk.kid !== 'string' || !KID.test(jwk.kid)) throw new Error(`${at}: kid is not audit:<thumbprint>`);
    if (jwk.alg !== undefined && jwk.alg !== 'EdDSA') throw new Error(`${at}: alg must be EdDSA`);
    if (kind === 'public' && jwk.d !== undefined) throw new Error(`${at}: a public key file holds a private key`);
    if (kind === 'private' && (typeof jwk.d !== 'string' || !B64URL_32.test(jwk.d))) throw new Error(`${at}: d is missing`);
    return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: jwk.kid, alg: 'EdDSA', use: 'sig', ...(kind === 'private' ? { d: jwk.d as string } : {}) };
  });
}

/**
 * Generates a new audit signing key and appends it to the private and public files under `dir`
 * (creating them). `dir` belongs outside the repository.
 */
export async function generateAuditKey(dir: string): Promise<{ kid: string; privateJwksPath: string; publicJwksPath: string; keyCount: number }> {
  const paths = auditKeyPaths(dir);
  await ensureDir(join(dir, 'private'), PRIVATE_DIR_MODE);
  await ensureDir(join(dir, 'audit'), 0o755);
  const existingPrivate = await readJsonIfExists(paths.privateJwks);
  if (existingPrivate !== undefined) await assertPrivateFileMode(paths.privateJwks);
  const privateKeys = existingPrivate === undefined ? [] : checkJwks(existingPrivate, paths.privateJwks, 'private');
  const existingPublic = await readJsonIfExists(paths.publicJwks);
  const publicKeys = existingPublic === undefined ? [] : checkJwks(existingPublic, paths.publicJwks, 'public');

  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const exported = await exportJWK(privateKey);
  if (typeof exported.x !== 'string' || typeof exported.d !== 'string') throw new Error('Ed25519 key export returned no x/d');
  const kid = `${AUDIT_KID_PREFIX}${await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: exported.x })}`;
  const pub: AuditJwk = { kty: 'OKP', crv: 'Ed25519', x: exported.x, kid, alg: 'EdDSA', use: 'sig' };
  // Private first: a crash between the writes leaves a key nobody trusts yet, never a trusted key without its private half.
  await writeFileAtomic(paths.privateJwks, `${JSON.stringify({ keys: [...privateKeys, { ...pub, d: exported.d }] }, null, 2)}\n`, PRIVATE_FILE_MODE);
  await writeFileAtomic(paths.publicJwks, `${JSON.stringify({ keys: [...publicKeys, pub] }, null, 2)}\n`, PUBLIC_FILE_MODE);
  return { kid, privateJwksPath: paths.privateJwks, publicJwksPath: paths.publicJwks, keyCount: privateKeys.length + 1 };
}

/** Signs checkpoint statements with the newest key of the audit service's private file. */
export interface CheckpointSigner {
  readonly kid: string;
  sign(statement: CheckpointStatement): Promise<string>;
}

/** The exact payload bytes of a statement. */
export function statementPayload(s: CheckpointStatement): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ origin: s.origin, treeSize: s.treeSize, rootHash: s.rootHash, time: s.time }));
}

/** Loads the audit service's private key file (mode 0600) and signs with its last key. */
export async function loadCheckpointSigner(privateJwksPath: string): Promise<CheckpointSigner> {
  await assertPrivateFileMode(privateJwksPath);
  const keys = checkJwks(await readJson(privateJwksPath), privateJwksPath, 'private');
  const jwk = keys.at(-1);
  if (jwk === undefined) throw new Error(`${privateJwksPath}: no keys`);
  const thumbprint = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x });
  if (jwk.kid !== `${AUDIT_KID_PREFIX}${thumbprint}`) throw new Error(`${privateJwksPath}: kid ${jwk.kid} is not the key's thumbprint`);
  // node:crypto, as for envelopes (core/src/envelope/ed25519.ts): the same bytes as jose's CompactSign.
  const key = ed25519PrivateKey({ x: jwk.x, d: jwk.d! });
  const kid = jwk.kid;
  return Object.freeze({
    kid,
    sign: (statement: CheckpointStatement): Promise<string> => {
      const jws = signJwsEd25519({ alg: 'EdDSA', kid, typ: CHECKPOINT_TYP }, statementPayload(statement), (data) => ed25519Sign(key, data));
      return Promise.resolve(`${jws.protected}.${jws.payload}.${jws.signature}`);
    },
  });
}

/** Verifies checkpoint signatures against the audit service's public keys. */
export class CheckpointVerifier {
  readonly #keys: ReadonlyMap<string, CryptoKey>;

  private constructor(keys: ReadonlyMap<string, CryptoKey>) {
    this.#keys = keys;
  }

  /** From a public JWKS object (every key's kid must be its thumbprint). */
  static async fromJwks(jwks: unknown, where = 'audit public JWKS'): Promise<CheckpointVerifier> {
    const keys = new Map<string, CryptoKey>();
    for (const jwk of checkJwks(jwks, where, 'public')) {
      const thumbprint = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x });
      if (jwk.kid !== `${AUDIT_KID_PREFIX}${thumbprint}`) throw new Error(`${where}: kid ${jwk.kid} is not the key's thumbprint`);
      keys.set(jwk.kid, (await importJWK({ kty: 'OKP', crv: 'Ed25519', x: jwk.x } as JWK, 'EdDSA')) as CryptoKey);
    }
    if (keys.size === 0) throw new Error(`${where}: no keys`);
    return new CheckpointVerifier(keys);
  }

  /** From the public key file (`audit.jwks.json`). */
  static async fromFile(path: string): Promise<CheckpointVerifier> {
    return CheckpointVerifier.fromJwks(await readJson(path), path);
  }

  /** Key ids this verifier accepts. */
  get kids(): string[] {
    return [...this.#keys.keys()];
  }

  /**
   * Checks that `checkpoint.signature` is a valid signature by a known audit key over exactly the
   * checkpoint's `origin`, `treeSize`, `rootHash` and `time`; returns the signing kid.
   * @throws CheckpointSignatureError
   */
  async verify(checkpoint: SignedCheckpoint): Promise<string> {
    const jws = checkpoint.signature;
    const parts = typeof jws === 'string' ? jws.split('.') : [];
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) throw new CheckpointSignatureError('MALFORMED', 'the signature is not a compact JWS');
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new CheckpointSignatureError('MALFORMED', 'the protected header is not JSON');
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new CheckpointSignatureError('MALFORMED', 'the protected header is not an object');
    const members = Object.keys(header).sort().join(',');
    if (members !== 'alg,kid,typ' || header.alg !== 'EdDSA' || header.typ !== CHECKPOINT_TYP) {
      throw new CheckpointSignatureError('HEADER_NOT_ALLOWED', `the header must be exactly alg EdDSA, kid and typ ${CHECKPOINT_TYP}`);
    }
    const key = typeof header.kid === 'string' ? this.#keys.get(header.kid) : undefined;
    if (key === undefined) throw new CheckpointSignatureError('UNKNOWN_KEY', `kid ${String(header.kid)} is not in the audit public key file`);
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(jws, key, { algorithms: ['EdDSA'] }));
    } catch {
      throw new CheckpointSignatureError('SIGNATURE_INVALID', `the signature does not verify with ${String(header.kid)}`);
    }
    if (Buffer.compare(Buffer.from(payload), Buffer.from(statementPayload(checkpoint))) !== 0) {
      throw new CheckpointSignatureError('STATEMENT_MISMATCH', 'the signed statement differs from the checkpoint\'s origin, treeSize, rootHash or time');
    }
    return header.kid as string;
  }
}
