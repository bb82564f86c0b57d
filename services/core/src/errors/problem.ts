import type { ValidationIssue } from '../schemas/registry.ts';
import { ERROR_CATALOGUE, problemTypeOf, type ErrorCode } from './catalogue.ts';
import { MxError } from './mx-error.ts';

/** One field-level error in a problem document. */
export interface ProblemFieldError {
  path: string;
  code: string;
  message: string;
}

/** An RFC 9457 `application/problem+json` document as the exchange produces it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  instance?: string;
  errors?: ProblemFieldError[];
}

/** The media type of {@link Problem} documents. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Errors thrown by HTTP body parsers (body-parser, as used by express.json()) carry a `type`
 * string; map the ones a client can act on, everything else stays INTERNAL.
 */
const BODY_PARSER_TYPES: Readonly<Record<string, ErrorCode>> = {
  'entity.parse.failed': 'BAD_JSON',
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
  'encoding.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'charset.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
};

/** Size limits of the problem schema (openapi/components/problem.yaml). */
const LIMITS = { detail: 1000, instance: 256, errors: 100, path: 512, code: 64, message: 300 } as const;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}\u2026`;
}

function codeOf(err: unknown): { code: ErrorCode; detail?: string; issues?: readonly ValidationIssue[] } {
  if (err instanceof MxError) {
    return {
      code: err.code,
      // The catalogue title already says it; repeat no detail that adds nothing.
      ...(err.message !== ERROR_CATALOGUE[err.code].title ? { detail: err.message } : {}),
      ...(err.issues !== undefined && err.issues.length > 0 ? { issues: err.issues } : {}),
    };
  }
  if (typeof err === 'object' && err !== null) {
    const type = (err as { type?: unknown }).type;
    if (typeof type === 'string' && Object.prototype.hasOwnProperty.call(BODY_PARSER_TYPES, type)) {
      return { code: BODY_PARSER_TYPES[type]! };
    }
  }
  return { code: 'INTERNAL' };
}

/**
 * Turns any thrown value into a problem+json document. An {@link MxError} keeps its code, detail
 * and field errors; anything else becomes `INTERNAL` (500) with no detail. The result never
 * carries a stack, a cause or any payload; `instance` (e.g. `urn:uuid:<request id>`) lets an
 * operator find the matching log line.
 */
export function toProblem(err: unknown, instance?: string): Problem {
  const { code, detail, issues } = codeOf(err);
  const spec = ERROR_CATALOGUE[code];
  const problem: Problem = { type: problemTypeOf(code), title: spec.title, status: spec.status, code };
  if (detail !== undefined) problem.detail = clip(detail, LIMITS.detail);
  if (instance !== undefined) problem.instance = clip(instance, LIMITS.instance);
  if (issues !== undefined) {
    problem.errors = issues.slice(0, LIMITS.errors).map((i) => ({
      path: clip(String(i.path), LIMITS.path),
      code: clip(String(i.code), LIMITS.code),
      message: clip(String(i.message), LIMITS.message),
    }));
  }
  return problem;
}
