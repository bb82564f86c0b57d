/**
 * "Verify in this browser": the checks `mx audit verify` makes for one leaf, redone with WebCrypto
 * only (`crypto.subtle`: SHA-256 and Ed25519), so an auditor need trust neither the audit service
 * nor this page's server for the result, only the audit public key they supplied. No DOM here:
 * the same module runs in Node for its tests.
 *
 * Byte formats are those of the audit service and the CLI, not new ones:
 * - leaf hash `SHA-256(0x00 || bytes)`, node hash `SHA-256(0x01 || left || right)` (RFC 9162
 *   2.1.1), inclusion proofs verified as RFC 9162 2.1.3.2 with the reference verifier's extra rules
 *   (32-byte hashes, a proof exactly as long as the path);
 * - the audit public JWKS: Ed25519 OKP keys whose `kid` is `audit:<RFC 7638 thumbprint>`;
 * - a checkpoint signature: a compact JWS whose protected header is exactly `{alg: "EdDSA", kid,
 *   typ: "mx-checkpoint+jws"}` and whose payload is the JSON of `{origin, treeSize, rootHash,
 *   time}` in that order. The key is chosen by `kid` among the supplied keys only.
 */

/** Size in bytes of every hash in the tree. */
export const HASH_SIZE = 32;
/** The `typ` of a checkpoint signature. */
export const CHECKPOINT_TYP = 'mx-checkpoint+jws';
/** Prefix of the audit service's key ids. */
export const AUDIT_KID_PREFIX = 'audit:';

/** Why a check failed; stable, each has a text in the console's catalogue (`auditor.verify.problem.<code>`). */
export type VerifyProblem =
  // the audit key
  | 'KEY_NOT_JSON'
  | 'KEY_NOT_JWKS'
  | 'KEY_NOT_ED25519'
  | 'KEY_PRIVATE'
  | 'KEY_KID_MISMATCH'
  // the checkpoint signature (as services/audit/src/checkpoint-key.ts names them)
  | 'MALFORMED'
  | 'HEADER_NOT_ALLOWED'
  | 'UNKNOWN_KEY'
  | 'SIGNATURE_INVALID'
  | 'STATEMENT_MISMATCH'
  // the leaf and its proof (as services/audit/src/merkle/errors.ts names them)
  | 'LEAF_HASH_MISMATCH'
  | 'PROOF_OTHER_LEAF'
  | 'PROOF_OTHER_TREE'
  | 'BAD_SIZE'
  | 'BAD_INDEX'
  | 'BAD_HASH_LENGTH'
  | 'PROOF_INVALID'
  | 'ROOT_MISMATCH';

export class VerifyError extends Error {
  override readonly name = 'VerifyError';
  constructor(
    readonly problem: VerifyProblem,
    message: string,
  ) {
    super(message);
  }
}

const encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// Encodings

/** Standard base64 (RFC 4648 section 4), as the audit API writes hashes and leaf bytes. */
export function fromBase64(text: string): Uint8Array {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) throw new VerifyError('BAD_HASH_LENGTH', 'not base64');
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function fromBase64url(text: string): Uint8Array {
  const std = text.replace(/-/g, '+').replace(/_/g, '/');
  return fromBase64(std + '='.repeat((4 - (std.length % 4)) % 4));
}

function toBase64url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A fresh ArrayBuffer-backed copy: WebCrypto's typings refuse views of a SharedArrayBuffer. */
function buf(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', all));
}

// ---------------------------------------------------------------------------------------------
// RFC 9162 hashing and inclusion proofs

/** `SHA-256(0x00 || data)`: the hash of one log entry. */
export function leafHash(data: Uint8Array): Promise<Uint8Array> {
  return sha256(Uint8Array.of(0x00), data);
}

/** `SHA-256(0x01 || left || right)`: the hash of an interior node. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(Uint8Array.of(0x01), left, right);
}

function isSafeCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function checkedHash(hash: Uint8Array, what: string): void {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) throw new VerifyError('BAD_HASH_LENGTH', `${what} is not ${HASH_SIZE} bytes`);
}

/**
 * The number of elements an inclusion proof of leaf `index` in a tree of `size` leaves has
 * (RFC 9162 2.1.3.2's loop run without hashing). Sizes may exceed 2^31, so no bitwise operators.
 */
