/**
 * What `mx` exits with, one table (the README's is checked against it), and the errors that carry
 * each code to `main.ts`, which prints them on stderr and exits.
 */
import { MxError } from '../../../core/src/errors/mx-error.ts';

/** Every exit code of `mx`, with its meaning. */
export const EXIT_CODES = {
  ok: { code: 0, name: 'ok', doc: 'done; `mx audit verify`: every check passed' },
  failed: { code: 1, name: 'failed or refused', doc: 'verification failed (`mx audit verify` found a problem), the server refused the request (4xx: its problem `code` and field errors on stderr), or the command could not do its work (e.g. `mx keys init` where keys exist)' },
  usage: { code: 2, name: 'usage error', doc: 'usage error: unknown command or option, a missing or malformed option (the command\'s usage on stderr)' },
  unreachable: { code: 3, name: 'unreachable', doc: 'the gateway, audit service or Kafka cluster could not be reached (connection refused, name not found, TLS failure, timeout)' },
  serverError: { code: 4, name: 'server error', doc: 'the server failed (5xx): its problem `code` and `instance` on stderr, to look up in its log' },
} as const satisfies Record<string, { code: number; name: string; doc: string }>;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]['code'];

/**
 * A usage error: exit 2 with the usage of `command` (or the top-level usage) on stderr. A
 * `VALIDATION_FAILED` {@link MxError}, so callers that check for that code keep working.
 */
export class UsageError extends MxError {
  constructor(
    detail: string,
    /** The command whose usage to print (`send`, `audit verify`); undefined: the top-level usage. */
    readonly command?: string,
  ) {
    super('VALIDATION_FAILED', detail);
  }
}

/** The server could not be reached: exit 3. */
export class UnreachableError extends Error {
  constructor(
    readonly target: string,
    cause: unknown,
  ) {
    super(`cannot reach ${target}: ${describeNetworkError(cause)}`);
  }
}

/** A problem document (RFC 9457) as the services answer with, as far as the command reads it. */
export interface ProblemAnswer {
  status?: number;
  code?: string;
  detail?: string;
  instance?: string;
  errors?: { path?: string; code?: string; message?: string }[];
}

/** The server answered 4xx (exit 1) or 5xx (exit 4). */
export class HttpProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemAnswer,
  ) {
    super(`${status} ${problem.code ?? 'no problem code'}${problem.detail ? `: ${problem.detail}` : ''}`);
  }

  get exitCode(): ExitCode {
    return this.status >= 500 ? EXIT_CODES.serverError.code : EXIT_CODES.failed.code;
  }

  /** The lines `main.ts` prints on stderr: code and detail, the field errors, the instance id. */
  lines(): string[] {
    const out = [this.message];
    for (const e of this.problem.errors ?? []) out.push(`  ${e.path ?? ''}: ${e.message ?? ''}${e.code ? ` [${e.code}]` : ''}`);
    if (this.problem.instance) out.push(`  instance ${this.problem.instance}`);
    return out;
  }
}

/** The useful part of a fetch failure: undici wraps the socket error (ECONNREFUSED, ENOTFOUND) in `cause`. */
export function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  if (e?.cause?.code) return `${e.cause.code}${e.cause.message ? ` (${e.cause.message})` : ''}`;
  return e?.cause?.message ?? e?.message ?? String(err);
}

/** Exit code and stderr lines for anything a command threw. */
export function exitOf(err: unknown): { code: ExitCode; lines: string[]; usageOf?: string | null } {
  if (err instanceof UsageError) return { code: EXIT_CODES.usage.code, lines: [err.message], usageOf: err.command ?? null };
  if (err instanceof UnreachableError) return { code: EXIT_CODES.unreachable.code, lines: [err.message] };
  if (err instanceof HttpProblemError) return { code: err.exitCode, lines: err.lines() };
  // kafkajs (mx kafka provision): no broker answered.
  if (/^KafkaJS(Connection|NumberOfRetriesExceeded|BrokerNotFound)/.test((err as Error)?.name ?? '')) return { code: EXIT_CODES.unreachable.code, lines: [`cannot reach the Kafka cluster: ${(err as Error).message}`] };
  return { code: EXIT_CODES.failed.code, lines: [(err as Error)?.message ?? String(err)] };
}
