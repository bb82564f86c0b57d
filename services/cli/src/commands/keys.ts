/**
 * `mx keys init` and `mx keys rotate`: generate an endpoint's keys.
 *
 *   mx keys init   --endpoint TH --dir <dir> [--valid-from <date-time>] [--valid-until <date-time> | --valid-days <n>]
 *   mx keys rotate --endpoint TH --dir <dir> [same options]
 *
 * Writes `<dir>/private/TH.jwks.json` (mode 0600, directory 0700) and `<dir>/trust/TH.jwks.json`
 * (public; hand it to every counterpart), creating `<dir>/trust/revocations.json` if absent; `init`
 * also writes the pseudonym key `<dir>/private/TH.pseudonym.key` and the metrics token
 * `<dir>/private/TH.metrics.token`, so the directory holds every file a new endpoint's gateway needs. Prints what it wrote, never a private key. `<dir>` belongs
 * outside the repository.
 */
import { MxError } from '../../../core/src/errors/mx-error.ts';
import { generateEndpointKeys, privateJwksPathOf, type GeneratedKey } from '../../../core/src/trust/keygen.ts';
import { readJsonIfExists } from '../../../core/src/trust/files.ts';
import { ensureMetricsToken, ensurePseudonymKey } from '../deployment/setup.ts';
import { parseCommand } from './args.ts';
import { UsageError } from './exit-codes.ts';

/** Parsed options of the key commands. */
export interface KeysOptions {
  endpoint: string;
  dir: string;
  validFrom?: Date;
  validUntil?: Date;
  /** Print one JSON document (what was written) instead of the report. */
  json?: boolean;
}

/** Where the commands print (stdout by default; tests capture it). */
export interface KeysIo {
  out(line: string): void;
}

const stdoutIo: KeysIo = { out: (line) => process.stdout.write(`${line}\n`) };

const DAY_MS = 24 * 60 * 60 * 1000;

function usage(command: string, problem: string): UsageError {
  return new UsageError(problem, `keys ${command}`);
}

function parseDate(text: string, flag: string, command: string): Date {
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw usage(command, `${flag} is not a date-time: ${text}`);
  return d;
}

/** Parses command-line arguments (after `mx keys <command>`) into {@link KeysOptions}. */
export function parseKeysArgs(args: readonly string[], command: 'init' | 'rotate'): KeysOptions {
  const { values: raw } = parseCommand(`keys ${command}`, args);
  const values = raw as Record<string, string | undefined>;
  if (values.endpoint === undefined) throw usage(command, '--endpoint is required');
  if (values.dir === undefined) throw usage(command, '--dir is required');
  const options: KeysOptions = { endpoint: values.endpoint, dir: values.dir, ...(raw.json === true ? { json: true } : {}) };
  if (values['valid-from'] !== undefined) options.validFrom = parseDate(values['valid-from'], '--valid-from', command);
  if (values['valid-until'] !== undefined && values['valid-days'] !== undefined) throw usage(command, 'give --valid-until or --valid-days, not both');
  if (values['valid-until'] !== undefined) options.validUntil = parseDate(values['valid-until'], '--valid-until', command);
  if (values['valid-days'] !== undefined) {
    const days = Number(values['valid-days']);
    if (!Number.isInteger(days) || days < 1) throw usage(command, '--valid-days must be a positive whole number');
    options.validUntil = new Date((options.validFrom ?? new Date()).getTime() + days * DAY_MS);
  }
  return options;
}

function report(verb: string, key: GeneratedKey, io: KeysIo): void {
  io.out(`${verb} signing key ${key.kid} and encryption key ${key.encKid} for ${key.endpoint}, valid ${key.validFrom.toISOString()} to ${key.validUntil.toISOString()}`);
  io.out(`  private keys: ${key.privateJwksPath} (mode 0600; never copy it into Kafka, logs or the repository)`);
  io.out(`  public keys:  ${key.publicJwksPath} (give it to every counterpart's trust registry)`);
  io.out(`  revocations:  ${key.revocationsPath}`);
  io.out(`  ${key.endpoint} now has ${key.keyCount} signing key${key.keyCount === 1 ? '' : 's'}, each with an encryption key`);
}

async function existingKeyCount(options: KeysOptions): Promise<number> {
  const file = await readJsonIfExists(privateJwksPathOf(options.dir, options.endpoint));
  if (file === undefined) return 0;
  const keys = (file as { keys?: unknown }).keys;
  return Array.isArray(keys) ? keys.length : 0;
}

function toOptions(args: readonly string[] | KeysOptions, command: 'init' | 'rotate'): KeysOptions {
  return Array.isArray(args) ? parseKeysArgs(args as readonly string[], command) : (args as KeysOptions);
}

