/**
 * What every HTTP API of the exchange shares: opaque cursors, page limits, health and readiness
 * routes, and the one error handler that turns anything thrown into problem+json.
 */
import { randomUUID } from 'node:crypto';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { MxError } from '../errors/mx-error.ts';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../errors/problem.ts';

function badQuery(name: string, code: string, message: string): MxError {
  return new MxError('VALIDATION_FAILED', `malformed ${name}`, { issues: [{ path: `/${name}`, code, message }] });
}

/** An opaque page cursor: base64url of a JSON value. */
export function encodeCursor(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor}; `undefined` when absent, VALIDATION_FAILED when not a cursor of this shape. */
export function decodeCursor<T>(raw: unknown, check: (v: unknown) => v is T): T | undefined {
  if (raw === undefined) return undefined;
  try {
    if (typeof raw !== 'string' || raw.length > 512) throw new Error();
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (check(v)) return v;
  } catch {
    /* fall through */
  }
  throw badQuery('cursor', 'format', 'must be a nextCursor from a previous page');
}

/** The `limit` query parameter: an integer from 1 to `max`, `fallback` when absent. */
export function queryLimit(raw: unknown, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= max)) throw badQuery('limit', 'maximum', `must be an integer from 1 to ${max}`);
  return n;
}

/** A readiness verdict: ready, or why not (one line naming the failing dependency; no personal data). */
export type Readiness = { ready: true } | { ready: false; reason: string };
/** What a service's readiness check answers; `false` is "not ready" without a reason. */
export type ReadinessCheck = () => Promise<boolean | Readiness>;

/**
 * `GET /v1/health` (the process answers) and `GET /v1/ready` (its dependencies answer), without a
 * token. Not ready is a 503 `UNAVAILABLE` problem whose detail is the check's reason.
 */
export function addHealthRoutes(app: Express, ready: ReadinessCheck): void {
  app.get('/v1/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/v1/ready', async (_req, res, next) => {
    try {
      const r = await ready();
      if (r === false) throw new MxError('UNAVAILABLE', 'the store or Kafka is not available');
      if (r !== true && !r.ready) throw new MxError('UNAVAILABLE', r.reason);
      res.json({ status: 'ready' });
    } catch (err) {
      next(err);
    }
  });
}

/**
 * The last middleware of an API: unknown routes become NOT_FOUND, and every error becomes
 * problem+json. Body-parser and router failures get their catalogue codes; an unexpected error
 * becomes INTERNAL with an `instance` id that is also in the log line. Nothing of the request, no
 * stack and no cause goes back. `translate` lets a service map its own error types first.
 */
export function addProblemHandler(app: Express, opts: { logger: Logger; bodyLimitBytes?: number; translate?: (err: unknown, instance: string) => MxError | undefined }): void {
  app.use((_req: Request, _res: Response, next: NextFunction) => next(new MxError('NOT_FOUND', 'no such route')));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const instance = `urn:uuid:${randomUUID()}`;
    let e = opts.translate?.(err, instance) ?? err;
    const t = (err as { type?: string }).type;
    if (t === 'entity.too.large') e = new MxError('PAYLOAD_TOO_LARGE', `the body exceeds ${opts.bodyLimitBytes ?? 'the limit of'} bytes`);
    else if (t === 'entity.parse.failed') e = new MxError('BAD_JSON', 'the body is not valid JSON');
    else if (t === 'encoding.unsupported' || t === 'charset.unsupported') e = new MxError('UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding');
    else if (typeof t === 'string' && (err as { status?: number }).status === 400) e = new MxError('BAD_JSON', 'the body could not be read');
    // The router could not percent-decode a path parameter (its message quotes the raw value: not logged, not sent).
    else if (err instanceof URIError) e = new MxError('VALIDATION_FAILED', 'a path parameter is not valid percent-encoding', { issues: [{ path: '', code: 'encoding', message: 'path parameters must be valid percent-encoded UTF-8' }] });
    if (!(e instanceof MxError)) opts.logger.error({ err: e, instance, method: req.method, route: req.route?.path }, 'unexpected error');
    else if (e.status >= 500) opts.logger.error({ code: e.code, instance }, e.message);
    const problem = toProblem(e, instance);
    if (problem.status === 401) res.set('www-authenticate', 'Bearer error="invalid_token"');
    res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  });
}
