/**
 * The auditor console's in-browser verifier (services/console/src/auditor/verify.ts), run in Node
 * with its WebCrypto: every published inclusion probe of transparency-dev/merkle, the RFC 6962
 * roots, and real checkpoints signed by the audit service's signer over a real tree, with each way
 * a tampered input must fail naming its step.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointVerifier, generateAuditKey, loadCheckpointSigner, type SignedCheckpoint } from '../../services/audit/src/checkpoint-key.ts';
import { inclusionProof, leafHash as nodeLeafHash, leafHashSource, rootFromLeaves } from '../../services/audit/src/merkle/index.ts';
import {
  importAuditJwks,
  inclusionPathLength,
  leafHash,
  nodeHash,
  verifyCheckpointSignature,
  verifyInclusion,
  verifyLeaf,
  VerifyError,
  type InclusionProofResponse,
  type LeafResponse,
} from '../../services/console/src/auditor/verify.ts';
import { loadInclusion, loadRoots, probeFiles, vectorsDir } from '../merkle/support/vectors.ts';

const MERKLE_PROBLEMS = ['BAD_SIZE', 'BAD_INDEX', 'BAD_HASH_LENGTH', 'PROOF_INVALID', 'ROOT_MISMATCH'];
const inclusionFiles = probeFiles('inclusion');

async function problemOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    if (!(err instanceof VerifyError)) throw err;
    return err.problem;
  }
}

describe(`inclusion probes in ${vectorsDir}`, () => {
  it('finds probes', () => {
    expect(inclusionFiles.length).toBeGreaterThan(20);
  });

  it.each(inclusionFiles)('%s', async (file) => {
    const p = loadInclusion(file);
    const problem = await problemOf(verifyInclusion(p.leafHash, p.leafIdx, p.treeSize, p.proof, p.root));
    if (p.wantErr) expect(MERKLE_PROBLEMS).toContain(problem);
    else expect(problem).toBeUndefined();
  });
});

describe('RFC 6962 roots', () => {
  /** MTH (RFC 9162 2.1.1) from the verifier's own leaf and node hashing. */
  async function mth(leaves: Uint8Array[]): Promise<Uint8Array> {
    if (leaves.length === 1) return leafHash(leaves[0]!);
    let k = 1;
    while (k * 2 < leaves.length) k *= 2;
    return nodeHash(await mth(leaves.slice(0, k)), await mth(leaves.slice(k)));
  }

  it('leaf and node hashing give the published roots of the first N leaves, N = 1..8', async () => {
    const { leaves, roots } = loadRoots();
    for (let n = 1; n < roots.length; n += 1) expect(Buffer.from(await mth(leaves.slice(0, n))).toString('hex')).toBe(roots[n]!.toString('hex'));
  });

  it('computes path lengths as the audit service generates proofs', () => {
    const lookup = (i: number): Buffer => nodeLeafHash(Buffer.from([i]));
    for (const size of [1, 2, 3, 5, 8, 13, 64, 100]) {
      for (let i = 0; i < size; i += 1) expect(inclusionPathLength(i, size)).toBe(inclusionProof(i, size, leafHashSource(lookup)).length);
    }
  });
});

