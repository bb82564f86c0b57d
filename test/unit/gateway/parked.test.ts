/**
 * The park in the gateway store (real SQLite file): bounded in number (the oldest leave first, their
 * dead letters stay), expired by first receive time, and a re-admission or a new reason recorded on
 * the dead letter, which stays as history. A store made before parking existed gains its columns.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../services/core/src/store/sqlite.ts';
import { GatewayStore } from '../../../services/gateway/src/store.ts';

function freshStore(): GatewayStore {
  return new GatewayStore(openDatabase(join(mkdtempSync(join(tmpdir(), 'mx-park-')), 'gateway.sqlite')));
}

function deadLetter(store: GatewayStore, offset: number, at: number): number {
  const id = store.insertDeadLetter({ topic: 'mx.inbox.LA', partition: 0, offset: String(offset), digest: `d${offset}`, reason_code: 'UNKNOWN_KEY', from_ep: null, message_id: null, at });
  if (id === undefined) throw new Error('not inserted');
  return id;
}

test('beyond the bound the oldest parked records leave the park; their dead letters stay', () => {
  const store = freshStore();
  const ids = [1, 2, 3].map((o) => deadLetter(store, o, 1000 + o));
  const limits = { records: 2, bytes: 1000 };
  expect(store.park(ids[0]!, 'UNKNOWN_KEY', Buffer.from('r1'), 1001, limits)).toBe(0);
  expect(store.park(ids[1]!, 'UNKNOWN_KEY', Buffer.from('r2'), 1002, limits)).toBe(0);
  expect(store.park(ids[2]!, 'UNKNOWN_KEY', Buffer.from('r3'), 1003, limits)).toBe(1);
  expect(store.listParked(0, 10).map((p) => p.record.toString())).toEqual(['r2', 'r3']);
  const listed = store.listDeadLetters(0, 10);
  expect(listed.map((d) => [d.offset, d.parked_as, d.parked])).toEqual([
    ['1', 'UNKNOWN_KEY', 0],
    ['2', 'UNKNOWN_KEY', 1],
    ['3', 'UNKNOWN_KEY', 1],
  ]);
  // The same offset again (a redelivery after a crash) makes no second dead letter.
  expect(store.insertDeadLetter({ topic: 'mx.inbox.LA', partition: 0, offset: '3', digest: 'd3', reason_code: 'UNKNOWN_KEY', from_ep: null, message_id: null, at: 5 })).toBeUndefined();
});

test('beyond the byte bound the oldest leave too', () => {
  const store = freshStore();
  const ids = [1, 2, 3].map((o) => deadLetter(store, o, o));
  const limits = { records: 100, bytes: 10 };
  expect(store.park(ids[0]!, 'UNKNOWN_KEY', Buffer.alloc(4), 1, limits)).toBe(0);
  expect(store.park(ids[1]!, 'UNKNOWN_KEY', Buffer.alloc(4), 2, limits)).toBe(0);
  expect(store.park(ids[2]!, 'UNKNOWN_KEY', Buffer.alloc(4), 3, limits)).toBe(1);
  expect(store.listParked(0, 10).map((p) => p.dead_letter_id)).toEqual([ids[1], ids[2]]);
});

test('expiry by first receive time; re-admission and a new reason are kept on the dead letter', () => {
  const store = freshStore();
  const [a, b, c] = [1, 2, 3].map((o) => deadLetter(store, o, o * 1000));
  store.park(a!, 'UNKNOWN_KEY', Buffer.from('a'), 1000, { records: 10, bytes: 1000 });
  store.park(b!, 'DECRYPT_FAILED', Buffer.from('b'), 2000, { records: 10, bytes: 1000 });
  store.park(c!, 'UNKNOWN_KEY', Buffer.from('c'), 3000, { records: 10, bytes: 1000 });
  expect(store.expireParked(1500)).toBe(1);
  expect(store.parkedCount()).toBe(2);

  store.markReadmitted(b!, 9000);
  store.requarantineDeadLetter(c!, { reason_code: 'KEY_REVOKED', from_ep: 'TH', message_id: null });
  expect(store.parkedCount()).toBe(0);
  const byOffset = new Map(store.listDeadLetters(0, 10).map((d) => [d.offset, d]));
  expect(byOffset.get('1')).toMatchObject({ reason_code: 'UNKNOWN_KEY', parked_as: 'UNKNOWN_KEY', parked: 0, readmitted_at: null });
  expect(byOffset.get('2')).toMatchObject({ parked_as: 'DECRYPT_FAILED', parked: 0, readmitted_at: 9000 });
  expect(byOffset.get('3')).toMatchObject({ reason_code: 'KEY_REVOKED', parked_as: 'UNKNOWN_KEY', parked: 0, from_ep: 'TH' });
});

test('a store made before parking existed gains the dead-letter columns', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'mx-park-old-')), 'gateway.sqlite');
  const db = openDatabase(file);
  db.exec(`CREATE TABLE dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, partition INTEGER NOT NULL, offset TEXT NOT NULL,
    digest TEXT NOT NULL, reason_code TEXT NOT NULL, from_ep TEXT, message_id TEXT, at INTEGER NOT NULL, UNIQUE (topic, partition, offset))`);
  db.prepare("INSERT INTO dead_letters (topic, partition, offset, digest, reason_code, at) VALUES ('t', 0, '7', 'd', 'SIGNATURE_INVALID', 1)").run();
  const store = new GatewayStore(db);
  expect(store.listDeadLetters(0, 10)).toEqual([expect.objectContaining({ offset: '7', reason_code: 'SIGNATURE_INVALID', parked_as: null, readmitted_at: null, parked: 0 })]);
});
