/**
 * Every route of the audit API answers what openapi/audit.yaml says (bodies validated against its
 * schemas), and its proofs verify against what it signed.
 */
import { request as httpRequest } from 'node:http';
import { leafHash, verifyConsistency, verifyInclusion } from '../../services/audit/src/merkle/index.ts';
import { CheckpointVerifier } from '../../services/audit/src/checkpoint-key.ts';
import type { AuditDeployment, Deployment } from '../../services/cli/src/deployment/setup.ts';
import { auditDeployment, contractProblems, freshPrefix, GatewayTrail, incoming, startAudit, type RunningAudit } from '../support/audit.ts';

let dep: Deployment;
let audit: AuditDeployment;
let svc: RunningAudit;
let messageId: string;

beforeAll(async () => {
  ({ dep, audit } = await auditDeployment(['LA', 'TH']));
  svc = await startAudit(dep, audit, { prefix: freshPrefix(), consume: false });
  const la = await GatewayTrail.of(dep, 'LA');
  const th = await GatewayTrail.of(dep, 'TH');
  messageId = '01950c2a-6b3e-7c1d-8e2f-0123456789ac';
  const records = [
    await th.next({ action: 'submitted', messageId, counterpart: 'LA', officer: 'officerPseudonym000001' }),
    await th.next({ action: 'published', messageId, counterpart: 'LA' }),
    await la.next({ action: 'delivered', messageId, counterpart: 'TH', outcome: 'accepted' }),
    ...(await la.many(7)),
  ];
  let offset = 0;
  for (const r of records) await svc.service.ingestor.handle(incoming(r, offset++));
  await svc.service.ingestor.handle(incoming(Buffer.from('{"protected":"x"}'), offset++));
  await svc.service.checkpointer.signNow();
});
afterAll(async () => {
  await svc?.stop();
});

async function ok(path: string, schema: string): Promise<any> {
  const r = await svc.get(path);
  expect({ path, status: r.status }).toEqual({ path, status: 200 });
  expect(contractProblems(schema, r.body)).toEqual([]);
  return r.body;
}

test('each route answers with its schema', async () => {
  expect(contractProblems('EventPage', { items: [], nextCursor: 5 })).not.toEqual([]); // the check can fail
  await ok('/v1/events?limit=4', 'EventPage');
  await ok(`/v1/events?messageId=${messageId}&endpoint=TH&type=victim-repatriation-notice&action=submitted`, 'EventPage');
  const history = await ok(`/v1/messages/${messageId}/history`, 'MessageHistory');
  expect(history.events.map((e: { action: string }) => e.action)).toEqual(['submitted', 'published', 'delivered']);
  await ok(`/v1/messages/${messageId}/evidence`, 'EvidenceBundle');
  await ok('/v1/leaves/3', 'Leaf');
  await ok('/v1/leaves?from=2&limit=3&treeSize=10', 'LeafPage');
  await ok('/v1/checkpoints/latest', 'Checkpoint');
  await ok('/v1/checkpoints', 'CheckpointPage');
  await ok('/v1/proofs/inclusion?index=4', 'InclusionProof');
  await ok('/v1/proofs/consistency?from=3&to=10', 'ConsistencyProof');
  const q = await ok('/v1/quarantine', 'QuarantinePage');
  expect(q.items).toEqual([expect.objectContaining({ reasonCode: 'MALFORMED', partition: 0, offset: '10' })]);
  await ok('/v1/gaps', 'GapReport');
  const status = await ok('/v1/status', 'Status');
  expect(status).toMatchObject({ treeSize: 10, checkpointing: { state: 'ok', refusals: 0 }, ingest: { appended: 10, quarantined: 1, gaps: 0 } });
  for (const path of ['/v1/events?limit=501', '/v1/leaves/x', '/v1/proofs/inclusion?index=1&eventId=' + 'A'.repeat(43), '/v1/proofs/inclusion?index=4&treeSize=3', '/v1/proofs/consistency?from=4&to=3']) {
    const r = await svc.get(path);
    expect({ path, status: r.status }).toEqual({ path, status: 422 });
    expect(contractProblems('Problem', r.body)).toEqual([]);
  }
});

