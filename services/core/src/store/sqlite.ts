/** Opens a service's SQLite file with the settings every store here relies on. */
import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { ownerOnlyDir, ownerOnlyFile } from '../fs/owner-only.ts';

export type Db = Database.Database;

/**
 * Opens (creating it if needed) a store. The directory is made 0700 and the file 0600 before
 * SQLite opens it; SQLite gives its `-wal` and `-shm` files the database file's permissions.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') {
    ownerOnlyDir(dirname(file));
    ownerOnlyFile(file);
  }
  const db = new Database(file);
  // WAL: readers (the HTTP API) never block the writer (consumer, relay). FULL: every commit waits
  // for the WAL to reach the disk (fsync), so what committed survives a power cut as well as a
  // process crash. NORMAL would survive a crash but could lose the last commits on power loss,
  // after a 202 was answered or a Kafka offset committed on the strength of them. The cost, one
  // fsync per commit, is why the busy paths commit in groups (receive batches, relay, emitter).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
