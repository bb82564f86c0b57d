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
  // WAL: readers (the HTTP API) never block the writer (consumer, relay); NORMAL is durable in WAL
  // mode against a process crash, which is the failure the outbox protects against.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