function keyOptions(o: KeysOptions): { validFrom?: Date; validUntil?: Date } {
  return { ...(o.validFrom !== undefined ? { validFrom: o.validFrom } : {}), ...(o.validUntil !== undefined ? { validUntil: o.validUntil } : {}) };
}

/** What `mx keys init` wrote: the keys, and the endpoint's pseudonym key file. */
export interface InitializedEndpoint extends GeneratedKey {
  /** `<dir>/private/<ENDPOINT>.pseudonym.key` (32 random bytes, mode 0600): the gateway's `MX_PSEUDONYM_KEY_FILE`. */
  pseudonymKeyPath: string;
  /** False when the file was there already (it is never replaced: every officer pseudonym would change). */
  pseudonymKeyCreated: boolean;
  /** `<dir>/private/<ENDPOINT>.metrics.token` (mode 0600): the gateway's `MX_METRICS_TOKEN_FILE`, and what its scraper presents. */
  metricsTokenPath: string;
  /** False when the file was there already (it is kept, so a scraper configured once keeps working). */
  metricsTokenCreated: boolean;
}

/**
 * `mx keys init`: the endpoint's first key, and its pseudonym key. Refuses when the endpoint
 * already has keys (use {@link keysRotate}). Accepts raw arguments or parsed options.
 */
export async function keysInit(args: readonly string[] | KeysOptions, io: KeysIo = stdoutIo): Promise<InitializedEndpoint> {
  const options = toOptions(args, 'init');
  if ((await existingKeyCount(options)) > 0) {
    throw new MxError('VALIDATION_FAILED', `${privateJwksPathOf(options.dir, options.endpoint)} already holds keys; use mx keys rotate`);
  }
  const key = await generateEndpointKeys(options.endpoint, options.dir, keyOptions(options));
  const pseudonym = ensurePseudonymKey(options.dir, options.endpoint);
  const metrics = ensureMetricsToken(options.dir, options.endpoint);
  const result = { ...key, pseudonymKeyPath: pseudonym.path, pseudonymKeyCreated: pseudonym.created, metricsTokenPath: metrics.path, metricsTokenCreated: metrics.created };
  if (options.json) {
    io.out(JSON.stringify(result));
    return result;
  }
  report('created', key, io);
  io.out(`  pseudonym key: ${pseudonym.path} (mode 0600; the gateway's MX_PSEUDONYM_KEY_FILE${pseudonym.created ? '' : '; it existed already and was kept'})`);
  io.out(`  metrics token: ${metrics.path} (mode 0600; the gateway's MX_METRICS_TOKEN_FILE, and the bearer token of its Prometheus scraper${metrics.created ? '' : '; it existed already and was kept'})`);
  return result;
}

/**
 * `mx keys rotate`: adds a new signing and encryption key pair beside the existing ones. The
 * signer and every sender (encrypting to this endpoint) switch to them from their `validFrom`;
 * the old keys stay (and stay trusted) until they expire, so what they signed still verifies
 * and what was encrypted to them can still be read.
 *
 * Without `--valid-from` the new keys are valid at once (no lead time by default: an operator
 * rotating away from a suspect key wants it replaced now, and a record a counterpart receives
 * before it has the new public key is quarantined `UNKNOWN_KEY` and admitted once the key arrives).
 * With `--valid-from` set ahead by more than it takes to copy the public file everywhere plus
 * `MX_TRUST_RELOAD_SECONDS`, no record waits at all. The steps are printed.
 */
export async function keysRotate(args: readonly string[] | KeysOptions, io: KeysIo = stdoutIo): Promise<GeneratedKey> {
  const options = toOptions(args, 'rotate');
  if ((await existingKeyCount(options)) === 0) {
    throw new MxError('VALIDATION_FAILED', `${privateJwksPathOf(options.dir, options.endpoint)} holds no keys; use mx keys init`);
  }
  const key = await generateEndpointKeys(options.endpoint, options.dir, keyOptions(options));
  if (options.json) {
    io.out(JSON.stringify(key));
    return key;
  }
  report('added', key, io);
  const ahead = key.validFrom.getTime() - Date.now();
  io.out('next steps:');
  io.out(`  1. copy ${key.publicJwksPath} into the trust directory of every counterpart gateway and of the audit service (same file name)`);
  io.out('  2. the running services pick it up within MX_TRUST_RELOAD_SECONDS (default 5 s); nothing needs a restart');
  io.out(`  3. ${key.endpoint}'s gateway signs with ${key.kid} from ${key.validFrom.toISOString()}${ahead > 0 ? ` (in ${Math.ceil(ahead / 1000)} s)` : ' (now)'}; the old key stays valid for what it signed`);
  if (ahead <= 0) io.out('  the new key is valid already: a counterpart without the new public file quarantines records as UNKNOWN_KEY until it has it, then admits them; use --valid-from ahead of time to avoid that wait');
  return key;
}
