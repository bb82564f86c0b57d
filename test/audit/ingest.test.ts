/**
 * Ingest from the real broker into a real SQLite store: verified events become leaves, a
 * redelivered record adds nothing, unverifiable records are quarantined (never dropped), and the
 * gateways' sequence chains are checked for holes, broken links and forks. Plus the API's
 * authentication, validation and pagination.
 */
import type { AuditDeployment, Deployment } from '../../services/cli/src/deployment/setup.ts';
import { auditDeployment, AuditTopic, freshPrefix, GatewayTrail, startAudit, type RunningAudit } from '../support/audit.ts';
import { eventually } from '../support/kafka.ts';

let dep: Deployment;
let audit: AuditDeployment;
let topic: AuditTopic;
let svc: RunningAudit;
let la: GatewayTrail;
let th: GatewayTrail;

beforeAll(async () => {
  ({ dep, audit } = await auditDeployment(['LA', 'TH', 'CN']));
  const prefix = freshPrefix();
  topic = new AuditTopic(prefix);
  await topic.create();
  svc = await startAudit(dep, audit, { prefix });
  la = await GatewayTrail.of(dep, 'LA');
  th = await GatewayTrail.of(dep, 'TH');
});
afterAll(async () => {
  await svc?.stop();
  await topic?.close();
});

const size = (): number => svc.service.store.log.size();
const waitForSize = (n: number): Promise<number> => eventually(() => (size() >= n ? size() : undefined), 20_000, `tree size ${n}`);

test('verified events become leaves holding their exact bytes; a redelivered record adds nothing', async () => {
  const records = await la.many(5);
  await topic.publish('LA', records);
  await waitForSize(5);
  records.forEach((r, i) => expect(svc.service.store.log.leaf(i).bytes.equals(r)).toBe(true));
  // The same bytes again (a gateway's outbox re-sending after a crash, a consumer redelivery).
  await topic.publish('LA', [records[2]!, records[4]!]);
  const marker = await th.next();
  await topic.publish('TH', [marker]);
  await waitForSize(6);
  await eventually(() => (svc.service.ingestor.counters.duplicates >= 2 ? true : undefined), 10_000, 'duplicates counted');
  expect(size()).toBe(6);
  const events = await svc.get('/v1/events?endpoint=LA');
  expect(events.body.items.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4, 5]);
});

test('an unverifiable record is quarantined with its reason, outside the tree, never dropped', async () => {
  const before = size();
  const good = await la.next();
  const jws = JSON.parse(good.toString()) as { protected: string; payload: string; signature: string };
  const sig = Buffer.from(jws.signature, 'base64url');
  sig[0] = sig[0]! ^ 1;
  const forged = Buffer.from(JSON.stringify({ ...jws, signature: sig.toString('base64url') }));
  // A notice-class record is not an audit event, whatever its signature.
  const wrongTyp = Buffer.from(JSON.stringify({ protected: Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'LA:x', typ: 'mx-notice+jws' })).toString('base64url'), payload: jws.payload, signature: jws.signature }));
  await topic.publish('LA', [forged, Buffer.from('not a JWS'), wrongTyp]);
  await topic.publish('LA', [good]);
  await waitForSize(before + 1);
  const q = await eventually(async () => {
    const r = await svc.get('/v1/quarantine');
    return r.body.items.length >= 3 ? r.body.items : undefined;
  }, 10_000, 'three quarantined records');
  expect(q.map((x: { reasonCode: string }) => x.reasonCode).sort()).toEqual(['MALFORMED', 'SIGNATURE_INVALID', 'TYP_MISMATCH']);
  for (const item of q) expect(item).toMatchObject({ topic: topic.topic, partition: expect.any(Number), offset: expect.stringMatching(/^\d+$/), digest: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
  expect(size()).toBe(before + 1);
});

