/**
 * Live trust at the gateway (issue 11, part A): running gateways LA and TH on the real broker,
 * re-reading their trust directory, routing policy and private keys every second
 * (`MX_TRUST_RELOAD_SECONDS=1`), with real keys written the way `mx keys rotate` writes them.
 * - a rotation reaches the running TH (new kid on the wire) and LA accepts it;
 * - a record signed with a key LA does not know yet is parked, then admitted once the public key
 *   is copied in (inbox, sender lifecycle `delivered`, `delivered` audit event, dead letter marked);
 * - a body encrypted to LA's new key before LA's private file holds it is parked without a
 *   rejection receipt, then admitted once the private key arrives;
 * - a revocation applies within the interval, to a back-dated forgery with the revoked key too,
 *   and a parked record is judged as of its first receive time;
 * - a bad trust file or routing policy is refused and the last good version stays in `/v1/status`;
 * - a new counterpart's public keys and a policy line make it a recipient, without a restart;
 * - a key published while the gateway was down admits what it parked, at its next start.
 * The tests run in order and build on each other's keys.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDocument } from '../fixtures/documents/index.ts';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { gatewayEnv } from '../../services/cli/src/deployment/setup.ts';
import { answerClientErrors } from '../../services/core/src/http/api.ts';
import { DEFAULT_ROUTING_POLICY, loadGatewayConfig } from '../../services/gateway/src/config.ts';
import { createGateway } from '../../services/gateway/src/gateway.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually, testBrokers } from '../support/kafka.ts';
import { digestOf, dlqEntry, payloadOf, receiptsAbout, Wire, type TopicTap } from '../support/wire.ts';
import { encryptBody } from '../../services/core/src/envelope/encrypt.ts';
import { signNotice } from '../../services/core/src/envelope/sign.ts';
import type { IncomingRecord } from '../../services/core/src/kafka/transport.ts';
import { PRIVATE_FILE_MODE, writeFileAtomic } from '../../services/core/src/trust/files.ts';
import { generateEndpointKeys, privateJwksPathOf, publicJwksPathOf, type GeneratedKey } from '../../services/core/src/trust/keygen.ts';
import { loadSigningKeys, type Signer } from '../../services/core/src/trust/signer.ts';
import { TrustRegistry } from '../../services/core/src/trust/trust-registry.ts';

let c: Cluster;
let wire: Wire;
let laInbox: TopicTap;
let laDlq: TopicTap;
let thInbox: TopicTap;
let audit: TopicTap;
let th: string;
let la: string;
let laAuditor: string;
let thAuditor: string;
let policyFile: string;

beforeAll(async () => {
  // The gateways' own copy of the routing policy, so a test can edit it.
  policyFile = join(mkdtempSync(join(tmpdir(), 'mx-live-policy-')), 'routing-policy.json');
  writeFileSync(policyFile, readFileSync(DEFAULT_ROUTING_POLICY));
  c = await startCluster(['LA', 'TH'], { env: { MX_TRUST_RELOAD_SECONDS: '1', MX_ROUTING_POLICY: policyFile } });
  wire = new Wire(c);
  [laInbox, laDlq, thInbox, audit] = await Promise.all([wire.tap(wire.inbox('LA')), wire.tap(wire.dlq('LA')), wire.tap(wire.inbox('TH')), wire.tap(`${c.prefix}mx.audit`)]);
  [th, la, laAuditor, thAuditor] = await Promise.all([
    c.token('TH', ['liaison-officer']),
    c.token('LA', ['liaison-officer']),
    c.token('LA', ['auditor']),
    c.token('TH', ['auditor']),
  ]);
});
afterAll(async () => {
  await wire?.close();
  await c?.stop();
});

interface TrustStatus {
  version: string;
  loadedAt: string;
  checkedAt: string;
  problem?: string;
  refusedVersion?: string;
  endpoints: string[];
}

async function trustStatus(endpoint: 'LA' | 'TH'): Promise<TrustStatus> {
  const r = await c.call(endpoint, 'GET', '/v1/status', { token: endpoint === 'LA' ? laAuditor : thAuditor });
  expect(r.status).toBe(200);
  return r.body.trust as TrustStatus;
}

/** Waits until `endpoint` has taken a version other than `before` into use. */
function reloaded(endpoint: 'LA' | 'TH', before: string): Promise<TrustStatus> {
  return eventually(async () => {
    const s = await trustStatus(endpoint);
    return s.version !== before ? s : undefined;
  }, 20_000, `${endpoint} to reload its trust files`);
}

