/**
 * Which store failures are an outage (the store is busy, locked, out of space, failing I/O or
 * closed) rather than a verdict on the record being written. A consumer retries the record in
 * place after an outage; anything else about a record is quarantined, so it never blocks a partition.
 */

/** SQLite result codes (and their extended forms, e.g. `SQLITE_IOERR_WRITE`) that say the store itself is unavailable. */
const OUTAGE_CODES = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_CANTOPEN', 'SQLITE_PROTOCOL', 'SQLITE_READONLY_DBMOVED'];

/**
 * The outage's short name (`SQLITE_BUSY`, `database closed`), or undefined when `err` is not a
 * store outage. Follows `cause` chains. Never returns the error's message, which may quote data.
 */
export function storeOutage(err: unknown): string | undefined {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && OUTAGE_CODES.some((c) => code === c || code.startsWith(`${c}_`))) return code;
    // better-sqlite3 throws a plain TypeError with this text once the connection is closed.
    if (e instanceof TypeError && e.message === 'The database connection is not open') return 'database closed';
  }
  return undefined;
}