test('gaps: a missing event, a broken link and a fork are reported per gateway; a late event fills its hole', async () => {
  const cn = await GatewayTrail.of(dep, 'CN');
  const [e1, e2, e3, e4, e5] = await cn.many(5);
  await topic.publish('CN', [e1!, e2!, e4!, e5!]); // e3 withheld
  await eventually(async () => ((await svc.get('/v1/events?endpoint=CN')).body.items.length === 4 ? true : undefined), 20_000, 'four CN events');
  let gaps = (await svc.get('/v1/gaps?endpoint=CN')).body.items;
  expect(gaps).toEqual([{ gateway: 'CN', kind: 'missing', fromSeq: 3, toSeq: 3, detectedAt: expect.any(String) }]);

  // Seq 6 naming the wrong predecessor; then a second, different seq 6 (a forked trail).
  const badLink = await cn.sign(6, 'A'.repeat(43));
  const fork = await cn.sign(6, cn.prev, { action: 'read' });
  await topic.publish('CN', [badLink, fork]);
  gaps = await eventually(async () => {
    const g = (await svc.get('/v1/gaps?endpoint=CN')).body.items;
    return g.length === 3 ? g : undefined;
  }, 20_000, 'three CN gaps');
  expect(gaps.map((g: { kind: string; fromSeq: number; toSeq: number }) => [g.kind, g.fromSeq, g.toSeq])).toEqual([
    ['missing', 3, 3],
    ['chain-mismatch', 5, 6],
    ['conflict', 6, 6],
  ]);

  // The withheld event arrives late: the hole closes, its links to both neighbours hold.
  await topic.publish('CN', [e3!]);
  gaps = await eventually(async () => {
    const g = (await svc.get('/v1/gaps?endpoint=CN')).body.items;
    return g.length === 2 ? g : undefined;
  }, 20_000, 'the hole closed');
  expect(gaps.map((g: { kind: string }) => g.kind)).toEqual(['chain-mismatch', 'conflict']);
  expect((await svc.get('/v1/gaps?endpoint=LA')).body.items).toEqual([]);
});

test('only an auditor token of an accepted endpoint may call the API; problems are problem+json', async () => {
  const noToken = await fetch(`${svc.url}/v1/events`);
  expect(noToken.status).toBe(401);
  expect(noToken.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(((await noToken.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
  expect((await svc.get('/v1/events', 'x.y.z')).status).toBe(401);
  const officer = await svc.token(['liaison-officer']);
  expect((await svc.get('/v1/events', officer)).body.code).toBe('FORBIDDEN');
  // The analyst role reads gateway statistics only, never the audit log.
  expect((await svc.get('/v1/events', await svc.token(['analyst']))).body.code).toBe('FORBIDDEN');
  const otherEndpoint = await svc.token(['auditor'], 'ZZ');
  expect((await svc.get('/v1/events', otherEndpoint)).body.code).toBe('FORBIDDEN');
  expect((await svc.get('/v1/health', 'none')).status).toBe(200);
  const bad = await svc.get('/v1/events?limit=0&messageId=nope');
  expect(bad.status).toBe(422);
  expect(bad.body.code).toBe('VALIDATION_FAILED');
  expect((await svc.get('/v1/leaves/999999')).body.code).toBe('NOT_FOUND');
  expect((await svc.get('/v1/proofs/consistency?from=0&to=1')).status).toBe(422);
  expect((await svc.get('/v1/messages/01950c2a-6b3e-7c1d-8e2f-0123456789ac/history')).status).toBe(404);
});

test('events page with an opaque cursor; filters combine', async () => {
  const all = (await svc.get('/v1/events?limit=500')).body.items;
  const seen: number[] = [];
  let cursor: string | null = null;
  do {
    const r: { body: { items: { index: number }[]; nextCursor: string | null } } = await svc.get(`/v1/events?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...r.body.items.map((e) => e.index));
    cursor = r.body.nextCursor;
  } while (cursor !== null);
  expect(seen).toEqual(all.map((e: { index: number }) => e.index));
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
  const reads = (await svc.get('/v1/events?endpoint=CN&action=read')).body.items;
  expect(reads).toHaveLength(1);
  const future = (await svc.get(`/v1/events?from=${new Date(Date.now() + 3_600_000).toISOString()}`)).body.items;
  expect(future).toEqual([]);
  expect((await svc.get('/v1/events?cursor=garbage')).body.code).toBe('VALIDATION_FAILED');
});
