/**
 * Group commit of submissions: units queued in one turn of the event loop share one transaction,
 * each in its own savepoint. A unit that throws loses only its own writes and fails only its own
 * promise; a later unit sees the writes of the earlier ones; a promise resolves only once the
 * COMMIT returned (the rows are readable from another connection); a failed COMMIT fails every
 * unit of the group and keeps nothing; the relay is woken once per group, after the commit.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditEmitter } from '../../../services/core/src/audit/emitter.ts';
import { Outbox } from '../../../services/core/src/outbox/outbox.ts';
import { openDatabase } from '../../../services/core/src/store/sqlite.ts';
import { GroupCommit } from '../../../services/gateway/src/group-commit.ts';
import { UnitOfWork } from '../../../services/gateway/src/unit-of-work.ts';

function setUp(maxUnits?: number) {
  const file = join(mkdtempSync(join(tmpdir(), 'mx-group-commit-')), 'gateway.sqlite');
  const db = openDatabase(file);
  const outbox = new Outbox(db);
  const emitter = new AuditEmitter(db, outbox, { endpoint: 'LA', topic: 'mx.audit', agency: 'test', officer: 'gw', signer: () => { throw new Error('no signing in this test'); } });
  const uow = new UnitOfWork(db, outbox, emitter);
  const group = new GroupCommit(uow, maxUnits === undefined ? {} : { maxUnits });
  const wakes: { inTransaction: boolean; pending: number }[] = [];
  outbox.events.on('wake', () => wakes.push({ inTransaction: db.inTransaction, pending: outbox.pendingCount() }));
  const row = (ref: string) => ({ topic: 'mx.inbox.TH', key: ref, value: Buffer.from(ref), kind: 'notice', ref });
  /** The refs committed, as another connection reads them from the file. */
  const onDisk = () => {
    const other = new Database(file, { readonly: true });
    try {
      return (other.prepare('SELECT ref FROM outbox ORDER BY id').all() as { ref: string }[]).map((r) => r.ref);
    } finally {
      other.close();
    }
  };
  return { db, outbox, group, wakes, row, onDisk };
}

test('units queued together share one commit; each resolves after it, with its own result', async () => {
  const { db, group, wakes, row, onDisk } = setUp();
  const seenAtResolve: string[][] = [];
  const results = await Promise.all(
    ['a', 'b', 'c'].map((ref) =>
      group.commit((w) => {
        w.send(row(ref));
        return ref.toUpperCase();
      }).then((r) => {
        seenAtResolve.push(onDisk());
        return r;
      }),
    ),
  );
  expect(results).toEqual(['A', 'B', 'C']);
  for (const seen of seenAtResolve) expect(seen).toEqual(['a', 'b', 'c']);
  expect(group.state()).toEqual({ commits: 1, units: 3 });
  expect(wakes).toEqual([{ inTransaction: false, pending: 3 }]);
  db.close();
});

test('a unit that throws is rolled back to its savepoint and fails alone; later units see earlier writes', async () => {
  const { db, outbox, group, wakes, row, onDisk } = setUp();
  const a = group.commit((w) => w.send(row('a')));
  const bad = group.commit((w) => {
    w.send(row('bad'));
    throw new Error('refused in its savepoint');
  });
  const c = group.commit((w) => {
    w.send(row('c'));
    return outbox.pendingCount();
  });
  const settled = await Promise.allSettled([a, bad, c]);
  expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'refused in its savepoint' });
  // c ran after a (counted) and after bad was rolled back (not counted), and counted itself.
  expect((settled[2] as PromiseFulfilledResult<number>).value).toBe(2);
  expect(onDisk()).toEqual(['a', 'c']);
  expect(group.state()).toEqual({ commits: 1, units: 3 });
  expect(wakes).toEqual([{ inTransaction: false, pending: 2 }]);
  db.close();
});

test('a COMMIT that fails fails every unit of the group, keeps nothing and wakes nothing', async () => {
  const { db, group, wakes, row, onDisk } = setUp();
  // A deferred foreign key is checked at COMMIT, after every savepoint was released.
  db.pragma('foreign_keys = ON');
  db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)');
  const units = [
    group.commit((w) => w.send(row('a'))),
    group.commit((w) => {
      w.send(row('b'));
      db.prepare('INSERT INTO child (parent) VALUES (42)').run();
    }),
  ];
  const settled = await Promise.allSettled(units);
  expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  for (const s of settled) expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
  expect({ onDisk: onDisk(), wakes, inTransaction: db.inTransaction, state: group.state() }).toEqual({ onDisk: [], wakes: [], inTransaction: false, state: { commits: 0, units: 0 } });
  // The next group commits normally.
  await group.commit((w) => w.send(row('c')));
  expect(onDisk()).toEqual(['c']);
  db.close();
});

test('a group holds at most maxUnits; more units make more groups, none lost', async () => {
  const { db, group, row, onDisk } = setUp(3);
  const refs = Array.from({ length: 7 }, (_, i) => `r${i}`);
  await Promise.all(refs.map((ref) => group.commit((w) => w.send(row(ref)))));
  expect(onDisk()).toEqual(refs);
  expect(group.state()).toEqual({ commits: 3, units: 7 });
  db.close();
});

test('a lone unit is committed on the next turn, without waiting for company', async () => {
  const { db, group, row, onDisk } = setUp();
  await group.commit((w) => w.send(row('alone')));
  expect(onDisk()).toEqual(['alone']);
  expect(group.state()).toEqual({ commits: 1, units: 1 });
  db.close();
});
