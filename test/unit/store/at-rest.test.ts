/** Stores are owner-only at rest: directory 0700, database and its WAL/SHM files 0600, whatever the umask. */
import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../services/core/src/store/sqlite.ts';

const mode = (p: string) => statSync(p).mode & 0o777;

test('a new store under a permissive umask is 0700 / 0600, WAL and SHM included', () => {
  const previous = process.umask(0o000);
  try {
    const dir = join(mkdtempSync(join(tmpdir(), 'mx-at-rest-')), 'data', 'LA');
    const file = join(dir, 'gateway.sqlite');
    const db = openDatabase(file);
    db.exec('CREATE TABLE t (x TEXT); INSERT INTO t VALUES (\'a child\'\'s record\')');
    expect({ dir: mode(dir), file: mode(file), wal: mode(`${file}-wal`), shm: mode(`${file}-shm`) }).toEqual({ dir: 0o700, file: 0o600, wal: 0o600, shm: 0o600 });
    db.close();
  } finally {
    process.umask(previous);
  }
});

test('an existing store open to others is narrowed when opened', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mx-at-rest-'));
  const file = join(dir, 'audit.sqlite');
  writeFileSync(file, '');
  chmodSync(file, 0o644);
  chmodSync(dir, 0o755);
  openDatabase(file).close();
  expect({ dir: mode(dir), file: mode(file) }).toEqual({ dir: 0o700, file: 0o600 });
});
