/** Reading and writing key files: JSON, atomic replacement, permission checks. */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { KeyFileError } from './key-format.ts';

/** Mode of a private key file. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of the directory holding private key files. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of public trust files. */
export const PUBLIC_FILE_MODE = 0o644;

/** Reads and parses a JSON file; undefined when it does not exist. */
export async function readJsonIfExists(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new KeyFileError(`${path}: not valid JSON`);
  }
}

/** Reads and parses a JSON file that must exist. */
export async function readJson(path: string): Promise<unknown> {
  const value = await readJsonIfExists(path);
  if (value === undefined) throw new KeyFileError(`${path}: no such file`);
  return value;
}

/**
 * Refuses a private key file that others than its owner may read or write (as ssh does), so a
 * key copied with a careless mode is noticed before it is used.
 */
export async function assertPrivateFileMode(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const st = await stat(path);
  if ((st.mode & 0o077) !== 0) {
    throw new KeyFileError(`${path}: private key file mode is ${(st.mode & 0o777).toString(8)}; it must be 600 (chmod 600 ${path})`);
  }
}

/** Creates `dir` (and parents) and sets its mode, tightening an existing directory too. */
export async function ensureDir(dir: string, mode: number): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
  await chmod(dir, mode);
}

/**
 * Writes `text` to `path` atomically with the given mode: the file is created under a temporary
 * name with that mode from the start (so the content is never readable by others, whatever the
 * umask), flushed, then renamed over the target.
 */
export async function writeFileAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.chmod(mode);
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
