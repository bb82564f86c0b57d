/**
 * The web console's static files under `/console/` (built by `npm run build:console`), with the
 * security headers every console response carries, and `/console/config.json`: what the page needs
 * to sign in (the identity provider's issuer, its client id, the resource its token is for).
 * The console talks only to the same-origin API and to that provider.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { MxError } from '../errors/mx-error.ts';

export interface ConsoleConfig {
  service: 'gateway' | 'audit';
  endpoint: string;
  oidc: { issuer: string; clientId: string; resource: string; scope: string };
}

export interface ConsoleSettings {
  /** The built app: `services/console/dist/officer` or `.../auditor`. */
  dir: string;
  config: ConsoleConfig;
}

/** The origin of the identity provider, the one origin besides our own the page may talk to. */
function originOf(issuer: string): string | undefined {
  try {
    const u = new URL(issuer);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The Content-Security-Policy of every console response: no inline script or style, no third party. */
export function consoleCsp(issuer: string): string {
  const idp = originOf(issuer);
  const withIdp = (src: string): string => (idp ? `${src} ${idp}` : src);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    withIdp("connect-src 'self'"),
    withIdp("form-action 'self'"),
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "manifest-src 'self'",
  ].join('; ');
}

function securityHeaders(csp: string) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.set({
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
      'x-frame-options': 'DENY',
    });
    next();
  };
}

/** Serves the console at `/console/` on `app`; before the API's problem handler. */
export function mountConsole(app: Express, settings: ConsoleSettings): void {
  const headers = securityHeaders(consoleCsp(settings.config.oidc.issuer));
  // Express matches `/console/` here too (non-strict routing): only the bare path is redirected.
  app.get('/console', headers, (req, res, next) => (req.path === '/console' ? res.redirect(308, '/console/') : next()));
  app.get('/console/config.json', headers, (_req, res) => {
    res.set('cache-control', 'no-store').json(settings.config);
  });
  app.use('/console', headers, (req, _res, next) => {
    // Checked per request: a build finishing after start-up is served without a restart.
    if (!existsSync(join(settings.dir, 'index.html'))) return next(new MxError('UNAVAILABLE', 'the console is not built: run npm run build:console'));
    next();
  }, express.static(settings.dir, {
    index: 'index.html',
    redirect: false,
    dotfiles: 'deny',
    setHeaders: (res, path) => {
      // Hashed asset names never change content; the page itself must be fetched fresh.
      res.setHeader('cache-control', path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
  }));
}
