/** Real SQLite database files in a fresh temporary directory, removed by `cleanup()`. */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDbs {
  readonly dir: string;
  /** Opens (creating if needed) `<dir>/<name>`; closed by `cleanup()`. */
  open(name: string): Database.Database;
  cleanup(): void;
}

export function tempDbs(label: string): TempDbs {
  const dir = mkdtempSync(join(tmpdir(), `mx-merkle-${label}-`));
  const opened: Database.Database[] = [];
  return {
    dir,
    open(name) {
      const db = new Database(join(dir, name));
      db.pragma('journal_mode = WAL');
      opened.push(db);
      return db;
    },
    cleanup() {
      for (const db of opened) if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
