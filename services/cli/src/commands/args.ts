/**
 * Usage texts and strict argument parsing, both from the command table (table.ts).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { COMMANDS, commandSpec, type CommandSpec, type OptionSpec } from './table.ts';
import { EXIT_CODES, UsageError } from './exit-codes.ts';

const HELP: OptionSpec = { type: 'boolean', doc: 'print this help and exit' };
const JSON_OPTION = (what: string): OptionSpec => ({ type: 'boolean', doc: `print one JSON document on stdout: ${what}` });

/** The options a command accepts: its own, `--help`, and `--json` where it prints results. */
export function optionsOf(spec: CommandSpec): Record<string, OptionSpec> {
  return { ...spec.options, ...(spec.json !== undefined ? { json: JSON_OPTION(spec.json) } : {}), help: HELP };
}

function flag(name: string, o: OptionSpec): string {
  return o.type === 'boolean' ? `--${name}` : `--${name} ${o.value ?? 'VALUE'}`;
}

function synopsisOf(spec: CommandSpec): string[] {
  if (spec.synopsis) return spec.synopsis;
  const parts: string[] = [];
  for (const [name, o] of Object.entries(spec.options)) parts.push(o.required ? flag(name, o) : `[${flag(name, o)}]`);
  for (const p of spec.positionals ?? []) parts.push(p.required ? p.name : `[${p.name}]`);
  if (spec.json !== undefined) parts.push('[--json]');
  return [parts.join(' ')];
}

function columns(rows: [string, string][], indent = '  '): string[] {
  const width = Math.min(30, Math.max(...rows.map(([a]) => a.length)));
  return rows.map(([a, b]) => (a.length > width ? `${indent}${a}\n${indent}${' '.repeat(width)}  ${b}` : `${indent}${a.padEnd(width)}  ${b}`));
}

/** `mx <command> --help`. */
export function commandUsage(name: string): string {
  const spec = commandSpec(name);
  const lines = synopsisOf(spec).map((s, i) => `${i === 0 ? 'usage:' : '      '} mx ${spec.name} ${s}`);
  lines.push('', spec.summary, '');
  if (spec.positionals?.length) {
    lines.push('arguments:', ...columns(spec.positionals.map((p) => [p.name, p.doc])), '');
  }
  lines.push('options:', ...columns(Object.entries(optionsOf(spec)).map(([n, o]) => [flag(n, o), `${o.doc}${o.required ? ' (required)' : ''}`])));
  if (spec.env) lines.push('', 'environment:', ...columns(Object.entries(spec.env)));
  lines.push('', `exit codes: ${exitCodeSummary()}; see mx --help`);
  return lines.join('\n');
}

function exitCodeSummary(): string {
  return Object.values(EXIT_CODES).map((e) => `${e.code} ${e.name}`).join(', ');
}

/** `mx --help`: every command with its summary, and the exit codes. */
export function topUsage(): string {
  return [
    'usage: mx <command> [options]',
    '       mx <command> --help     that command\'s options',
    '',
    'commands:',
    ...columns(COMMANDS.map((c) => [c.name, c.summary])),
    '',
    'exit codes:',
    ...columns(Object.values(EXIT_CODES).map((e) => [String(e.code), `${e.name}: ${e.doc}`])),
  ].join('\n');
}

/** The usage of the commands whose name starts with `group` (`mx keys --help`). */
export function groupUsage(group: string): string | undefined {
  const members = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  if (members.length === 0) return undefined;
  return ['usage:', ...members.flatMap((c) => synopsisOf(c).map((s) => `  mx ${c.name} ${s}`)), '', ...columns(members.map((c) => [c.name, c.summary])), '', `mx ${group} <subcommand> --help for its options`].join('\n');
}

type Values = Record<string, string | boolean | undefined>;

/**
 * Parses `args` with the command's options from the table, strictly: an unknown option, a missing
 * value or a missing required option is a {@link UsageError} of that command (exit 2).
 */
export function parseCommand(name: string, args: readonly string[]): { values: Values; positionals: string[] } {
  const spec = commandSpec(name);
  const options = Object.fromEntries(Object.entries(optionsOf(spec)).map(([n, o]) => [n, { type: o.type }]));
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: (spec.positionals?.length ?? 0) > 0 });
  } catch (err) {
    throw new UsageError((err as Error).message, name);
  }
  const values = parsed.values as Values;
  if (values.help) return { values, positionals: parsed.positionals };
  for (const [n, o] of Object.entries(spec.options)) {
    if (o.required && (values[n] === undefined || values[n] === '')) throw new UsageError(`--${n} is required`, name);
  }
  const max = spec.positionals?.length ?? 0;
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument: ${parsed.positionals[max]}`, name);
  for (const [i, p] of (spec.positionals ?? []).entries()) {
    if (p.required && parsed.positionals[i] === undefined) throw new UsageError(`${p.name} is required`, name);
  }
  return { values, positionals: parsed.positionals };
}

/** A string option's value (parseArgs typed them all as string | boolean). */
export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** The bearer token: `--token`, else the file `--token-file`, else `MX_TOKEN`; undefined when none. */
export function tokenOf(values: Values, command: string, env: Record<string, string | undefined> = process.env): string | undefined {
  const given = str(values, 'token');
  const file = str(values, 'token-file');
  if (given !== undefined && file !== undefined) throw new UsageError('give --token or --token-file, not both', command);
  if (given !== undefined) return given;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`--token-file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, command);
    }
    const token = text.trim();
    if (token === '' || /\s/.test(token)) throw new UsageError(`--token-file ${file} does not hold one token`, command);
    return token;
  }
  return env.MX_TOKEN || undefined;
}
