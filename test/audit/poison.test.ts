/**
 * The audit service under records that used to stall `mx.audit` for every gateway on a partition
 * (JSON nested thousands of levels deep in the protected header or a signed payload, an empty
 * record): each is quarantined with its reason and the genuine event behind it on the same
 * partition is appended within seconds, with no consumer restart. A store held locked stalls the
 * partition visibly (`/v1/ready` 503 naming it, `/v1/status`), and recovers. A checkpoint that
 * cannot be signed makes the service not ready until a signing succeeds. And an event signed with
 * a key revoked before the broker appended it is refused however early its `issuedAt`.
 */
import Database from 'better-sqlite3';
import { FlattenedSign } from 'jose';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditDeployment, Deployment } from '../../services/cli/src/deployment/setup.ts';
import { loadCheckpointSigner } from '../../services/audit/src/checkpoint-key.ts';
import { Checkpointer } from '../../services/audit/src/checkpoints.ts';
import { verifyAuditEvent } from '../../services/audit/src/event.ts';
import { pino } from 'pino';
import { TYP_BY_CLASS } from '../../services/core/src/envelope/typ.ts';
import { digestOf } from '../../services/core/src/envelope/digest.ts';
import { ensureTopics } from '../../services/core/src/kafka/transport.ts';
import { privateJwksPathOf } from '../../services/core/src/trust/keygen.ts';
import { loadSigningKeys } from '../../services/core/src/trust/signer.ts';
import { TrustRegistry } from '../../services/core/src/trust/trust-registry.ts';
import { auditDeployment, AuditTopic, contractProblems, freshPrefix, GatewayTrail, schemas, startAudit, type RunningAudit } from '../support/audit.ts';
import { eventually, testKafka } from '../support/kafka.ts';

let dep: Deployment;
let audit: AuditDeployment;
let topic: AuditTopic;
let svc: RunningAudit;
let la: GatewayTrail;
let cn: GatewayTrail;
/** CN's key is revoked from this instant (after the deployment made it, before the service reads the trust registry). */
let revokedAt: Date;
const kafka = testKafka('audit-poison-test', { retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 300 } });

beforeAll(async () => {
  ({ dep, audit } = await auditDeployment(['LA', 'TH', 'CN']));
  const cnKey = (await loadSigningKeys(privateJwksPathOf(dep.dir, 'CN'))).current();
  await new Promise((r) => setTimeout(r, 20));
  revokedAt = new Date();
  writeFileSync(join(dep.trustDir, 'revocations.json'), JSON.stringify({ revoked: [{ kid: cnKey.kid, revokedAt: revokedAt.toISOString(), reason: 'key-compromise' }] }));
  const prefix = freshPrefix();
  topic = new AuditTopic(prefix);
  // As an older deployment left it: mx.audit without LogAppendTime, with the default 7-day retention. Provisioning must put it right.
  await ensureTopics(kafka, [{ topic: topic.topic, numPartitions: 3 }]);
  svc = await startAudit(dep, audit, { prefix, env: { MX_STALL_AFTER_MS: '500' } });
  la = await GatewayTrail.of(dep, 'LA');
  cn = await GatewayTrail.of(dep, 'CN');
});
afterAll(async () => {
  await svc?.stop();
  await topic?.close();
});

const size = (): number => svc.service.store.log.size();
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
const deepArray = (n: number): string => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number): string => '{"a":'.repeat(n) + '0' + '}'.repeat(n);

async function quarantined(): Promise<{ digest: string; reasonCode: string; partition: number }[]> {
  return (await svc.get('/v1/quarantine?limit=200')).body.items;
}

test('mx.audit is a LogAppendTime topic kept indefinitely, even when it existed before without either', async () => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const d = await admin.describeConfigs({ resources: [{ type: 2, name: topic.topic, configNames: ['message.timestamp.type', 'retention.ms', 'retention.bytes'] }], includeSynonyms: false });
    const value = (name: string) => d.resources[0]!.configEntries.find((e) => e.configName === name)?.configValue;
    expect(value('message.timestamp.type')).toBe('LogAppendTime');
    expect(value('retention.ms')).toBe('-1');
    expect(value('retention.bytes')).toBe('-1');
  } finally {
    await admin.disconnect();
  }
});