const kidOf = (r: IncomingRecord): string => (JSON.parse(Buffer.from(JSON.parse(r.value.toString('utf8')).protected, 'base64url').toString('utf8')) as { kid: string }).kid;
const idOfRecord = (r: IncomingRecord): string | undefined => {
  try {
    return payloadOf<{ id: string }>(r.value).id;
  } catch {
    return undefined;
  }
};

async function sendVictimNotice(caseRef: string): Promise<string> {
  const sent = await c.call('TH', 'POST', '/v1/notices', { token: th, body: { type: 'victim-repatriation-notice', to: ['LA'], caseRef, body: buildDocument('victim-repatriation-notice').body } });
  expect(sent.status).toBe(202);
  return sent.body.id as string;
}

async function recipientAtTh(id: string): Promise<{ delivered: boolean; rejected?: boolean; reasonCode?: string }> {
  const m = await c.call('TH', 'GET', `/v1/messages/${id}`, { token: th });
  expect(m.status).toBe(200);
  return m.body.recipients[0];
}

async function deadLetter(digest: string): Promise<Record<string, unknown> | undefined> {
  const r = await c.call('LA', 'GET', '/v1/dead-letters?limit=200', { token: la });
  expect(r.status).toBe(200);
  return (r.body.items as Record<string, unknown>[]).find((i) => i.digest === digest);
}

/** Adds keys to a JWKS file the way `mx keys rotate` does (atomic replacement, same mode). */
async function appendKeys(path: string, from: string, mode: number): Promise<void> {
  const have = JSON.parse(readFileSync(path, 'utf8')) as { keys: unknown[] };
  const add = JSON.parse(readFileSync(from, 'utf8')) as { keys: unknown[] };
  await writeFileAtomic(path, `${JSON.stringify({ keys: [...have.keys, ...add.keys] }, null, 2)}\n`, mode);
}

/** Keys for `endpoint` made apart from the deployment: held by no gateway and trusted by none yet. */
async function keysApart(endpoint: string): Promise<GeneratedKey & { signer: Signer }> {
  const dir = mkdtempSync(join(tmpdir(), 'mx-live-keys-'));
  const gen = await generateEndpointKeys(endpoint, dir);
  return { ...gen, signer: (await loadSigningKeys(gen.privateJwksPath)).current() };
}

/** A victim notice from TH to LA, encrypted to LA's newest key in the trust directory and signed by `signer`. */
async function forgeFromTh(signer: Signer, caseRef: string, issuedAt = new Date()): Promise<{ record: Buffer; id: string; digest: string }> {
  const doc = buildDocument('victim-repatriation-notice', { from: 'TH', to: ['LA'], caseRef, issuedAt });
  const trust = await TrustRegistry.fromDirectory(c.dep.trustDir);
  const k = trust.currentEncryptionKey('LA', new Date())!;
  const { body, ...rest } = doc as typeof doc & { body: unknown };
  const encrypted = { ...rest, encryptedBody: await encryptBody(body, { id: doc.id, from: doc.from, type: doc.type, schema: doc.schema }, [{ endpoint: 'LA', kid: k.kid, key: k.key }]) };
  const record = Buffer.from(await signNotice(encrypted, signer));
  return { record, id: doc.id, digest: digestOf(record) };
}

function dlqReason(digest: string, code: string, what: string): Promise<IncomingRecord> {
  return laDlq.waitFor((r) => dlqEntry(r)?.digest === digest && dlqEntry(r)?.reasonCode === code, what);
}

