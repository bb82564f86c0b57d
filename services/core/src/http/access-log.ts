/**
 * One access-log line per HTTP request (`pino-http`): method, route pattern, path without its
 * query string, status, duration, request id and trace id. Never the query, a header other than
 * the request id, a body or a token: officers' tokens travel in the Authorization header and the
 * API takes no personal data in a URL.
 *
 * `X-Request-Id`: a client's value is kept when it is a sane token (1 to 128 of
 * `[A-Za-z0-9._:-]`), anything else is replaced by a new UUID; either way it is echoed on the
 * response and is the `requestId` of the access-log line and of the request's error lines
 * (`req.log`). A valid W3C `traceparent` is continued (a new span of its trace), else a new trace
 * starts; handlers run the request's work under it (see {@link requestTrace}).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { continueTrace, TRACEPARENT_HEADER, type TraceContext } from '../trace/trace-context.ts';

export const REQUEST_ID_HEADER = 'x-request-id';
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's request id when it is sane, else a new one. */
export function requestIdOf(raw: unknown): string {
  return typeof raw === 'string' && SANE_REQUEST_ID.test(raw) ? raw : randomUUID();
}

/** The trace an HTTP request runs under (set by {@link accessLog}). */
export function requestTrace(res: Response): TraceContext | undefined {
  return res.locals.trace as TraceContext | undefined;
}

function lineOf(req: IncomingMessage, res: ServerResponse, responseTime: number): Record<string, unknown> {
  const r = req as Request;
  const trace = (res as Response).locals?.trace as TraceContext | undefined;
  const path = (r.originalUrl ?? r.url ?? '').split('?')[0]!.slice(0, 200);
  return {
    method: req.method,
    ...(r.route?.path !== undefined && typeof r.route.path === 'string' ? { route: r.route.path } : {}),
    path,
    status: res.statusCode,
    ms: responseTime,
    ...(trace ? { traceId: trace.traceId, spanId: trace.spanId } : {}),
  };
}

export function accessLog(logger: Logger): RequestHandler {
  const http = pinoHttp({
    logger,
    customAttributeKeys: { reqId: 'requestId' },
    // The request logger binds the request id only: no headers, no URL with its query.
    quietReqLogger: true,
    quietResLogger: true,
    genReqId: (req, res) => {
      const id = requestIdOf(req.headers[REQUEST_ID_HEADER]);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customSuccessObject: (req, res, val: { responseTime: number }) => lineOf(req, res, val.responseTime),
    customErrorObject: (req, res, _err, val: { responseTime: number }) => lineOf(req, res, val.responseTime),
    customSuccessMessage: () => 'http',
    customErrorMessage: () => 'http',
    // Info whatever the status: a 503 while a service starts is no fault, and a 500 has its own error line (problem handler).
    customLogLevel: () => 'info',
  });
  return (req, res, next) => {
    res.locals.trace = continueTrace(req.headers[TRACEPARENT_HEADER]);
    http(req, res, next);
  };
}
