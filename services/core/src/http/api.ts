/**
 * What every HTTP API of the exchange shares: opaque cursors, page limits, health and readiness
 * routes, and the one error handler that turns anything thrown into problem+json.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ErrorCode } from '../errors/catalogue.ts';
import { MxError } from '../errors/mx-error.ts';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../errors/problem.ts';

/**
 * The code a malformed parameter is answered with: each API's document is the contract, and
 * gateway.yaml answers them 400 (INVALID_PARAMETER) while audit.yaml answers them 422 (VALIDATION_FAILED).
 */
export type ParameterErrorCode = 'INVALID_PARAMETER' | 'VALIDATION_FAILED';

/** A malformed path or query parameter, named by `/<name>` and never echoed. */
export function badParameter(name: string, code: string, message: string, errorCode: ParameterErrorCode = 'VALIDATION_FAILED'): MxError {
  return new MxError(errorCode, `malformed ${name}`, { issues: [{ path: `/${name}`, code, message }] });
}

/** An opaque page cursor: base64url of a JSON value. */
export function encodeCursor(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor}; `undefined` when absent, VALIDATION_FAILED when not a cursor of this shape. */
export function decodeCursor<T>(raw: unknown, check: (v: unknown) => v is T, errorCode: ParameterErrorCode = 'VALIDATION_FAILED'): T | undefined {
  if (raw === undefined) return undefined;
  try {
    // The documents' Cursor schema: 1 to 512 base64url characters. Anything else cannot be one of ours.
    if (typeof raw !== 'string' || !CURSOR.test(raw)) throw new Error();
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (check(v)) return v;
  } catch {
    /* fall through */
  }
  throw badParameter('cursor', 'format', 'must be a nextCursor from a previous page', errorCode);
}

const CURSOR = /^[A-Za-z0-9_-]{1,512}$/;

/** The `limit` query parameter: an integer from 1 to `max`, `fallback` when absent. */
export function queryLimit(raw: unknown, fallback: number, max: number, errorCode: ParameterErrorCode = 'VALIDATION_FAILED'): number {
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= max)) throw badParameter('limit', 'maximum', `must be an integer from 1 to ${max}`, errorCode);
  return n;
}

/**
 * Refuses a body whose declared `Content-Length` exceeds `limit` before a byte of it is read:
 * waiting for a body that is declared huge and never sent would hold the connection until Node's
 * request timeout. The problem handler closes the connection after the 413, so the unread body is never drained.
 */
export function refuseDeclaredOversize(limit: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && (!/^\d{1,15}$/.test(declared) || Number(declared) > limit)) {
      next(new MxError('PAYLOAD_TOO_LARGE', `the body exceeds ${limit} bytes`));
      return;
    }
    next();
  };
}

/**
 * Answers every method a known path does not route with 405 METHOD_NOT_ALLOWED and an `Allow`
 * header (TRACE included), instead of the 404 a path that does not exist gets. Call after the
 * last route and before {@link addProblemHandler}.
 */
export function addMethodNotAllowed(app: Express): void {
  const allowed = new Map<string, Set<string>>();
  const stack = (app as unknown as { router: { stack: { route?: { path: unknown; methods: Record<string, boolean> } }[] } }).router.stack;
  for (const layer of stack) {
    if (!layer.route || typeof layer.route.path !== 'string') continue;
    const methods = allowed.get(layer.route.path) ?? new Set<string>();
    for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') methods.add(m.toUpperCase());
    if (methods.has('GET')) methods.add('HEAD');
    allowed.set(layer.route.path, methods);
  }
  for (const [path, methods] of allowed) {
    const allow = [...methods].sort().join(', ');
    app.all(path, (_req: Request, res: Response, next: NextFunction) => {
      res.set('allow', allow);
      next(new MxError('METHOD_NOT_ALLOWED', `this path allows ${allow}`));
    });
  }
}

/**
 * Makes the errors Node's HTTP parser answers before express sees the request problem+json too:
 * headers over the size limit (an oversized token) get 431 HEADERS_TOO_LARGE with a body instead
 * of a bare status line. Other parse errors keep Node's bare 400 (408 for a timeout); a reset socket is just closed.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      const body = JSON.stringify(toProblem(new MxError('HEADERS_TOO_LARGE'), `urn:uuid:${randomUUID()}`));
      socket.end(`HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    // What Node itself would answer: 408 for a request that timed out while being read, else 400.
    socket.end(err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
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
export function addProblemHandler(
  app: Express,
  opts: {
    logger: Logger;
    bodyLimitBytes?: number;
    parameterErrorCode?: ParameterErrorCode;
    translate?: (err: unknown, instance: string) => MxError | undefined;
    /** Sees every refusal with its final code, after translation (the gateway audits officers' refused POSTs). */
    onProblem?: (req: Request, res: Response, problem: { status: number; code: ErrorCode }) => void;
  },
): void {
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
    else if (err instanceof URIError) e = new MxError(opts.parameterErrorCode ?? 'VALIDATION_FAILED', 'a path parameter is not valid percent-encoding', { issues: [{ path: '', code: 'encoding', message: 'path parameters must be valid percent-encoded UTF-8' }] });
    // The request's own logger (access-log.ts) binds its request id; an app without it logs plainly.
    const log = (req.log as Logger | undefined) ?? opts.logger;
    if (!(e instanceof MxError)) log.error({ err: e, instance, method: req.method, route: req.route?.path }, 'unexpected error');
    else if (e.status >= 500) log.error({ code: e.code, instance }, e.message);
    // A refusal before the body was read (401, 413, ...): close, rather than drain a body that may be
    // declared far larger than it is and hold the connection until a timeout.
    if (!req.readableEnded) res.set('connection', 'close');
    const problem = toProblem(e, instance);
    opts.onProblem?.(req, res, problem);
    if (problem.status === 401) res.set('www-authenticate', 'Bearer error="invalid_token"');
    res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  });
}