let thRotated: GeneratedKey;
let thApart: GeneratedKey & { signer: Signer };

test('a rotation reaches the running TH: the new kid is on the wire and LA accepts it', async () => {
  const [laBefore, thBefore] = await Promise.all([trustStatus('LA'), trustStatus('TH')]);
  expect(laBefore).toMatchObject({ endpoints: ['LA', 'TH'] });
  expect(laBefore.problem).toBeUndefined();

  // What `mx keys rotate --endpoint TH` does: a new key pair in TH's private file and in the shared trust directory.
  thRotated = await generateEndpointKeys('TH', c.dep.dir);
  await Promise.all([reloaded('TH', thBefore.version), reloaded('LA', laBefore.version)]);

  const id = await sendVictimNotice('TH-2026-300001');
  const onWire = await laInbox.waitFor((r) => idOfRecord(r) === id, 'the rotated notice');
  expect(kidOf(onWire)).toBe(thRotated.kid);
  await eventually(async () => ((await recipientAtTh(id)).delivered ? true : undefined), 20_000, 'LA to accept the notice signed with the new key');
  // LA's accepted receipt was signed by LA's (unchanged) key and verified by TH.
  await eventually(() => (receiptsAbout(thInbox.records, id).some((r) => r.body.outcome === 'accepted') ? true : undefined), 20_000, 'the accepted receipt on the wire');
});

test('a record signed with a key LA does not know yet is parked, then admitted once the public key is copied in', async () => {
  // TH's operator rotates but publishes the public key late: only TH's private file has the new key.
  thApart = await keysApart('TH');
  const thBefore = await trustStatus('TH');
  await appendKeys(privateJwksPathOf(c.dep.dir, 'TH'), thApart.privateJwksPath, PRIVATE_FILE_MODE);
  await reloaded('TH', thBefore.version);

  const id = await sendVictimNotice('TH-2026-300002');
  const onWire = await laInbox.waitFor((r) => idOfRecord(r) === id, 'the notice under an unpublished key');
  expect(kidOf(onWire)).toBe(thApart.kid);
  const digest = digestOf(onWire.value);
  await dlqReason(digest, 'UNKNOWN_KEY', 'the parked record');
  expect(await deadLetter(digest)).toMatchObject({ reasonCode: 'UNKNOWN_KEY', parkedAs: 'UNKNOWN_KEY', parked: true });
  expect(c.gateways.LA!.gateway.store.inboxByKey('TH', id)).toBeUndefined();
  expect((await recipientAtTh(id)).delivered).toBe(false);

  // The public key reaches LA's trust directory: LA reloads and re-examines what it parked.
  const laBefore = await trustStatus('LA');
  await appendKeys(publicJwksPathOf(c.dep.dir, 'TH'), thApart.publicJwksPath, 0o644);
  await reloaded('LA', laBefore.version);

  await eventually(async () => ((await recipientAtTh(id)).delivered ? true : undefined), 20_000, 'TH to see the parked notice delivered');
  const inbox = await c.call('LA', 'GET', '/v1/inbox?type=victim-repatriation-notice', { token: la });
  expect(inbox.body.items.map((i: { id: string }) => i.id)).toContain(id);
  const dl = await deadLetter(digest);
  expect(dl).toMatchObject({ reasonCode: 'UNKNOWN_KEY', parkedAs: 'UNKNOWN_KEY', parked: false });
  expect(typeof dl!.readmittedAt).toBe('string');
  await audit.waitFor((r) => {
    const body = payloadOf<{ body: { gateway: string; action: string; messageId?: string } }>(r.value).body;
    return body.gateway === 'LA' && body.action === 'delivered' && body.messageId === id;
  }, 'the delivered audit event of the re-admitted notice');
});

