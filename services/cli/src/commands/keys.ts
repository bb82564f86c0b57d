/**
 * `mx keys init` and `mx keys rotate`: generate an endpoint's Ed25519 signing key.
 *
 *   mx keys init   --endpoint TH --dir <dir> [--valid-from <date-time>] [--valid-until <date-time> | --valid-days <n>]
 *   mx keys rotate --endpoint TH --dir <dir> [same options]
 *
 * Writes `<dir>/private/TH.jwks.json` (mode 0600, directory 0700) and `<dir>/trust/TH.jwks.json`
 * (public; hand it to every counterpart), creating `<dir>/trust/revocations.json` if absent.
 * Prints what it wrote, never the private key. `<dir>` belongs outside the repository.
 */
import { parseArgs } from 'node:util';
import { MxError } from '../../../core/src/errors/mx-error.ts';
import { generateEndpointKeys, privateJwksPathOf, type GeneratedKey } from '../../../core/src/trust/keygen.ts';
import { readJsonIfExists } from '../../../core/src/trust/files.ts';

/** Parsed options of the key commands. */
export interface KeysOptions {
  endpoint: string;
  dir: string;
  validFrom?: Date;
  validUntil?: Date;
}

/** Where the commands print (stdout by default; tests capture it). */
export interface KeysIo {
  out(line: string): void;
}

const stdoutIo: KeysIo = { out: (line) => process.stdout.write(`${line}\n`) };

const DAY_MS = 24 * 60 * 60 * 1000;

function usage(command: string, problem: string): MxError {
  return new MxError(
    'VALIDATION_FAILED',
    `${problem}\nusage: mx keys ${command} --endpoint <ENDPOINT> --dir <dir> [--valid-from <date-time>] [--valid-until <date-time> | --valid-days <n>]`,
  );
}

function parseDate(text: string, flag: string, command: string): Date {
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw usage(command, `${flag} is not a date-time: ${text}`);
  return d;
}

/** Parses command-line arguments (after `mx keys <command>`) into {@link KeysOptions}. */
export function parseKeysArgs(args: readonly string[], command: 'init' | 'rotate'): KeysOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        endpoint: { type: 'string' },
        dir: { type: 'string' },
        'valid-from': { type: 'string' },
        'valid-until': { type: 'string' },
        'valid-days': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw usage(command, (err as Error).message);
  }
  if (values.endpoint === undefined) throw usage(command, '--endpoint is required');
  if (values.dir === undefined) throw usage(command, '--dir is required');
  const options: KeysOptions = { endpoint: values.endpoint, dir: values.dir };
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

/**
 * `mx keys init`: the endpoint's first key. Refuses when the endpoint already has keys (use
 * {@link keysRotate}). Accepts raw arguments or parsed options.
 */
export async function keysInit(args: readonly string[] | KeysOptions, io: KeysIo = stdoutIo): Promise<GeneratedKey> {
  const options = toOptions(args, 'init');
  if ((await existingKeyCount(options)) > 0) {
    throw new MxError('VALIDATION_FAILED', `${privateJwksPathOf(options.dir, options.endpoint)} already holds keys; use mx keys rotate`);
  }
  const key = await generateEndpointKeys(options.endpoint, options.dir, keyOptions(options));
  report('created', key, io);
  return key;
}

/**
 * `mx keys rotate`: adds a new signing and encryption key pair beside the existing ones. The
 * signer and every sender (encrypting to this endpoint) switch to them from their `validFrom`;
 * the old keys stay (and stay trusted) until they expire, so what they signed still verifies
 * and what was encrypted to them can still be read. Distribute the new public file before the new key's `validFrom`.
 */
export async function keysRotate(args: readonly string[] | KeysOptions, io: KeysIo = stdoutIo): Promise<GeneratedKey> {
  const options = toOptions(args, 'rotate');
  if ((await existingKeyCount(options)) === 0) {
    throw new MxError('VALIDATION_FAILED', `${privateJwksPathOf(options.dir, options.endpoint)} holds no keys; use mx keys init`);
  }
  const key = await generateEndpointKeys(options.endpoint, options.dir, keyOptions(options));
  report('added', key, io);
  return key;
}