export function inclusionPathLength(index: number, size: number): number {
  if (!isSafeCount(size) || size === 0) throw new VerifyError('BAD_SIZE', `tree size ${String(size)} is not a positive safe integer`);
  if (!isSafeCount(index) || index >= size) throw new VerifyError('BAD_INDEX', `leaf index ${String(index)} is not in [0, ${size})`);
  let fn = index;
  let sn = size - 1;
  let n = 0;
  while (sn !== 0) {
    if (fn % 2 === 1 || fn === sn) {
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
    n += 1;
  }
  return n;
}

/**
 * The root implied by an inclusion proof (RFC 9162 2.1.3.2 steps 1 to 4), the proof required to
 * have exactly as many elements as the path.
 * @throws VerifyError `BAD_SIZE`, `BAD_INDEX`, `BAD_HASH_LENGTH`, `PROOF_INVALID`
 */
export async function rootFromInclusionProof(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[]): Promise<Uint8Array> {
  const want = inclusionPathLength(index, size);
  checkedHash(leaf, 'the leaf hash');
  proof.forEach((p, i) => checkedHash(p, `proof element ${i}`));
  if (proof.length !== want) throw new VerifyError('PROOF_INVALID', `the proof has ${proof.length} elements, the path of leaf ${index} in a tree of ${size} has ${want}`);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return r;
}

/**
 * That `leaf` is leaf `index` of the tree of `size` leaves whose root is `root`.
 * @throws VerifyError `BAD_SIZE`, `BAD_INDEX`, `BAD_HASH_LENGTH`, `PROOF_INVALID`, `ROOT_MISMATCH`
 */
export async function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): Promise<void> {
  checkedHash(root, 'the root');
  const computed = await rootFromInclusionProof(leaf, index, size, proof);
  if (!bytesEqual(computed, root)) throw new VerifyError('ROOT_MISMATCH', `the proof of leaf ${index} leads to another root`);
}

// ---------------------------------------------------------------------------------------------
// The audit public key and checkpoint signatures

/** One key of the audit public JWKS, imported for verification. */
export interface AuditKey {
  readonly kid: string;
  /** RFC 7638 thumbprint (base64url SHA-256), what an auditor compares with the published one. */
  readonly thumbprint: string;
  readonly key: VerifyKey;
}

/** WebCrypto's key type, named without the DOM's or Node's global typings (the module builds under both). */
type VerifyKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** RFC 7638 thumbprint of an Ed25519 public key: its required members in lexicographic order. */
export async function okpThumbprint(x: string): Promise<string> {
  return toBase64url(await sha256(encoder.encode(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x }))));
}

/**
 * Reads the audit service's public JWKS (`audit.jwks.json`, text or parsed), as
 * `CheckpointVerifier.fromJwks` does: Ed25519 public keys only, each `kid` its thumbprint.
 * @throws VerifyError `KEY_*`
 */
export async function importAuditJwks(jwks: unknown): Promise<AuditKey[]> {
  let value = jwks;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      throw new VerifyError('KEY_NOT_JSON', 'the audit key is not JSON');
    }
  }
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (typeof value !== 'object' || value === null || !Array.isArray(keys) || keys.length === 0) throw new VerifyError('KEY_NOT_JWKS', 'the audit key is not a JWKS ({"keys": [...]}) with at least one key');
  const out: AuditKey[] = [];
  for (const [i, k] of keys.entries()) {
    const jwk = (typeof k === 'object' && k !== null ? k : {}) as Record<string, unknown>;
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(jwk.x) || (jwk.alg !== undefined && jwk.alg !== 'EdDSA')) {
      throw new VerifyError('KEY_NOT_ED25519', `key ${i} is not an Ed25519 public key`);
    }
    if (jwk.d !== undefined) throw new VerifyError('KEY_PRIVATE', `key ${i} holds a private key`);
    const thumbprint = await okpThumbprint(jwk.x);
    if (jwk.kid !== `${AUDIT_KID_PREFIX}${thumbprint}`) throw new VerifyError('KEY_KID_MISMATCH', `key ${i}: kid is not audit:<its thumbprint>`);
    const key = await crypto.subtle.importKey('raw', buf(fromBase64url(jwk.x)), { name: 'Ed25519' }, false, ['verify']);
    out.push({ kid: jwk.kid, thumbprint, key });
  }
  return out;
}

