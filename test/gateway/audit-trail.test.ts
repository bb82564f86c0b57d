/**
 * The gateway's audit trail on a real SQLite store: chained, signed, announcing each signing key,
 * never stuck by a key switch, and reported by /v1/ready when it stalls.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditEmitter } from '../../services/core/src/audit/emitter.ts';
import { ManualClock } from '../../services/core/src/clock/clock.ts';
import { verifyAuditEvent } from '../../services/audit/src/event.ts';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { startCluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';
import { digestOf } from '../../services/core/src/envelope/digest.ts';
import { verifyNotice } from '../../services/core/src/envelope/verify.ts';
import { TYP_BY_CLASS } from '../../services/core/src/envelope/typ.ts';
import { Outbox } from '../../services/core/src/outbox/outbox.ts';
import { SchemaRegistry } from '../../services/core/src/schemas/registry.ts';
import { openDatabase } from '../../services/core/src/store/sqlite.ts';
import { generateEndpointKeys, privateJwksPathOf } from '../../services/core/src/trust/keygen.ts';
import { loadSigningKeys, type Signer } from '../../services/core/src/trust/signer.ts';
import { TrustRegistry } from '../../services/core/src/trust/trust-registry.ts';

test('events are chained by seq and prevDigest, and every signing key is announced in its first signing pass', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mx-trail-'));
  await generateEndpointKeys('TH', dir);
  await generateEndpointKeys('TH', dir, { validFrom: new Date(Date.now() - 1000) });
  const ring = await loadSigningKeys(privateJwksPathOf(dir, 'TH'));
  expect(ring.signers).toHaveLength(2);
  const [oldKey, newKey] = ring.signers as [Signer, Signer];
  let signer = oldKey;
  const db = openDatabase(join(dir, 'gw.sqlite'));
  const outbox = new Outbox(db);
  const audit = new AuditEmitter(db, outbox, { endpoint: 'TH', topic: 'mx.audit', agency: 'TH test desk', officer: 'gatewayPseudonym0000000000000000', signer: () => signer, now: () => new Date() });

  db.transaction(() => audit.record({ action: 'submitted', messageId: '01a2201d-6324-72c8-bc05-50e4ddb16b16', counterpart: 'LA' }))();
  await audit.flush();
  signer = newKey;
  db.transaction(() => audit.record({ action: 'published', messageId: '01a2201d-6324-72c8-bc05-50e4ddb16b16', counterpart: 'LA' }))();
  await audit.flush();

  const trust = await TrustRegistry.fromDirectory(join(dir, 'trust'));
  const schemas = SchemaRegistry.load();
  const rows = db.prepare('SELECT seq, digest, record FROM audit_events ORDER BY seq').all() as { seq: number; digest: string; record: Buffer }[];
  const bodies = [];
  let prev: string | null = null;
  for (const r of rows) {
    const v = await verifyNotice<{ id: string; type: 'audit-event'; from: string; to: string[]; issuedAt: string; expiresAt: string; body: Record<string, unknown> }>(r.record, trust, schemas, { typ: TYP_BY_CLASS.audit });
    expect(v.digest).toBe(digestOf(r.record));
    expect(v.document.body.seq).toBe(r.seq);
    expect(v.document.body.prevDigest).toBe(prev);
    prev = r.digest;
    bodies.push({ action: v.document.body.action, kid: v.document.body.kid, signedBy: v.kid });
  }
  // The first signing pass with a key announces it (after the events that pass signs, which were
  // recorded before it began); the JWS header of every event names its key anyway.
  expect(bodies).toEqual([
    { action: 'submitted', kid: undefined, signedBy: oldKey.kid },
    { action: 'key-rotated', kid: oldKey.kid, signedBy: oldKey.kid },
    { action: 'published', kid: undefined, signedBy: newKey.kid },
    { action: 'key-rotated', kid: newKey.kid, signedBy: newKey.kid },
  ]);
  // Every signed event is queued for mx.audit, in order.
  const queued = db.prepare("SELECT ref FROM outbox WHERE kind = 'audit' ORDER BY id").all() as { ref: string }[];
  expect(queued.map((q) => Number(q.ref))).toEqual([1, 2, 3, 4]);
});

test('events recorded before a key switch and signed after it are signed with the new key at the signing time, and verify', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mx-trail-switch-'));
  const t0 = Date.now();
  await generateEndpointKeys('TH', dir, { validFrom: new Date(t0 - 3_600_000) });
  // The next key takes over a minute from now: between recording the events and signing them.
  await generateEndpointKeys('TH', dir, { validFrom: new Date(t0 + 60_000) });
  const ring = await loadSigningKeys(privateJwksPathOf(dir, 'TH'));
  const [oldKey, newKey] = ring.signers as [Signer, Signer];
  const clock = new ManualClock(t0);
  const db = openDatabase(join(dir, 'gw.sqlite'));
  const outbox = new Outbox(db);
  const audit = new AuditEmitter(db, outbox, { endpoint: 'TH', topic: 'mx.audit', agency: 'TH test desk', officer: 'gatewayPseudonym0000000000000000', signer: (now) => ring.current(now), now: () => clock.now() });
  await audit.flush();
  for (let i = 0; i < 3; i++) db.transaction(() => audit.record({ action: 'rejected', outcome: 'rejected', reasonCode: 'VALIDATION_FAILED' }))();
  expect(audit.backlog()).toEqual({ unsigned: 3, unpublished: 1, oldestPendingAt: new Date(t0) });

  clock.set(t0 + 120_000);
  await audit.flush();
  expect(audit.backlog().unsigned).toBe(0);

  const trust = await TrustRegistry.fromDirectory(join(dir, 'trust'));
  const schemas = SchemaRegistry.load();
  const rows = db.prepare('SELECT seq, digest, record FROM audit_events ORDER BY seq').all() as { seq: number; digest: string; record: Buffer }[];
  expect(rows).toHaveLength(5);
  let prev: string | null = null;
  const seen = [];
  for (const r of rows) {
    // The audit service's own verifier (as on ingest), with its clock at the signing time.
    const v = await verifyAuditEvent(r.record, trust, schemas, { now: clock.now() });
    expect(v.body.seq).toBe(r.seq);
    expect(v.body.prevDigest).toBe(prev);
    prev = r.digest;
    seen.push({ action: v.body.action, kid: v.kid, issuedAt: v.document.issuedAt, at: v.body.at });
  }
  expect(seen).toEqual([
    { action: 'key-rotated', kid: oldKey.kid, issuedAt: new Date(t0).toISOString(), at: new Date(t0).toISOString() },
    // Recorded before the switch (body.at), signed after it with the key current then (issuedAt).
    ...[0, 1, 2].map(() => ({ action: 'rejected', kid: newKey.kid, issuedAt: new Date(t0 + 120_000).toISOString(), at: new Date(t0).toISOString() })),
    { action: 'key-rotated', kid: newKey.kid, issuedAt: new Date(t0 + 120_000).toISOString(), at: new Date(t0 + 120_000).toISOString() },
  ]);
  db.close();
});

test('a heartbeat is recorded a full heartbeat interval after the last event, by the gateway clock', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mx-trail-heartbeat-'));
  await generateEndpointKeys('TH', dir, { validFrom: new Date(Date.now() - 3_600_000) });
  const ring = await loadSigningKeys(privateJwksPathOf(dir, 'TH'));
  const clock = new ManualClock();
  const db = openDatabase(join(dir, 'gw.sqlite'));
  const audit = new AuditEmitter(db, new Outbox(db), { endpoint: 'TH', topic: 'mx.audit', agency: 'TH test desk', officer: 'gatewayPseudonym0000000000000000', signer: (now) => ring.current(now), now: () => clock.now() });
  const actions = () => (db.prepare("SELECT json_extract(fact, '$.action') AS a FROM audit_events ORDER BY seq").all() as { a: string }[]).map((r) => r.a);
  await audit.flush();
  audit.startHeartbeat(1000);
  try {
    clock.advance(900);
    db.transaction(() => audit.record({ action: 'rejected', outcome: 'rejected', reasonCode: 'FORBIDDEN' }))();
    await audit.flush();
    clock.advance(900);
    expect(actions()).toEqual(['key-rotated', 'rejected']);
    clock.advance(200);
    await eventually(() => (actions().length === 3 ? true : undefined), 5000, 'a heartbeat');
    expect(actions()).toEqual(['key-rotated', 'rejected', 'heartbeat']);
    // Due a full interval after the last event, not after the start (which was 1800 ms before).
    const at = db.prepare("SELECT at FROM audit_events WHERE json_extract(fact, '$.action') = 'heartbeat'").get() as { at: string };
    expect(at.at).toBe(clock.now().toISOString());
    await eventually(() => (audit.backlog().unsigned === 0 ? true : undefined), 5000, 'the heartbeat signed');
  } finally {
    audit.close();
    db.close();
  }
});

test('a failing signing pass is retried with backoff, not in a loop, and logged once per distinct problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mx-trail-retry-'));
  await generateEndpointKeys('TH', dir, { validFrom: new Date(Date.now() - 3_600_000) });
  const ring = await loadSigningKeys(privateJwksPathOf(dir, 'TH'));
  const lines: { level: number; msg: string; err?: string }[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
  let problem: string | undefined = 'the key ring is unavailable';
  let attempts = 0;
  const db = openDatabase(join(dir, 'gw.sqlite'));
  const audit = new AuditEmitter(db, new Outbox(db), {
    endpoint: 'TH',
    topic: 'mx.audit',
    agency: 'TH test desk',
    officer: 'gatewayPseudonym0000000000000000',
    logger,
    retryBackoffMs: { initial: 100, max: 400 },
    signer: (now) => {
      attempts += 1;
      if (problem !== undefined) throw new Error(problem);
      return ring.current(now);
    },
  });
  try {
    const started = Date.now();
    db.transaction(() => audit.record({ action: 'rejected', outcome: 'rejected', reasonCode: 'FORBIDDEN' }))();
    await audit.flush();
    // Commits keep asking for a flush while the emitter backs off: none of them is another attempt.
    for (let i = 0; i < 50; i++) void audit.flush();
    expect(attempts).toBe(1);
    await eventually(() => (attempts >= 3 ? true : undefined), 10_000, 'two retries');
    // Attempts at 0, 100 and 300 ms at the earliest (100 ms doubling).
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const errors = () => lines.filter((l) => l.level >= 50);
    expect(errors()).toHaveLength(1);
    expect(errors()[0]!.err).toMatch(/the key ring is unavailable/);

    problem = 'another problem';
    await eventually(() => (errors().length === 2 ? true : undefined), 10_000, 'the new problem logged');
    const before = attempts;
    await eventually(() => (attempts >= before + 2 ? true : undefined), 10_000, 'two more retries');
    expect(errors()).toHaveLength(2);

    problem = undefined;
    await eventually(() => (audit.backlog().unsigned === 0 ? true : undefined), 10_000, 'the backlog signed');
    expect(lines.some((l) => l.level === 30 && /signed again/.test(l.msg))).toBe(true);
  } finally {
    audit.close();
    db.close();
  }
});

test('a gateway that cannot sign its audit events answers /v1/ready 503 "audit trail stalled" and shows the backlog; once it can, they drain and it is ready', async () => {
  // The gateway's clock stands before its only key's validFrom: no key is active, nothing can be signed.
  const clock = new ManualClock(Date.now() - 2 * 3_600_000);
  const c = await startCluster(['LA'], { env: { MX_AUDIT_STALL_AFTER_SECONDS: '1' }, clocks: { LA: clock } });
  try {
    const token = await c.token('LA', ['liaison-officer']);
    await eventually(async () => ((await c.call('LA', 'GET', '/v1/ready')).status === 200 ? true : undefined), 30_000, 'LA ready');
    // A refused submission records a `rejected` audit event (an invalid body: nothing to sign but the event).
    const refused = await c.call('LA', 'POST', '/v1/notices', { token, body: { type: 'victim-repatriation-notice', to: ['LA'] } });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const status = (await c.call('LA', 'GET', '/v1/status')).body as { auditTrail: { unsigned: number; unpublished: number; oldestPendingAt?: string; stalled: boolean } };
    expect(status.auditTrail).toMatchObject({ unpublished: 0, stalled: false });
    expect(status.auditTrail.unsigned).toBeGreaterThanOrEqual(1);
    expect(status.auditTrail.oldestPendingAt).toBe(clock.now().toISOString());

    clock.advance(2000);
    const ready = await c.call('LA', 'GET', '/v1/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.code).toBe('UNAVAILABLE');
    expect(ready.body.detail).toMatch(/^audit trail stalled/);
    expect((await c.call('LA', 'GET', '/v1/status')).body.auditTrail.stalled).toBe(true);

    // The key becomes valid: the emitter's own retry signs the backlog and the relay publishes it.
    clock.set(Date.now());
    await eventually(async () => {
      const s = (await c.call('LA', 'GET', '/v1/status')).body.auditTrail;
      return s.unsigned === 0 && s.unpublished === 0 && !s.stalled ? s : undefined;
    }, 40_000, 'the audit backlog drained');
    await eventually(async () => ((await c.call('LA', 'GET', '/v1/ready')).status === 200 ? true : undefined), 30_000, 'LA ready again');
  } finally {
    await c.stop();
  }
}, 120_000);
