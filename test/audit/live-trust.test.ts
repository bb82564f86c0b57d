/**
 * The audit service follows its trust directory while it runs (MX_TRUST_RELOAD_SECONDS=1 here):
 * a record held back for a key it did not know is appended once the key is published (live, and
 * at start after a restart), a revocation takes effect without a restart and a back-dated event
 * signed with the revoked key is refused without blaming the gateway, auditors of a counterpart
 * that joined are accepted, a bad file is refused while the last good registry stays in use, and
 * each gateway's lag shows a trail that stopped.
 */
import type { components as AuditComponents } from '../../openapi/generated/audit.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeStoredEvent } from '../../services/audit/src/event.ts';
import type { AuditDeployment, Deployment } from '../../services/cli/src/deployment/setup.ts';
import { digestOf } from '../../services/core/src/envelope/digest.ts';
import { generateEndpointKeys, privateJwksPathOf } from '../../services/core/src/trust/keygen.ts';
import { auditDeployment, AuditTopic, freshPrefix, GatewayTrail, installTrustFile, revokeKey, rotateElsewhere, startAudit, type RunningAudit } from '../support/audit.ts';
import { eventually } from '../support/kafka.ts';

// Wide enough that an event just logged is not yet silent on a loaded machine.
const SILENT_AFTER_SECONDS = 10;
const ENV = { MX_AUDIT_SILENT_AFTER_SECONDS: String(SILENT_AFTER_SECONDS) };

let dep: Deployment;
let audit: AuditDeployment;
let prefix: string;
let topic: AuditTopic;
let svc: RunningAudit;
/** CN's trail, shared by the tests that log for CN. */
let cn: GatewayTrail;

beforeAll(async () => {
  ({ dep, audit } = await auditDeployment(['LA', 'TH', 'CN', 'INTERPOL']));
  cn = await GatewayTrail.of(dep, 'CN');
  prefix = freshPrefix();
  topic = new AuditTopic(prefix);
  await topic.create();
  svc = await startAudit(dep, audit, { prefix, env: ENV });
});
afterAll(async () => {
  await svc?.stop();
  await topic?.close();
});

type TrustStatus = AuditComponents['schemas']['TrustStatus'];
type Lag = AuditComponents['schemas']['GatewayLag'];
interface Quarantined {
  digest: string;
  reasonCode: string;
  gateway?: string;
  readmittedAt?: string;
  leafIndex?: number;
}

const status = async (): Promise<any> => (await svc.get('/v1/status')).body;
const trust = async (): Promise<TrustStatus> => (await status()).trust as TrustStatus;
const lagOf = async (gateway: string): Promise<Lag | undefined> => ((await status()).gateways as Lag[]).find((g) => g.gateway === gateway);
const seqsOf = async (gateway: string): Promise<number[]> => ((await svc.get(`/v1/events?endpoint=${gateway}&limit=500`)).body.items as { seq: number }[]).map((e) => e.seq).sort((a, b) => a - b);
const waitForSeqs = (gateway: string, n: number): Promise<number[]> =>
  eventually(async () => {
    const s = await seqsOf(gateway);
    return s.length >= n ? s : undefined;
  }, 30_000, `${n} events of ${gateway}`);
const quarantineOf = async (records: Buffer[]): Promise<Quarantined[]> => {
  const digests = records.map(digestOf);
  const items = (await svc.get('/v1/quarantine?limit=500')).body.items as Quarantined[];
  return items.filter((q) => digests.includes(q.digest)).sort((a, b) => digests.indexOf(a.digest) - digests.indexOf(b.digest));
};
const waitForQuarantine = (records: Buffer[]): Promise<Quarantined[]> =>
  eventually(async () => {
    const q = await quarantineOf(records);
    return q.length === records.length ? q : undefined;
  }, 30_000, `${records.length} quarantined records`);
/** Waits until the service uses a registry other than `from`, with nothing refused. */
const waitForReload = (from: string): Promise<TrustStatus> =>
  eventually(async () => {
    const t = await trust();
    return t.version !== from && t.problem === undefined ? t : undefined;
  }, 20_000, 'the trust registry reloaded');

async function verifyPasses(): Promise<Awaited<ReturnType<RunningAudit['verify']>>> {
  expect(await svc.service.checkpointer.signNow()).toMatchObject({ kind: 'signed' });
  const r = await svc.verify();
  expect(r.failures).toEqual([]);
  return r;
}

