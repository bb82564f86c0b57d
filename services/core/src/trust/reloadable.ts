/**
 * Configuration that takes effect without a restart: a set of files (the trust directory, the
 * routing policy, an endpoint's own private keys) read into a value, re-read when their bytes
 * change. Checked every `intervalMs`; a change is built and validated in full before it replaces
 * the value in use, so a bad or half-copied file is refused, logged once, and the last good value
 * kept. A change therefore takes effect within one interval (plus the time to build it).
 *
 * The version is a digest of every file's name and bytes: equal versions mean equal inputs, on
 * any machine, so an operator can compare a service's `/v1/status` with the files they copied.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { parse } from '../config/settings.ts';
import { JWKS_FILE_SUFFIX, REVOCATIONS_FILE } from './trust-registry.ts';

/** The bytes a {@link Reloadable} watches: name and content of each file (absent files included). */
export type FileSet = () => Promise<{ name: string; bytes: Buffer | undefined }[]>;

/** What a service reports about a reloadable value (`/v1/status`). */
export interface ReloadStatus {
  /** Digest of the inputs of the value in use (16 hex digits). */
  version: string;
  /** When the value in use was built. */
  loadedAt: string;
  /** When the files were last compared. */
  checkedAt: string;
  /** Why the newest files were refused (the value in use is the last good one); absent when none was. */
  problem?: string;
  /** Version of the refused files. */
  refusedVersion?: string;
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The named files. */
export function files(...paths: string[]): FileSet {
  return async () => Promise.all(paths.map(async (p) => ({ name: p, bytes: await readIfExists(p) })));
}

/** A trust directory's inputs: every `<ENDPOINT>.jwks.json` and `revocations.json`. */
export function trustDirectoryFiles(dir: string): FileSet {
  return async () => {
    const names = (await readdir(dir)).filter((n) => n.endsWith(JWKS_FILE_SUFFIX) || n === REVOCATIONS_FILE).sort();
    return Promise.all(names.map(async (n) => ({ name: join(dir, n), bytes: await readIfExists(join(dir, n)) })));
  };
}

/** Several file sets as one. */
export function allOf(...sets: FileSet[]): FileSet {
  return async () => (await Promise.all(sets.map((s) => s()))).flat();
}

function versionOf(entries: { name: string; bytes: Buffer | undefined }[]): string {
  const h = createHash('sha256');
  for (const e of entries) {
    // Only the base name: the same files copied to another path give the same version.
    h.update(basename(e.name)).update('\0');
    h.update(e.bytes === undefined ? '-' : createHash('sha256').update(e.bytes).digest('hex')).update('\n');
  }
  return h.digest('hex').slice(0, 16);
}

export interface ReloadableOptions {
  /** How often the files are compared (ms). */
  intervalMs: number;
  logger?: Logger;
  /** Names the value in log lines ("trust registry"). */
  what: string;
}

/** A value built from files and rebuilt when they change; see the module comment. */
export class Reloadable<T> {
  #value: T;
  #version: string;
  #loadedAt: Date;
  #checkedAt: Date;
  #refused: { version: string; problem: string } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<boolean> | undefined;
  readonly #listeners: ((value: T, version: string) => void | Promise<void>)[] = [];

  private constructor(
    private readonly inputs: FileSet,
    private readonly build: () => Promise<T>,
    private readonly o: ReloadableOptions,
    first: { value: T; version: string },
  ) {
    this.#value = first.value;
    this.#version = first.version;
    this.#loadedAt = new Date();
    this.#checkedAt = this.#loadedAt;
  }

  /** Builds the first value; a failure here is a start-up error (there is no last good value yet). */
  static async open<T>(inputs: FileSet, build: () => Promise<T>, o: ReloadableOptions): Promise<Reloadable<T>> {
    const version = versionOf(await inputs());
    return new Reloadable(inputs, build, o, { value: await build(), version });
  }

  /** The value in use. */
  get current(): T {
    return this.#value;
  }

  get version(): string {
    return this.#version;
  }

  status(): ReloadStatus {
    return {
      version: this.#version,
      loadedAt: this.#loadedAt.toISOString(),
      checkedAt: this.#checkedAt.toISOString(),
      ...(this.#refused ? { problem: this.#refused.problem, refusedVersion: this.#refused.version } : {}),
    };
  }

  /** Called after every change taken into use (errors are logged, never undo the change). */
  onChange(listener: (value: T, version: string) => void | Promise<void>): void {
    this.#listeners.push(listener);
  }

  /** Compares the files now; builds and takes the new value when they changed. True when it did. */
  check(): Promise<boolean> {
    this.#checking ??= this.#check().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #check(): Promise<boolean> {
    let version: string;
    try {
      version = versionOf(await this.inputs());
    } catch (err) {
      this.#refuse('?', `cannot read: ${(err as Error).message}`);
      return false;
    }
    this.#checkedAt = new Date();
    if (version === this.#version) {
      if (this.#refused) {
        this.o.logger?.info({ version }, `${this.o.what}: the files are back to the version in use`);
        this.#refused = undefined;
      }
      return false;
    }
    if (this.#refused?.version === version) return false; // refused before, logged then
    let value: T;
    try {
      value = await this.build();
      // The files may have changed again while they were read: take the value only if the
      // version read afterwards is the one it was built from, else look again next time.
      if (versionOf(await this.inputs()) !== version) return false;
    } catch (err) {
      this.#refuse(version, (err as Error).message);
      return false;
    }
    const previous = this.#version;
    this.#value = value;
    this.#version = version;
    this.#loadedAt = new Date();
    this.#refused = undefined;
    this.o.logger?.info({ version, previous }, `${this.o.what} reloaded`);
    for (const l of this.#listeners) {
      try {
        await l(value, version);
      } catch (err) {
        this.o.logger?.error({ err: (err as Error).message, version }, `${this.o.what}: a listener failed after the reload`);
      }
    }
    return true;
  }

  #refuse(version: string, problem: string): void {
    if (this.#refused?.version !== version) this.o.logger?.error({ version, problem }, `${this.o.what}: the changed files were refused; the last good version stays in use`);
    this.#refused = { version, problem };
  }

  /** Starts comparing every `intervalMs`. */
  start(): void {
    if (this.#timer) return;
    const tick = () => {
      void this.check().finally(() => {
        if (this.#timer) this.#timer = setTimeout(tick, this.o.intervalMs).unref();
      });
    };
    this.#timer = setTimeout(tick, this.o.intervalMs).unref();
  }

  /** Stops the timer and waits for a check in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#checking;
  }
}

/** The setting both services read: how often the trust files are compared. */
export const trustReloadSettings = {
  trustReloadSeconds: {
    env: 'MX_TRUST_RELOAD_SECONDS',
    doc: 'How often the trust directory (and at a gateway its routing policy and private keys) is re-read: a change takes effect within this many seconds, a bad file is refused and logged and the last good one kept',
    default: 5,
    parse: parse.int(1, 3600),
  },
} as const;