test('proofs and pages verify against the signed checkpoint', async () => {
  const cp = await ok('/v1/checkpoints/latest', 'Checkpoint');
  const verifier = await CheckpointVerifier.fromFile(audit.publicKeyFile);
  expect(await verifier.verify(cp)).toMatch(/^audit:/);
  const root = Buffer.from(cp.rootHash, 'base64');
  const page = await ok(`/v1/leaves?treeSize=${cp.treeSize}&limit=500`, 'LeafPage');
  expect(page.items).toHaveLength(cp.treeSize);
  for (const leaf of page.items) {
    const hash = leafHash(Buffer.from(leaf.bytes, 'base64'));
    expect(hash.toString('base64')).toBe(leaf.leafHash);
    expect(() => verifyInclusion(hash, leaf.index, cp.treeSize, leaf.proof.map((p: string) => Buffer.from(p, 'base64')), root)).not.toThrow();
  }
  const first = page.items[0];
  const byId = await ok(`/v1/proofs/inclusion?eventId=${(await ok('/v1/events?limit=1', 'EventPage')).items[0].eventId}`, 'InclusionProof');
  expect(byId).toMatchObject({ index: 0, treeSize: cp.treeSize, leafHash: first.leafHash, proof: first.proof, rootHash: cp.rootHash });
  const c = await ok(`/v1/proofs/consistency?from=3&to=${cp.treeSize}`, 'ConsistencyProof');
  expect(c.toRoot).toBe(cp.rootHash);
  expect(() => verifyConsistency(3, cp.treeSize, c.proof.map((p: string) => Buffer.from(p, 'base64')), Buffer.from(c.fromRoot, 'base64'), root)).not.toThrow();
});

test('an evidence request signs the checkpoint it needs when the latest does not cover the message', async () => {
  const th = await GatewayTrail.of(dep, 'TH');
  th.seq = 2; // continue TH's trail past the two events above
  th.prev = (await svc.get('/v1/events?endpoint=TH')).body.items[1].eventId;
  const late = await th.next({ action: 'receipt-received', messageId, counterpart: 'LA', outcome: 'accepted' });
  expect(await svc.service.ingestor.handle(incoming(late, 100))).toBe('appended');
  const bundle = await ok(`/v1/messages/${messageId}/evidence`, 'EvidenceBundle');
  expect(bundle.checkpoint.treeSize).toBe(11);
  expect(bundle.entries.map((e: { index: number }) => e.index)).toEqual([0, 1, 2, 10]);
  expect((await svc.get('/v1/gaps')).body.items).toEqual([]);
});

describe('issue 9: the audit API', () => {
  test('i: GET /v1/quarantine pages on: the cursor it hands out is the one it decodes', async () => {
    let offset = 1000;
    for (let i = 0; i < 3; i++) await svc.service.ingestor.handle(incoming(Buffer.from(`{"protected":"y${i}"}`), offset++));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: any } = await svc.get(`/v1/quarantine?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect({ page: pages, status: r.status }).toEqual({ page: pages, status: 200 });
      expect(contractProblems('QuarantinePage', r.body)).toEqual([]);
      seen.push(...r.body.items.map((q: { id: string }) => q.id));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(seen.length).toBe(4);
    expect(new Set(seen).size).toBe(4);
  });

  test('e: a token whose sub is not a string is refused (401), like the gateway', async () => {
    const { SignJWT, importJWK } = await import('jose');
    const { readFileSync } = await import('node:fs');
    const { AUDIT_AUDIENCE } = await import('../../services/audit/src/config.ts');
    const { DEV_IDP_ISSUER } = await import('../../services/core/src/idp/dev-idp.ts');
    const idp = (JSON.parse(readFileSync(dep.idpPrivateJwks, 'utf8')) as { keys: (import('jose').JWK & { kid: string })[] }).keys.at(-1)!;
    const now = Math.floor(Date.now() / 1000);
    const mint = async (sub: unknown) =>
      new SignJWT({ sub, mx_endpoint: 'LA', agency: 'LA audit office', roles: ['auditor'] } as Record<string, unknown>)
        .setProtectedHeader({ alg: 'EdDSA', kid: idp.kid, typ: 'JWT' })
        .setIssuer(DEV_IDP_ISSUER)
        .setAudience(AUDIT_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(await importJWK(idp, 'EdDSA'));
    expect((await svc.get('/v1/checkpoints/latest', await mint('12345'))).status).toBe(200);
    const r = await svc.get('/v1/checkpoints/latest', await mint(12345));
    expect({ status: r.status, code: r.body.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
  });

  test('d: integers are bounded as documented (2^53 - 1), and an unsupported method is 405 with Allow', async () => {
    const big = await svc.get('/v1/leaves/9007199254740992');
    expect({ status: big.status, code: big.body.code }).toEqual({ status: 422, code: 'VALIDATION_FAILED' });
    const token = await svc.token();
    const r = await new Promise<{ status: number; allow: string | undefined; type: string | undefined; body: string }>((resolve, reject) => {
      const req = httpRequest(`${svc.url}/v1/events`, { method: 'TRACE', headers: { authorization: `Bearer ${token}` } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, allow: res.headers.allow, type: res.headers['content-type'], body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect({ status: r.status, allow: r.allow, code: JSON.parse(r.body).code }).toEqual({ status: 405, allow: 'GET, HEAD', code: 'METHOD_NOT_ALLOWED' });
    expect(r.type).toMatch(/^application\/problem\+json/);
  });
});
