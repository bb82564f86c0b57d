/**
 * What a commit promises: stores open in WAL mode with synchronous=FULL (a commit is on the disk
 * before it returns, so it survives a power cut), and a group of units of work commits as one
 * transaction that wakes the outbox relay once, after the commit, and never for work rolled back.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditEmitter } from '../../../services/core/src/audit/emitter.ts';
import { Outbox } from '../../../services/core/src/outbox/outbox.ts';
import { openDatabase, type Db } from '../../../services/core/src/store/sqlite.ts';
import { UnitOfWork } from '../../../services/gateway/src/unit-of-work.ts';

function store(): Db {
  return openDatabase(join(mkdtempSync(join(tmpdir(), 'mx-durability-')), 'gateway.sqlite'));
}

test('a store commits in WAL mode with synchronous=FULL', () => {
  const db = store();
  try {
    expect({ journal: db.pragma('journal_mode', { simple: true }), synchronous: db.pragma('synchronous', { simple: true }) }).toEqual({ journal: 'wal', synchronous: 2 });
  } finally {
    db.close();
  }
});

describe('UnitOfWork.commitAll', () => {
  function setUp() {
    const db = store();
    const outbox = new Outbox(db);
    const emitter = new AuditEmitter(db, outbox, { endpoint: 'LA', topic: 'mx.audit', agency: 'test', officer: 'gw', signer: () => { throw new Error('no signing in this test'); } });
    const uow = new UnitOfWork(db, outbox, emitter);
    const wakes: { inTransaction: boolean; pending: number }[] = [];
    outbox.events.on('wake', () => wakes.push({ inTransaction: db.inTransaction, pending: outbox.pendingCount() }));
    const row = (ref: string) => ({ topic: 'mx.inbox.TH', key: ref, value: Buffer.from(ref), kind: 'receipt', ref });
    return { db, outbox, uow, wakes, row };
  }

  test('several units commit together and wake the relay once, after the commit', () => {
    const { db, uow, wakes, row } = setUp();
    const seen: boolean[] = [];
    uow.commitAll([
      () => uow.commit((w) => w.send(row('a'))),
      () => uow.commit((w) => {
        seen.push(db.inTransaction);
        w.send(row('b'));
      }),
    ]);
    expect(seen).toEqual([true]);
    expect(wakes).toEqual([{ inTransaction: false, pending: 2 }]);
    db.close();
  });

  test('a unit that throws rolls the whole group back and nothing wakes the relay', () => {
    const { db, outbox, uow, wakes, row } = setUp();
    expect(() =>
      uow.commitAll([
        () => uow.commit((w) => w.send(row('a'))),
        () => uow.commit(() => {
          throw new Error('no longer admitted');
        }),
      ]),
    ).toThrow('no longer admitted');
    expect({ pending: outbox.pendingCount(), wakes }).toEqual({ pending: 0, wakes: [] });
    // The unit of work is usable again afterwards, on its own.
    uow.commit((w) => w.send(row('c')));
    expect(wakes).toEqual([{ inTransaction: false, pending: 1 }]);
    db.close();
  });
});
