/**
 * `GET /metrics`, Prometheus text format, on the service's API port, to the bearer of the metrics
 * token only: the file `MX_METRICS_TOKEN_FILE` names holds it. Without that setting the route is
 * not served at all (404). The figures carry no personal data, but they tell how busy each
 * counterpart is, so they are not public.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { ConfigError } from '../config/settings.ts';
import { MxError } from '../errors/mx-error.ts';

/** The shortest metrics token accepted (characters, after trimming the file). */
export const MIN_METRICS_TOKEN_LENGTH = 32;

/** The metrics settings both services declare in their config tables. */
export const metricsSettings = {
  metricsTokenFile: {
    env: 'MX_METRICS_TOKEN_FILE',
    doc: `File holding the bearer token \`GET /metrics\` requires (at least ${MIN_METRICS_TOKEN_LENGTH} characters); empty: \`/metrics\` is not served`,
    default: '',
    parse: (raw: string) => raw,
  },
} as const;

/** The token in `file` (surrounding whitespace trimmed); refuses a short one. */
export function readMetricsToken(file: string): string {
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < MIN_METRICS_TOKEN_LENGTH) throw new ConfigError([`MX_METRICS_TOKEN_FILE ${file} must hold at least ${MIN_METRICS_TOKEN_LENGTH} characters`]);
  return token;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time comparison of an `Authorization` header with `Bearer <token>`. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer ([\x21-\x7e]+)$/.exec(header ?? '')?.[1] ?? '';
  // Digests of equal length: the comparison takes as long whatever was presented.
  return timingSafeEqual(digest(presented), digest(token)) && presented.length > 0;
}

export interface MetricsEndpoint {
  registry: Registry;
  /** The bearer token; undefined: the route is not served. */
  token: string | undefined;
}

/** Adds `GET /metrics` (call before the method-not-allowed and problem handlers). */
export function addMetricsRoute(app: Express, m: MetricsEndpoint): void {
  if (m.token === undefined) return;
  const token = m.token;
  app.get('/metrics', async (req, res, next) => {
    try {
      if (!bearerMatches(req.get('authorization'), token)) throw new MxError('UNAUTHENTICATED', 'GET /metrics needs the metrics bearer token');
      const text = await m.registry.metrics();
      res.set('cache-control', 'no-store').type(m.registry.contentType).send(text);
    } catch (err) {
      next(err);
    }
  });
}
