/**
 * The audit store's bookkeeping for re-examination and lag, on a real SQLite file: a store written
 * before these existed is upgraded in place, a re-admitted record is marked (not removed), and a
 * gateway's head only moves forward in append time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../core/src/store/sqlite.ts';
import type { AuditEvent } from './event.ts';
import { AuditStore } from './store.ts';

const file = (): string => join(mkdtempSync(join(tmpdir(), 'mx-audit-store-')), 'audit.sqlite');

function event(gateway: string, seq: number, prevDigest: string | null): AuditEvent {
  return { gateway, seq, prevDigest, action: 'published', at: '2026-01-01T00:00:00.000Z' } as AuditEvent;
}

test('a store from before re-examination gains its columns, and its gateway heads from the index', () => {
  const path = file();
  const old = openDatabase(path);
  // The tables as an earlier version made them.
  old.exec(`
    CREATE TABLE events (leaf_index INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, leaf_hash BLOB NOT NULL, gateway TEXT NOT NULL,
      seq INTEGER NOT NULL, prev_digest TEXT, action TEXT NOT NULL, message_id TEXT, message_type TEXT, at TEXT NOT NULL, at_ms INTEGER NOT NULL, logged_at INTEGER NOT NULL);
    CREATE TABLE quarantine (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" TEXT NOT NULL,
      digest TEXT NOT NULL, reason_code TEXT NOT NULL, gateway TEXT, at INTEGER NOT NULL, UNIQUE (topic, partition, "offset"));
    INSERT INTO events VALUES (0, 'e1', x'00', 'LA', 1, NULL, 'published', NULL, NULL, '2026-01-01T00:00:00.000Z', 0, 1000);
    INSERT INTO events VALUES (1, 'e2', x'00', 'LA', 2, 'e1', 'published', NULL, NULL, '2026-01-01T00:00:01.000Z', 0, 2000);
    INSERT INTO quarantine (topic, partition, "offset", digest, reason_code, gateway, at) VALUES ('mx.audit', 0, '7', 'd', 'UNKNOWN_KEY', NULL, 5);
  `);
  old.close();

  const store = new AuditStore(openDatabase(path));
  expect(store.gatewayHeads()).toEqual([{ gateway: 'LA', last_seq: 2, last_issued_at: null, last_appended_at: 2000 }]);
  // An old UNKNOWN_KEY row has no bytes to verify again: listed, never pending.
  expect(store.listQuarantine(0, 10)).toEqual([expect.objectContaining({ reason_code: 'UNKNOWN_KEY', readmitted_at: null, leaf_index: null })]);
  expect(store.pendingUnknownKey(0, 10)).toEqual([]);
  store.db.close();
});

test('a re-admitted record keeps its quarantine entry, marked with its leaf; a late event does not move the head back', () => {
  const store = new AuditStore(openDatabase(file()));
  const bytes = Buffer.from('{"signed":"event 2"}');
  const row = { topic: 'mx.audit', partition: 0, digest: 'd2', reason_code: 'UNKNOWN_KEY', gateway: null, at: 10 };
  store.quarantine({ ...row, offset: '1' }, { bytes, appendedAt: 5_000 });
  store.quarantine({ ...row, offset: '2', reason_code: 'SIGNATURE_INVALID' }, undefined);
  const [pending, ...rest] = store.pendingUnknownKey(0, 10);
  expect(rest).toEqual([]);
  expect(pending).toMatchObject({ bytes, appended_at: 5_000 });

  store.appendEvent(Buffer.from('{"signed":"event 3"}'), { eventId: 'e3', body: event('TH', 3, 'e2'), issuedAt: '2026-01-01T00:00:09.000Z', appendedAt: 9_000 });
  const outcome = store.readmit(pending!.id, bytes, { eventId: 'e2', body: event('TH', 2, null), issuedAt: '2026-01-01T00:00:04.000Z', appendedAt: 5_000 }, 20_000);
  expect(outcome).toMatchObject({ kind: 'appended', index: 1 });
  expect(store.pendingUnknownKey(0, 10)).toEqual([]);
  expect(store.readmittedCount()).toBe(1);
  expect(store.listQuarantine(0, 10).map((q) => [q.reason_code, q.gateway, q.readmitted_at, q.leaf_index])).toEqual([
    ['UNKNOWN_KEY', 'TH', 20_000, 1],
    ['SIGNATURE_INVALID', null, null, null],
  ]);
  // The head is the event appended last by the broker (seq 3), not the one re-admitted last.
  expect(store.gatewayHeads()).toEqual([{ gateway: 'TH', last_seq: 3, last_issued_at: '2026-01-01T00:00:09.000Z', last_appended_at: 9_000 }]);
  store.db.close();
});