test('a body encrypted to a key of LA that LA does not hold yet is parked without a rejection receipt, then admitted', async () => {
  // LA's new key pair: the public half is published first, the private file is updated late.
  const laApart = await keysApart('LA');
  const thBefore = await trustStatus('TH');
  await appendKeys(publicJwksPathOf(c.dep.dir, 'LA'), laApart.publicJwksPath, 0o644);
  await reloaded('TH', thBefore.version);

  const caseRef = 'TH-2026-300003';
  const id = await sendVictimNotice(caseRef);
  const onWire = await laInbox.waitFor((r) => idOfRecord(r) === id, 'the notice encrypted to the new key');
  const digest = digestOf(onWire.value);
  await dlqReason(digest, 'DECRYPT_FAILED', 'the parked record');
  expect(await deadLetter(digest)).toMatchObject({ parkedAs: 'DECRYPT_FAILED', parked: true, from: 'TH' });

  const laBefore = await trustStatus('LA');
  await appendKeys(privateJwksPathOf(c.dep.dir, 'LA'), laApart.privateJwksPath, PRIVATE_FILE_MODE);
  await reloaded('LA', laBefore.version);

  await eventually(async () => ((await recipientAtTh(id)).delivered ? true : undefined), 20_000, 'TH to see it delivered');
  const recipient = await recipientAtTh(id);
  expect(recipient.rejected ?? false).toBe(false);
  // A rejection would have been queued with the dead letter, on the same key (so the same
  // partition) before the accepted receipt: there is none.
  const receipts = await eventually(() => {
    const r = receiptsAbout(thInbox.records, id);
    return r.some((x) => x.body.outcome === 'accepted') ? r : undefined;
  }, 20_000, 'the accepted receipt');
  expect(receipts.map((r) => r.body.outcome)).toEqual(['accepted']);
  // LA reads it in clear with its new private key.
  const item = await c.call('LA', 'GET', `/v1/inbox/${id}`, { token: la });
  expect(item.status).toBe(200);
  expect(item.body.document.body.child).toBeDefined();
});