test('deep header, deep signed payload and an empty record are quarantined with a reason; the genuine event behind them is appended; no restart', async () => {
  const laKey = (await loadSigningKeys(privateJwksPathOf(dep.dir, 'LA'))).current();
  const header = (extra: string) => b64(`{"alg":"EdDSA","kid":"${laKey.kid}","typ":"mx-audit+jws","x":${extra}}`);
  const unsigned = (p: string) => Buffer.from(JSON.stringify({ protected: p, payload: b64('{}'), signature: '' }));
  // A genuine event's payload with a deep member, signed with LA's real key.
  const genuine = JSON.parse(Buffer.from((JSON.parse((await la.sign(99, null)).toString()) as { payload: string }).payload, 'base64url').toString()) as Record<string, unknown>;
  const deepText = JSON.stringify({ ...genuine, deep: 'DEEP' }).replace('"DEEP"', deepArray(5000));
  const jws = await new FlattenedSign(new TextEncoder().encode(deepText)).setProtectedHeader({ alg: 'EdDSA', kid: laKey.kid, typ: TYP_BY_CLASS.audit }).sign(laKey.privateKey);
  const bad: [string, Buffer][] = [
    ['TOO_LARGE', unsigned(header(deepArray(5000)))],
    ['MALFORMED', unsigned(header(deepObject(500)))],
    ['MALFORMED', Buffer.from(JSON.stringify({ protected: jws.protected, payload: jws.payload, signature: jws.signature }))],
    ['MALFORMED', Buffer.alloc(0)],
  ];
  const before = size();
  const good = await la.next();
  // Counted from here (a start-up crash under the tests' short Kafka retries is not the point).
  const restartsBefore = svc.service.consumer.state().restarts;
  const started = Date.now();
  await topic.publish('LA', [...bad.map(([, r]) => r), good]);
  await eventually(() => (size() === before + 1 ? true : undefined), 20_000, 'the genuine event appended');
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(svc.service.store.log.leaf(before).bytes.equals(good)).toBe(true);
  const items = await eventually(async () => {
    const q = await quarantined();
    return bad.every(([, r]) => q.some((i) => i.digest === digestOf(r))) ? q : undefined;
  }, 20_000, 'the bad records quarantined');
  for (const [code, record] of bad) expect({ code, got: items.find((i) => i.digest === digestOf(record))!.reasonCode }).toEqual({ code, got: code });
  expect(svc.service.consumer.state()).toMatchObject({ member: true, stalled: [], restarts: restartsBefore });
  expect((await svc.get('/v1/ready')).status).toBe(200);
});

test('an event signed with a key revoked before the broker appended it is KEY_REVOKED, however early its issuedAt', async () => {
  const cnKey = (await loadSigningKeys(privateJwksPathOf(dep.dir, 'CN'))).current();
  // Issued inside the key's validity and before its revokedAt: it verifies as of its own issuedAt...
  const issuedAt = new Date(Math.floor((cnKey.validFrom.getTime() + revokedAt.getTime()) / 2));
  expect(issuedAt.getTime()).toBeLessThan(revokedAt.getTime());
  const backdated = await cn.sign(1, null, {}, issuedAt);
  const trust = await TrustRegistry.fromDirectory(dep.trustDir);
  await expect(verifyAuditEvent(backdated, trust, schemas())).resolves.toMatchObject({ kid: cnKey.kid });
  // ...but it reaches the broker after the revocation, and that is what counts.
  const marker = await la.next();
  const before = size();
  await topic.publish('CN', [backdated]);
  await topic.publish('LA', [marker]);
  await eventually(() => (size() === before + 1 ? true : undefined), 20_000, 'the marker appended');
  const entry = await eventually(async () => (await quarantined()).find((i) => i.digest === digestOf(backdated)), 20_000, 'the backdated event quarantined');
  expect(entry.reasonCode).toBe('KEY_REVOKED');
  expect(svc.service.store.indexOfEvent(digestOf(backdated))).toBeUndefined();
});