test('an event signed with a key the service does not know is quarantined, then appended once the key is published: no gap, verify passes', async () => {
  const th = await GatewayTrail.of(dep, 'TH');
  await topic.publish('TH', await th.many(2));
  await waitForSeqs('TH', 2);

  // TH rotated and signs with its new key before the audit service's trust directory has it.
  const rotated = await rotateElsewhere(dep, 'TH', mkdtempSync(join(tmpdir(), 'mx-th-rotated-')));
  await th.useKeys(rotated.privateJwksPath);
  expect(th.kid()).toBe(rotated.kid);
  const held = await th.many(3);
  await topic.publish('TH', held);
  const quarantined = await waitForQuarantine(held);
  expect(quarantined.map((q) => q.reasonCode)).toEqual(['UNKNOWN_KEY', 'UNKNOWN_KEY', 'UNKNOWN_KEY']);
  expect(quarantined.map((q) => q.readmittedAt)).toEqual([undefined, undefined, undefined]);
  expect(await seqsOf('TH')).toEqual([1, 2]);

  const before = (await trust()).version;
  await installTrustFile(rotated.publicJwksPath, dep.trustDir);
  await waitForReload(before);
  expect(await waitForSeqs('TH', 5)).toEqual([1, 2, 3, 4, 5]);
  // The quarantine keeps the history: each entry now names the leaf its exact bytes became.
  const readmitted = await quarantineOf(held);
  readmitted.forEach((q, i) => {
    expect(q).toMatchObject({ reasonCode: 'UNKNOWN_KEY', gateway: 'TH', readmittedAt: expect.any(String), leafIndex: expect.any(Number) });
    expect(svc.service.store.log.leaf(q.leafIndex!).bytes.equals(held[i]!)).toBe(true);
  });
  expect((await status()).ingest.readmitted).toBeGreaterThanOrEqual(3);

  // The trail goes on with the new key, linked to the re-admitted events.
  await topic.publish('TH', [await th.next()]);
  expect(await waitForSeqs('TH', 6)).toEqual([1, 2, 3, 4, 5, 6]);
  expect((await svc.get('/v1/gaps?endpoint=TH')).body.items).toEqual([]);
  const r = await verifyPasses();
  expect(r.stats.gateways.TH).toEqual({ from: 1, to: 6, events: 6 });
});

test('back-dated forgery: an event signed with a revoked key, dated before revokedAt but appended after the reload, is KEY_REVOKED; the genuine event with its seq is appended without a conflict', async () => {
  const la = await GatewayTrail.of(dep, 'LA');
  await topic.publish('LA', await la.many(2));
  await waitForSeqs('LA', 2);
  const stolenKid = la.kid();
  // The thief holds the current key and forges LA's next event now, before anyone knows.
  const thief = la.fork();
  const forged = await thief.next({ action: 'read' });

  // The operator rotates LA (new key published everywhere), then revokes the stolen one.
  let version = (await trust()).version;
  await generateEndpointKeys('LA', dep.dir);
  version = (await waitForReload(version)).version;
  await la.useKeys(privateJwksPathOf(dep.dir, 'LA'));
  expect(la.kid()).not.toBe(stolenKid);
  const revokedAt = new Date();
  await revokeKey(dep.trustDir, stolenKid, revokedAt);
  await waitForReload(version);

  // The forgery arrives after the revocation took effect, dated before it.
  expect(Date.parse(decodeStoredEvent(forged).issuedAt)).toBeLessThan(revokedAt.getTime());
  await topic.publish('LA', [forged]);
  const [q] = await waitForQuarantine([forged]);
  expect(q).toMatchObject({ reasonCode: 'KEY_REVOKED' });
  expect(q!.readmittedAt).toBeUndefined();

  const genuine = await la.next();
  await topic.publish('LA', [genuine]);
  expect(await waitForSeqs('LA', 3)).toEqual([1, 2, 3]);
  expect(svc.service.store.indexOfEvent(digestOf(genuine))).toEqual(expect.any(Number));
  expect(svc.service.store.indexOfEvent(digestOf(forged))).toBeUndefined();
  expect((await svc.get('/v1/gaps?endpoint=LA')).body.items).toEqual([]);
  // Another trust change re-examines only UNKNOWN_KEY records: the forgery stays out.
  expect((await quarantineOf([forged]))[0]).toMatchObject({ reasonCode: 'KEY_REVOKED' });
  await verifyPasses();
});

