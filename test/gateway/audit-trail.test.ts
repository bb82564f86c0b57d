/** The gateway's audit trail on a real SQLite store: chained, signed, and announcing each signing key. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditEmitter } from '../../services/core/src/audit/emitter.ts';
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
  const audit = new AuditEmitter(db, outbox, { endpoint: 'TH', topic: 'mx.audit', agency: 'TH test desk', officer: 'gatewayPseudonym0000000000000000', signer: () => signer });

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
