/**
 * Files that hold a child's data (stores with full notices, logs, Kafka segments of the local
 * broker) are the owner's only: directories 0700, files 0600. Each program sets the process umask
 * to 077 at start, so whatever it or its children (the broker JVM) create is owner-only; the store
 * also sets modes explicitly, since a library may be embedded in a process with another umask.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';

/** The umask every program of the exchange runs under. */
export const OWNER_ONLY_UMASK = 0o077;

/** Makes files created from now on by this process (and children it starts) owner-only. */
export function ownerOnlyUmask(): void {
  process.umask(OWNER_ONLY_UMASK);
}

/** Creates `dir` (and missing parents) as 0700; an existing `dir` open to others is narrowed to 0700. */
export function ownerOnlyDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Creates `file` empty as 0600 when it does not exist; an existing one open to others is narrowed to 0600. */
export function ownerOnlyFile(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
}