describe('one leaf against a real signed checkpoint', () => {
  let dir: string;
  let otherDir: string;
  let jwks: { keys: Record<string, unknown>[] };
  let otherJwks: unknown;
  let checkpoint: SignedCheckpoint;
  const events = Array.from({ length: 11 }, (_, i) => Buffer.from(JSON.stringify({ payload: `event-${i}`, signatures: [] })));
  const INDEX = 6;
  let leaf: LeafResponse;
  let proof: InclusionProofResponse;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mx-console-verify-'));
    otherDir = await mkdtemp(join(tmpdir(), 'mx-console-verify-other-'));
    const { privateJwksPath, publicJwksPath } = await generateAuditKey(dir);
    jwks = JSON.parse(await readFile(publicJwksPath, 'utf8')) as typeof jwks;
    otherJwks = JSON.parse(await readFile((await generateAuditKey(otherDir)).publicJwksPath, 'utf8'));
    const hashes = events.map((e) => nodeLeafHash(e));
    const statement = { origin: 'mx-audit.test/log', treeSize: events.length, rootHash: rootFromLeaves(hashes).toString('base64'), time: '2026-12-01T06:00:00.000Z' };
    checkpoint = { ...statement, signature: await (await loadCheckpointSigner(privateJwksPath)).sign(statement) };
    // The service's own verifier accepts it: the browser's must agree.
    await (await CheckpointVerifier.fromJwks(jwks)).verify(checkpoint);
    leaf = { index: INDEX, leafHash: hashes[INDEX]!.toString('base64'), bytes: events[INDEX]!.toString('base64') };
    const path = inclusionProof(INDEX, events.length, leafHashSource((i) => hashes[i]!));
    proof = { index: INDEX, treeSize: events.length, leafHash: leaf.leafHash, proof: path.map((p) => p.toString('base64')), rootHash: checkpoint.rootHash };
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(otherDir, { recursive: true, force: true });
  });

  it('passes every step and says what it checked', async () => {
    const r = await verifyLeaf({ jwks: JSON.stringify(jwks), checkpoint, leaf, proof });
    expect(r.steps.map((s) => [s.id, s.ok])).toEqual([['key', true], ['signature', true], ['leaf-hash', true], ['proof', true], ['root', true]]);
    expect(r.ok).toBe(true);
    const kid = jwks.keys[0]!.kid as string;
    expect(r.steps[0]!.params.thumbprints).toBe(kid.slice('audit:'.length));
    expect(r.steps[1]!.params.kid).toBe(kid);
    expect(r.steps[2]!.params.leafHash).toBe(leaf.leafHash);
    expect(r.steps[3]!.params.length).toBe(proof.proof.length);
    expect(r.steps[4]!.params.computed).toBe(checkpoint.rootHash);
  });

  it('accepts every key of a rotated JWKS and picks the one named by kid', async () => {
    const both = { keys: [...(otherJwks as { keys: unknown[] }).keys, ...jwks.keys] };
    expect(await verifyCheckpointSignature(checkpoint, await importAuditJwks(both))).toBe(jwks.keys[0]!.kid);
  });

  async function failure(over: Partial<Parameters<typeof verifyLeaf>[0]>): Promise<[string, string | undefined]> {
    const r = await verifyLeaf({ jwks, checkpoint, leaf, proof, ...over });
    expect(r.ok).toBe(false);
    const last = r.steps.at(-1)!;
    expect(r.steps.slice(0, -1).every((s) => s.ok)).toBe(true);
    return [last.id, last.problem];
  }

  it.each<[string, () => Partial<Parameters<typeof verifyLeaf>[0]>, [string, string]]>([
    ['another audit key', () => ({ jwks: otherJwks }), ['signature', 'UNKNOWN_KEY']],
    ['a key whose kid is not its thumbprint', () => ({ jwks: { keys: [{ ...jwks.keys[0], x: (otherJwks as { keys: { x: string }[] }).keys[0]!.x }] } }), ['key', 'KEY_KID_MISMATCH']],
    ['a private key', () => ({ jwks: { keys: [{ ...jwks.keys[0], d: 'A'.repeat(43) }] } }), ['key', 'KEY_PRIVATE']],
    ['not JSON', () => ({ jwks: '{"keys": [' }), ['key', 'KEY_NOT_JSON']],
    ['not a JWKS', () => ({ jwks: { kty: 'OKP' } }), ['key', 'KEY_NOT_JWKS']],
    ['a root the signature does not cover', () => ({ checkpoint: { ...checkpoint, rootHash: Buffer.alloc(32, 7).toString('base64') } }), ['signature', 'STATEMENT_MISMATCH']],
    ['a tree size the signature does not cover', () => ({ checkpoint: { ...checkpoint, treeSize: checkpoint.treeSize + 1 } }), ['signature', 'STATEMENT_MISMATCH']],
    ['a forged signature', () => ({ checkpoint: { ...checkpoint, signature: checkpoint.signature.slice(0, -4) + (checkpoint.signature.endsWith('AAAA') ? 'BBBB' : 'AAAA') } }), ['signature', 'SIGNATURE_INVALID']],
    ['an extra header member', () => ({ checkpoint: { ...checkpoint, signature: `${Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: jwks.keys[0]!.kid, typ: 'mx-checkpoint+jws', jku: 'x' })).toString('base64url')}.${checkpoint.signature.split('.').slice(1).join('.')}` } }), ['signature', 'HEADER_NOT_ALLOWED']],
    ['not a JWS', () => ({ checkpoint: { ...checkpoint, signature: 'nope' } }), ['signature', 'MALFORMED']],
    ['altered leaf bytes', () => ({ leaf: { ...leaf, bytes: Buffer.from('{"payload":"forged"}').toString('base64') } }), ['leaf-hash', 'LEAF_HASH_MISMATCH']],
    ['a proof of another leaf', () => ({ proof: { ...proof, index: INDEX + 1 } }), ['proof', 'PROOF_OTHER_LEAF']],
    ['a proof in another tree', () => ({ proof: { ...proof, treeSize: events.length - 1 } }), ['proof', 'PROOF_OTHER_TREE']],
    ['a proof one element short', () => ({ proof: { ...proof, proof: proof.proof.slice(1) } }), ['proof', 'PROOF_INVALID']],
    ['a truncated proof element', () => ({ proof: { ...proof, proof: [proof.proof[0]!.slice(0, 8), ...proof.proof.slice(1)] } }), ['proof', 'BAD_HASH_LENGTH']],
    ['an altered proof element', () => ({ proof: { ...proof, proof: [Buffer.alloc(32, 1).toString('base64'), ...proof.proof.slice(1)] } }), ['root', 'ROOT_MISMATCH']],
  ])('fails at the right step with %s', async (_name, over, want) => {
    expect(await failure(over())).toEqual(want);
  });
});