test('a revocation applies while running, to a back-dated record signed with the revoked key too; parked records are judged as of their first receipt', async () => {
  // Two more unpublished TH keys: records signed with them arrive now and are parked.
  const [k2, k3] = await Promise.all([keysApart('TH'), keysApart('TH')]);
  const r2 = await forgeFromTh(k2.signer, 'TH-2026-300004');
  const r3 = await forgeFromTh(k3.signer, 'TH-2026-300005');
  await wire.write(wire.inbox('LA'), 'parked', r2.record, r3.record);
  await Promise.all([dlqReason(r2.digest, 'UNKNOWN_KEY', 'r2 parked'), dlqReason(r3.digest, 'UNKNOWN_KEY', 'r3 parked')]);
  const firstReceived = Date.parse(String((await deadLetter(r2.digest))!.at));

  // TH's key in use is compromised: revoked from now. k2 is revoked after r2 arrived, k3 before r3 did.
  const revokedAt = new Date();
  const revocations = {
    revoked: [
      { kid: thApart.kid, revokedAt: revokedAt.toISOString(), reason: 'key-compromise' },
      { kid: k2.kid, revokedAt: new Date(firstReceived + 1).toISOString(), reason: 'superseded' },
      { kid: k3.kid, revokedAt: new Date(firstReceived - 60_000).toISOString(), reason: 'key-compromise' },
    ],
  };
  // Revocations first, keys after: a kid revoked before it is published is simply never trusted.
  let laBefore = await trustStatus('LA');
  await writeFileAtomic(join(c.dep.trustDir, 'revocations.json'), `${JSON.stringify(revocations, null, 2)}\n`, 0o644);
  await reloaded('LA', laBefore.version);

  // Through TH's API, still signing with its revoked key: refused at LA.
  const id = await sendVictimNotice('TH-2026-300006');
  const sent = await laInbox.waitFor((r) => idOfRecord(r) === id, 'the notice signed with the revoked key');
  expect(kidOf(sent)).toBe(thApart.kid);
  await dlqReason(digestOf(sent.value), 'KEY_REVOKED', 'the notice signed after the revocation');

  // The forgery: the revoked key's real signature, dated before revokedAt, received after it.
  const backDated = new Date(Math.floor((thApart.validFrom.getTime() + revokedAt.getTime()) / 2));
  expect(backDated.getTime()).toBeLessThan(revokedAt.getTime());
  const forged = await forgeFromTh(thApart.signer, 'TH-2026-300007', backDated);
  await wire.write(wire.inbox('LA'), 'forged', forged.record);
  await dlqReason(forged.digest, 'KEY_REVOKED', 'the back-dated forgery');
  expect(c.gateways.LA!.gateway.store.inboxByKey('TH', forged.id)).toBeUndefined();

  // k2 and k3 published: r2 (received before k2's revokedAt) is admitted, r3 (after k3's) is refused.
  laBefore = await trustStatus('LA');
  await appendKeys(publicJwksPathOf(c.dep.dir, 'TH'), k2.publicJwksPath, 0o644);
  await appendKeys(publicJwksPathOf(c.dep.dir, 'TH'), k3.publicJwksPath, 0o644);
  await reloaded('LA', laBefore.version);
  await eventually(() => c.gateways.LA!.gateway.store.inboxByKey('TH', r2.id), 20_000, 'r2 admitted');
  await dlqReason(r3.digest, 'KEY_REVOKED', 'r3 refused on re-examination');
  expect(await deadLetter(r3.digest)).toMatchObject({ reasonCode: 'KEY_REVOKED', parkedAs: 'UNKNOWN_KEY', parked: false });
  expect(c.gateways.LA!.gateway.store.inboxByKey('TH', r3.id)).toBeUndefined();
  expect(await deadLetter(r2.digest)).toMatchObject({ parked: false, readmittedAt: expect.any(String) });

  // A record signed with k2 now, after its revokedAt, is refused: admission of r2 was its arrival time's.
  const late = await forgeFromTh(k2.signer, 'TH-2026-300008');
  await wire.write(wire.inbox('LA'), 'late', late.record);
  await dlqReason(late.digest, 'KEY_REVOKED', 'a fresh record with k2');
});

test('a bad trust file is refused and logged; the last good version stays in use and in /v1/status', async () => {
  const good = await trustStatus('LA');
  const bad = join(c.dep.trustDir, 'KH.jwks.json');
  try {
    writeFileSync(bad, '{"keys": [');
    const refused = await eventually(async () => {
      const s = await trustStatus('LA');
      return s.problem !== undefined ? s : undefined;
    }, 20_000, 'LA to refuse invalid JSON');
    expect(refused).toMatchObject({ version: good.version, loadedAt: good.loadedAt, endpoints: good.endpoints });
    expect(refused.problem).toMatch(/KH\.jwks\.json/);
    const invalidJson = refused.refusedVersion;

    // A well-formed file whose key belongs to another endpoint.
    const thKey = (JSON.parse(readFileSync(thRotated.publicJwksPath, 'utf8')) as { keys: unknown[] }).keys[0];
    writeFileSync(bad, JSON.stringify({ keys: [thKey] }));
    const wrong = await eventually(async () => {
      const s = await trustStatus('LA');
      return s.refusedVersion !== undefined && s.refusedVersion !== invalidJson ? s : undefined;
    }, 20_000, 'LA to refuse a key of the wrong endpoint');
    expect(wrong).toMatchObject({ version: good.version, endpoints: ['LA', 'TH'] });
    expect(wrong.problem).toMatch(/endpoint TH/);

    // The gateway keeps working on the last good set meanwhile: KH is still unknown.
    const r = await c.call('LA', 'POST', '/v1/notices', { token: la, body: { type: 'victim-repatriation-notice', to: ['KH'], body: buildDocument('victim-repatriation-notice').body } });
    expect(r.body.code).toBe('UNKNOWN_ENDPOINT');
  } finally {
    rmSync(bad, { force: true });
  }
  const back = await eventually(async () => {
    const s = await trustStatus('LA');
    return s.problem === undefined ? s : undefined;
  }, 20_000, 'LA to see the files back to the version in use');
  expect(back.version).toBe(good.version);

  // A routing policy that does not parse is refused the same way.
  const policy = readFileSync(policyFile);
  try {
    writeFileSync(policyFile, '{"version": 1, "rules": ');
    const refused = await eventually(async () => {
      const s = await trustStatus('LA');
      return s.problem !== undefined ? s : undefined;
    }, 20_000, 'LA to refuse a broken routing policy');
    expect(refused).toMatchObject({ version: good.version });
    expect(refused.problem).toMatch(/routing policy/);
  } finally {
    writeFileSync(policyFile, policy);
  }
  await eventually(async () => ((await trustStatus('LA')).problem === undefined ? true : undefined), 20_000, 'the policy back to the version in use');
});

