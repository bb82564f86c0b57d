/**
 * Settings as data: each has a name, an environment variable, a default and a one-line doc. A
 * service declares its table once; `loadSettings` validates every value at start-up and returns a
 * frozen object, and the README's configuration tables are printed from the same declarations.
 */
import { accessSync, constants } from 'node:fs';
import { isEndpoint } from '../ids/patterns.ts';

export interface Setting<T> {
  env: string;
  doc: string;
  /** No default means the setting is required. */
  default?: T;
  parse: (raw: string) => T;
  /** Secrets are never printed, not even their defaults. */
  secret?: boolean;
}

export type SettingsSpec = Record<string, Setting<unknown>>;
export type SettingsOf<S extends SettingsSpec> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export const parse = {
  string: (raw: string) => {
    if (raw.trim() === '') throw new Error('must not be empty');
    return raw;
  },
  int:
    (min: number, max: number) =>
    (raw: string): number => {
      if (!/^-?\d{1,15}$/.test(raw.trim())) throw new Error('must be an integer');
      const n = Number(raw);
      if (n < min || n > max) throw new Error(`must be between ${min} and ${max}`);
      return n;
    },
  oneOf:
    <T extends string>(values: readonly T[]) =>
    (raw: string): T => {
      if (!values.includes(raw as T)) throw new Error(`must be one of ${values.join(', ')}`);
      return raw as T;
    },
  list: (raw: string): string[] => raw.split(',').map((s) => s.trim()).filter(Boolean),
  endpoint: (raw: string): string => {
    if (!isEndpoint(raw)) throw new Error('must be an ISO 3166-1 alpha-2 code or INTERPOL');
    return raw;
  },
  bool: (raw: string): boolean => {
    if (!['true', 'false', '1', '0'].includes(raw)) throw new Error('must be true or false');
    return raw === 'true' || raw === '1';
  },
};

/** Reads every setting from `env`, collecting all problems before refusing to start. */
export function loadSettings<S extends SettingsSpec>(spec: S, env: Record<string, string | undefined> = process.env): SettingsOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, s] of Object.entries(spec)) {
    const raw = env[s.env];
    if (raw === undefined || raw === '') {
      if (s.default === undefined) problems.push(`${s.env} is required: ${s.doc}`);
      else out[key] = s.default;
      continue;
    }
    try {
      out[key] = s.parse(raw);
    } catch (e) {
      // The value itself is not echoed: it may be a secret.
      problems.push(`${s.env} ${(e as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as SettingsOf<S>;
}

/**
 * Refuses to start unless every named setting that is set names a file (or directory) this
 * process can read: one problem per path, naming the variable and the path (paths are not
 * secret, the files' contents are), so a missing secret file is not a stack trace from deep in
 * start-up.
 */
export function assertReadableFiles<S extends SettingsSpec>(spec: S, values: SettingsOf<S>, keys: readonly (keyof S & string)[]): void {
  const problems: string[] = [];
  for (const key of keys) {
    const path = values[key] as unknown;
    if (typeof path !== 'string' || path === '') continue;
    try {
      accessSync(path, constants.R_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push(`${spec[key]!.env} names ${path}, which ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * Ends a service that cannot start because of its configuration with one line on stderr (no
 * stack trace) and exit code 2; any other error is rethrown. `known` are the configuration-like
 * error types of the caller (routing policy, key files) whose message names what is wrong.
 */
export function exitOnConfigurationError(service: string, err: unknown, known: readonly (abstract new (...args: never[]) => Error)[] = []): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`${service}: cannot start: invalid configuration: ${err.problems.join('; ')}\n`);
    process.exit(2);
  }
  if (known.some((k) => err instanceof k)) {
    process.stderr.write(`${service}: cannot start: ${(err as Error).message.replaceAll('\n', ' ')}\n`);
    process.exit(2);
  }
  throw err;
}

/** A Markdown table of the settings, for the README. */
export function settingsTable(spec: SettingsSpec): string {
  const rows = Object.values(spec).map((s) => {
    const shown = Array.isArray(s.default) ? s.default.join(',') : String(s.default);
    const def = s.secret ? '(secret, required)' : s.default === undefined ? '(required)' : shown === '' ? '(empty)' : `\`${shown.replace(/^.*\/services\//, 'services/')}\``;
    return `| \`${s.env}\` | ${def} | ${s.doc} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
