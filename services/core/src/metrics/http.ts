/**
 * HTTP request metrics: a counter and a duration histogram by route pattern (the express route,
 * e.g. `/v1/messages/:id`, never the raw path), method and status.
 */
import type { Request, RequestHandler } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** The `route` label: the matched route's pattern; `/console/*` for the static console; `unmatched` for anything else. */
export function routeLabel(req: Request): string {
  const pattern = req.route?.path;
  if (typeof pattern === 'string') return pattern;
  const path = (req.originalUrl ?? req.url).split('?')[0]!;
  return path === '/console' || path.startsWith('/console/') ? '/console/*' : 'unmatched';
}

export function httpMetrics(registry: Registry): RequestHandler {
  const labelNames = ['route', 'method', 'status'] as const;
  // A second app built on the same registry (tests do) shares the families.
  const existing = registry.getSingleMetric('mx_http_requests_total');
  if (existing !== undefined) return record(existing as Counter<'route' | 'method' | 'status'>, registry.getSingleMetric('mx_http_request_duration_seconds') as Histogram<'route' | 'method' | 'status'>);
  const requests = new Counter({ name: 'mx_http_requests_total', help: 'HTTP requests answered, by route pattern, method and status', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'mx_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to the end of its response, by route pattern, method and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return record(requests, duration);
}

function record(requests: Counter<'route' | 'method' | 'status'>, duration: Histogram<'route' | 'method' | 'status'>): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const labels = { route: routeLabel(req), method: METHODS.has(req.method) ? req.method : 'OTHER', status: String(res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}