test('a new counterpart becomes a recipient by its public keys and a line of policy, without a restart', async () => {
  const notice = { type: 'victim-repatriation-notice', to: ['KH'], body: buildDocument('victim-repatriation-notice').body };
  expect((await c.call('LA', 'POST', '/v1/notices', { token: la, body: notice })).body.code).toBe('UNKNOWN_ENDPOINT');

  const kh = await keysApart('KH');
  let before = await trustStatus('LA');
  await writeFileAtomic(publicJwksPathOf(c.dep.dir, 'KH'), readFileSync(kh.publicJwksPath, 'utf8'), 0o644);
  expect((await reloaded('LA', before.version)).endpoints).toEqual(['KH', 'LA', 'TH']);
  // Known now, but the policy does not let a victim notice go there yet.
  expect((await c.call('LA', 'POST', '/v1/notices', { token: la, body: notice })).body.code).toBe('ROUTE_FORBIDDEN');

  before = await trustStatus('LA');
  const p = JSON.parse(readFileSync(policyFile, 'utf8')) as { groups: Record<string, string[]> };
  p.groups.countries = [...p.groups.countries!, 'KH'];
  p.groups.everyone = [...p.groups.everyone!, 'KH'];
  await writeFileAtomic(policyFile, JSON.stringify(p, null, 2), 0o644);
  await reloaded('LA', before.version);
  const sent = await c.call('LA', 'POST', '/v1/notices', { token: la, body: notice });
  expect(sent.status).toBe(202);
});

test('a key published while LA was down admits what LA parked, once LA starts again', async () => {
  const k = await keysApart('TH');
  const r = await forgeFromTh(k.signer, 'TH-2026-300009');
  await wire.write(wire.inbox('LA'), 'restart', r.record);
  await dlqReason(r.digest, 'UNKNOWN_KEY', 'the parked record');

  // LA stops; TH's operator publishes the key meanwhile; LA starts with it already in its files.
  const old = c.gateways.LA!;
  old.server.closeAllConnections();
  await new Promise<void>((done) => old.server.close(() => done()));
  await old.gateway.stop();
  await appendKeys(publicJwksPathOf(c.dep.dir, 'TH'), k.publicJwksPath, 0o644);
  const cfg = loadGatewayConfig({ ...gatewayEnv(c.dep, 'LA', testBrokers(), { topicPrefix: c.prefix }), MX_TRUST_RELOAD_SECONDS: '1', MX_ROUTING_POLICY: policyFile });
  const gateway = await createGateway(cfg, { logger: pino({ level: 'silent' }), retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 300 } });
  const server = await new Promise<Server>((resolve) => {
    const srv = gateway.app.listen(0, '127.0.0.1', () => resolve(srv));
    answerClientErrors(srv);
  });
  c.gateways.LA = { endpoint: 'LA', gateway, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  await gateway.start();

  await eventually(() => gateway.store.inboxByKey('TH', r.id), 30_000, 'the parked record admitted at start');
  expect(await deadLetter(r.digest)).toMatchObject({ parkedAs: 'UNKNOWN_KEY', parked: false, readmittedAt: expect.any(String) });
});