test('a store held locked past MX_STALL_AFTER_MS: /v1/ready 503 and /v1/status name the stalled partition; after release the event is appended and ready is 200', async () => {
  const restartsBefore = svc.service.consumer.state().restarts;
  const locker = new Database(svc.service.dbFile);
  try {
    locker.exec('BEGIN EXCLUSIVE');
    const before = size();
    const event = await la.next();
    await topic.publish('LA', [event]);
    const problem = await eventually(async () => {
      const r = await svc.get('/v1/ready');
      return r.status === 503 && /stalled/.test(String(r.body.detail)) ? r : undefined;
    }, 40_000, '/v1/ready 503 naming the stall');
    expect(problem.body).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    expect(problem.body.detail).toMatch(new RegExp(`^partition ${topic.topic.replace(/\./g, '\\.')}/\\d+ stalled at offset \\d+: store unavailable \\(SQLITE_BUSY\\)$`));
    const status = await svc.get('/v1/status');
    expect(status.status).toBe(200);
    expect(contractProblems('Status', status.body)).toEqual([]);
    expect(status.body.consumer.stalled).toEqual([expect.objectContaining({ topic: topic.topic, reason: 'store unavailable (SQLITE_BUSY)' })]);
    expect(size()).toBe(before);
    locker.exec('COMMIT');
    await eventually(() => (size() === before + 1 ? true : undefined), 30_000, 'the event appended after the lock is released');
    await eventually(async () => ((await svc.get('/v1/ready')).status === 200 ? true : undefined), 30_000, '/v1/ready 200 again');
    expect((await svc.get('/v1/status')).body.consumer).toMatchObject({ member: true, stalled: [], restarts: restartsBefore });
  } finally {
    if (locker.inTransaction) locker.exec('ROLLBACK');
    locker.close();
  }
});

test('a checkpoint that cannot be signed makes the service not ready until a signing succeeds', async () => {
  expect((await svc.service.checkpointer.signNow()).kind).toBe('signed');
  const event = await la.next();
  const before = size();
  await topic.publish('LA', [event]);
  await eventually(() => (size() === before + 1 ? true : undefined), 20_000, 'one more leaf');
  // Behind the service's back, the unsigned leaf's bytes change: signing must refuse.
  const attacker = new Database(svc.service.dbFile);
  try {
    const original = attacker.prepare('SELECT leaf_bytes FROM merkle_leaves WHERE leaf_index = ?').pluck().get(before) as Buffer;
    const flipped = Buffer.from(original);
    flipped[10] = flipped[10]! ^ 1;
    attacker.prepare('UPDATE merkle_leaves SET leaf_bytes = ? WHERE leaf_index = ?').run(flipped, before);
    expect((await svc.service.checkpointer.signNow()).kind).toBe('refused');
    const r = await svc.get('/v1/ready');
    expect(r.status).toBe(503);
    expect(r.body.code).toBe('UNAVAILABLE');
    expect(r.body.detail).toMatch(/^checkpoint signing refused: leaf-hash-mismatch leaf \d+/);
    attacker.prepare('UPDATE merkle_leaves SET leaf_bytes = ? WHERE leaf_index = ?').run(original, before);
  } finally {
    attacker.close();
  }
  expect((await svc.service.checkpointer.signNow()).kind).toBe('signed');
  expect((await svc.get('/v1/ready')).status).toBe(200);
});

test('a signer that fails is a refusal like any other: nothing signed, the state refusing, ok again after a success', async () => {
  const { store } = svc.service;
  await topic.publish('LA', [await la.next()]);
  await eventually(() => (store.log.size() > (store.latestCheckpoint()?.treeSize ?? 0) ? true : undefined), 20_000, 'an unsigned leaf');
  // The key may live where it can refuse (an HSM, a KMS); the real key signs once it answers again.
  const realSigner = await loadCheckpointSigner(audit.signingKeyFile);
  let available = false;
  const checkpointer = new Checkpointer({
    store,
    signer: { kid: realSigner.kid, sign: async (st) => (available ? realSigner.sign(st) : Promise.reject(new Error('signing service unavailable'))) },
    origin: 'mx-audit.example/log',
    everyLeaves: 1_000_000,
    everySeconds: 86_400,
    logger: pino({ level: 'silent' }),
  });
  const treeSize = store.log.size();
  expect(await checkpointer.signNow()).toEqual({ kind: 'refused', treeSize, problem: 'the checkpoint signer failed (Error)' });
  expect(checkpointer.status()).toMatchObject({ state: 'refusing', lastRefusal: { treeSize, problem: 'the checkpoint signer failed (Error)' } });
  expect(store.latestCheckpoint()?.treeSize).not.toBe(treeSize);
  available = true;
  expect((await checkpointer.signNow()).kind).toBe('signed');
  expect(checkpointer.status().state).toBe('ok');
});