test('a bad trust file is refused and shown in /v1/status; the last good registry stays in use', async () => {
  const good = await trust();
  const bad = join(dep.trustDir, 'MM.jwks.json');
  writeFileSync(bad, '{"keys": [');
  try {
    const refused = await eventually(async () => {
      const t = await trust();
      return t.problem !== undefined ? t : undefined;
    }, 20_000, 'the bad file refused');
    expect(refused).toMatchObject({ version: good.version, endpoints: good.endpoints, refusedVersion: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(refused.problem).toMatch(/MM\.jwks\.json/);
    // Ingest goes on with the registry in use.
    await topic.publish('CN', [await cn.next()]);
    await waitForSeqs('CN', cn.seq);
  } finally {
    rmSync(bad);
  }
  await eventually(async () => ((await trust()).problem === undefined ? true : undefined), 20_000, 'the refusal cleared');
  expect((await trust()).version).toBe(good.version);
});

test('auditors: every endpoint of the live registry by default (a counterpart added is accepted after the reload); MX_IDP_ENDPOINTS restricts', async () => {
  const kh = await svc.token(['auditor'], 'KH');
  const refused = await svc.get('/v1/status', kh);
  expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);

  const before = (await trust()).version;
  const keys = await generateEndpointKeys('KH', mkdtempSync(join(tmpdir(), 'mx-kh-keys-')));
  await installTrustFile(keys.publicJwksPath, dep.trustDir);
  expect((await waitForReload(before)).endpoints).toEqual(['CN', 'INTERPOL', 'KH', 'LA', 'TH']);
  const accepted = await svc.get('/v1/status', kh);
  expect(accepted.status).toBe(200);
  expect((accepted.body.gateways as Lag[]).find((g) => g.gateway === 'KH')).toMatchObject({ gateway: 'KH', lastSeq: 0 });

  const restricted = await startAudit(dep, audit, { prefix: freshPrefix(), consume: false, dataDir: mkdtempSync(join(tmpdir(), 'mx-audit-restricted-')), env: { MX_IDP_ENDPOINTS: 'LA' } });
  try {
    expect((await restricted.get('/v1/status', await restricted.token(['auditor'], 'TH'))).body.code).toBe('FORBIDDEN');
    expect((await restricted.get('/v1/status', await restricted.token(['auditor'], 'KH'))).body.code).toBe('FORBIDDEN');
    expect((await restricted.get('/v1/status', await restricted.token(['auditor'], 'LA'))).status).toBe(200);
  } finally {
    await restricted.stop();
  }
});

test('lag per gateway: a trail that stops turns silent, any event brings it back; a registry endpoint never heard of is silent', async () => {
  // Recorded a while before it was signed (it waited in the gateway's queue): the lag is about the signed, appended event.
  const signedAt = new Date();
  const last = await cn.next({}, signedAt, new Date(signedAt.getTime() - 30_000));
  expect(decodeStoredEvent(last).body.at).not.toBe(decodeStoredEvent(last).issuedAt);
  await topic.publish('CN', [last]);
  const fresh = await eventually(async () => {
    const g = await lagOf('CN');
    return g?.lastSeq === cn.seq ? g : undefined;
  }, 30_000, 'CN logged');
  expect(fresh).toEqual({
    gateway: 'CN',
    lastSeq: cn.seq,
    lastIssuedAt: signedAt.toISOString(),
    lastAppendedAt: expect.any(String),
    lagSeconds: expect.any(Number),
    silent: false,
  });
  expect(fresh.lagSeconds!).toBeLessThan(SILENT_AFTER_SECONDS);

  const silent = await eventually(async () => {
    const g = await lagOf('CN');
    return g?.silent ? g : undefined;
  }, 30_000, 'CN silent');
  expect(silent.lagSeconds!).toBeGreaterThan(SILENT_AFTER_SECONDS);
  expect(silent.lastSeq).toBe(cn.seq);
  expect(silent.lastAppendedAt).toBe(fresh.lastAppendedAt);
  // In the registry, nothing ever logged, the service running for longer than the bound.
  expect(await lagOf('KH')).toEqual({ gateway: 'KH', lastSeq: 0, silent: true });

  await topic.publish('CN', [await cn.next()]);
  const back = await eventually(async () => {
    const g = await lagOf('CN');
    return g?.lastSeq === cn.seq ? g : undefined;
  }, 30_000, 'CN logged again');
  expect(back.silent).toBe(false);
});

test('records held for an unknown key while the service was down are appended at start once the key is in the trust directory', async () => {
  const ip = await GatewayTrail.of(dep, 'INTERPOL');
  await topic.publish('INTERPOL', [await ip.next()]);
  await waitForSeqs('INTERPOL', 1);
  const rotated = await rotateElsewhere(dep, 'INTERPOL', mkdtempSync(join(tmpdir(), 'mx-interpol-rotated-')));
  await ip.useKeys(rotated.privateJwksPath);
  const held = await ip.many(2);
  await topic.publish('INTERPOL', held);
  expect((await waitForQuarantine(held)).map((q) => q.reasonCode)).toEqual(['UNKNOWN_KEY', 'UNKNOWN_KEY']);

  await svc.stop();
  await installTrustFile(rotated.publicJwksPath, dep.trustDir);
  svc = await startAudit(dep, audit, { prefix, env: ENV });
  // start() re-examines before it consumes: no reload needed.
  expect(await seqsOf('INTERPOL')).toEqual([1, 2, 3]);
  expect((await quarantineOf(held)).map((q) => q.readmittedAt)).toEqual([expect.any(String), expect.any(String)]);
  expect((await svc.get('/v1/gaps?endpoint=INTERPOL')).body.items).toEqual([]);
  await verifyPasses();
});