/** A checkpoint as `GET /v1/checkpoints/latest` returns it. */
export interface Checkpoint {
  origin: string;
  treeSize: number;
  rootHash: string;
  time: string;
  signature: string;
}

/** The exact payload bytes a checkpoint's signature covers. */
export function statementPayload(c: Pick<Checkpoint, 'origin' | 'treeSize' | 'rootHash' | 'time'>): Uint8Array {
  return encoder.encode(JSON.stringify({ origin: c.origin, treeSize: c.treeSize, rootHash: c.rootHash, time: c.time }));
}

/**
 * Checks a checkpoint's signature with the supplied audit keys; returns the signing kid.
 * @throws VerifyError `MALFORMED`, `HEADER_NOT_ALLOWED`, `UNKNOWN_KEY`, `SIGNATURE_INVALID`, `STATEMENT_MISMATCH`
 */
export async function verifyCheckpointSignature(checkpoint: Checkpoint, keys: readonly AuditKey[]): Promise<string> {
  const jws = checkpoint.signature;
  const parts = typeof jws === 'string' ? jws.split('.') : [];
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) throw new VerifyError('MALFORMED', 'the signature is not a compact JWS');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64url(parts[0]!)));
  } catch {
    throw new VerifyError('MALFORMED', 'the protected header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new VerifyError('MALFORMED', 'the protected header is not an object');
  const h = header as Record<string, unknown>;
  if (Object.keys(h).sort().join(',') !== 'alg,kid,typ' || h.alg !== 'EdDSA' || h.typ !== CHECKPOINT_TYP) {
    throw new VerifyError('HEADER_NOT_ALLOWED', `the header must be exactly alg EdDSA, kid and typ ${CHECKPOINT_TYP}`);
  }
  const key = keys.find((k) => k.kid === h.kid);
  if (key === undefined) throw new VerifyError('UNKNOWN_KEY', 'the checkpoint is signed with a key that is not in the audit key supplied');
  let signature: Uint8Array;
  let payload: Uint8Array;
  try {
    signature = fromBase64url(parts[2]!);
    payload = fromBase64url(parts[1]!);
  } catch {
    throw new VerifyError('MALFORMED', 'the signature is not base64url');
  }
  const signingInput = encoder.encode(`${parts[0]}.${parts[1]}`);
  if (!(await crypto.subtle.verify({ name: 'Ed25519' }, key.key, buf(signature), buf(signingInput)))) {
    throw new VerifyError('SIGNATURE_INVALID', `the signature does not verify with ${key.kid}`);
  }
  if (!bytesEqual(payload, statementPayload(checkpoint))) throw new VerifyError('STATEMENT_MISMATCH', "the signed statement differs from the checkpoint's origin, treeSize, rootHash or time");
  return key.kid;
}

// ---------------------------------------------------------------------------------------------
// One leaf, step by step

/** `GET /v1/leaves/{index}`. */
export interface LeafResponse {
  index: number;
  leafHash: string;
  bytes: string;
}

/** `GET /v1/proofs/inclusion`. */
export interface InclusionProofResponse {
  index: number;
  treeSize: number;
  leafHash: string;
  proof: string[];
  rootHash: string;
}

/** The checks, in the order they are made. */
export type StepId = 'key' | 'signature' | 'leaf-hash' | 'proof' | 'root';

export interface Step {
  readonly id: StepId;
  readonly ok: boolean;
  /** What was checked (ids, sizes, hashes: never anything else). */
  readonly params: Record<string, string | number>;
  readonly problem?: VerifyProblem;
  readonly detail?: string;
}

export interface LeafVerification {
  readonly ok: boolean;
  /** Every step made; the last one failed when `ok` is false (later steps are not attempted). */
  readonly steps: Step[];
}

/**
 * Verifies one leaf against a signed checkpoint with the auditor's audit key:
 * 1. key: the supplied JWKS imports (each kid its thumbprint);
 * 2. signature: the checkpoint is signed by one of those keys over exactly its fields;
 * 3. leaf hash: `SHA-256(0x00 || bytes)` equals the hash the service gave;
 * 4. proof: it is for this leaf in the checkpoint's tree, of the path's length;
 * 5. root: the root recomputed from the leaf hash and the proof equals the checkpoint's root.
 * Stops at the first failing step. Never throws for bad input: a failure is a step.
 */
export async function verifyLeaf(input: { jwks: unknown; checkpoint: Checkpoint; leaf: LeafResponse; proof: InclusionProofResponse }): Promise<LeafVerification> {
  const steps: Step[] = [];
  const run = async (id: StepId, params: Record<string, string | number>, check: () => Promise<Record<string, string | number> | void>): Promise<boolean> => {
    try {
      const more = await check();
      steps.push({ id, ok: true, params: { ...params, ...(more ?? {}) } });
      return true;
    } catch (err) {
      const problem = err instanceof VerifyError ? err.problem : 'MALFORMED';
      steps.push({ id, ok: false, params, problem, detail: (err as Error).message });
      return false;
    }
  };
  const { checkpoint, leaf, proof } = input;
  let keys: AuditKey[] = [];
  const done = (): LeafVerification => ({ ok: steps.every((s) => s.ok), steps });

  if (!(await run('key', {}, async () => {
    keys = await importAuditJwks(input.jwks);
    return { kids: keys.map((k) => k.kid).join(', '), thumbprints: keys.map((k) => k.thumbprint).join(', '), count: keys.length };
  }))) return done();

  if (!(await run('signature', { treeSize: checkpoint.treeSize, time: checkpoint.time }, async () => ({ kid: await verifyCheckpointSignature(checkpoint, keys) })))) return done();

  let computedLeaf: Uint8Array = new Uint8Array();
  if (!(await run('leaf-hash', { index: leaf.index }, async () => {
    computedLeaf = await leafHash(fromBase64(leaf.bytes));
    const given = fromBase64(leaf.leafHash);
    if (!bytesEqual(computedLeaf, given)) throw new VerifyError('LEAF_HASH_MISMATCH', `the bytes of leaf ${leaf.index} hash to ${toBase64(computedLeaf)}, not ${leaf.leafHash}`);
    if (!bytesEqual(computedLeaf, fromBase64(proof.leafHash))) throw new VerifyError('LEAF_HASH_MISMATCH', `the proof is for leaf hash ${proof.leafHash}, the leaf's bytes hash to ${toBase64(computedLeaf)}`);
    return { leafHash: toBase64(computedLeaf), bytes: fromBase64(leaf.bytes).length };
  }))) return done();

  let path: Uint8Array[] = [];
  if (!(await run('proof', { index: leaf.index, treeSize: checkpoint.treeSize }, async () => {
    if (proof.index !== leaf.index) throw new VerifyError('PROOF_OTHER_LEAF', `the proof is for leaf ${proof.index}, not ${leaf.index}`);
    if (proof.treeSize !== checkpoint.treeSize) throw new VerifyError('PROOF_OTHER_TREE', `the proof is for a tree of ${proof.treeSize}, the checkpoint's has ${checkpoint.treeSize}`);
    if (!Array.isArray(proof.proof)) throw new VerifyError('PROOF_INVALID', 'the proof is not a list of hashes');
    path = proof.proof.map((p) => fromBase64(p));
    path.forEach((p, i) => checkedHash(p, `proof element ${i}`));
    const want = inclusionPathLength(leaf.index, checkpoint.treeSize);
    if (path.length !== want) throw new VerifyError('PROOF_INVALID', `the proof has ${path.length} elements, the path has ${want}`);
    return { length: path.length };
  }))) return done();

  await run('root', { root: checkpoint.rootHash }, async () => {
    const computed = await rootFromInclusionProof(computedLeaf, leaf.index, checkpoint.treeSize, path);
    const root = fromBase64(checkpoint.rootHash);
    checkedHash(root, "the checkpoint's root");
    if (!bytesEqual(computed, root)) throw new VerifyError('ROOT_MISMATCH', `the proof leads to ${toBase64(computed)}, the checkpoint's root is ${checkpoint.rootHash}`);
    return { computed: toBase64(computed) };
  });
  return done();
}
