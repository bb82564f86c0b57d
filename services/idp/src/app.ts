/**
 * The OpenID provider of an endpoint: oidc-provider 9 with the console clients, the users file
 * and its own login page. Authorization code with PKCE (S256) only, public clients, no refresh
 * tokens. The access token is an EdDSA-signed JWT for one resource (a gateway or the audit
 * service) with `aud`, `sub`, `mx_endpoint`, `agency` and `roles` as the services' OfficerAuth
 * verifies them; the ID token carries the same claims for the console to show who is signed in.
 * Built from its dependencies; it never listens.
 */
import express, { type Request, type Response } from 'express';
import type { JWK } from 'jose';
import Provider, { errors, type Account, type ClientInfo, type Configuration, type KoaContextWithOIDC, type ResourceServerInfo } from 'oidc-provider';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../core/src/clock/clock.ts';
import { gatewayAudience } from '../../core/src/idp/dev-idp.ts';
import { API_SCOPE, AUDIT_CONSOLE_CLIENT_ID, audienceOfResource, consoleClientId, consoleRedirectUri, resourceIndicator } from '../../core/src/idp/console-clients.ts';
import { memoryAdapter } from './memory-adapter.ts';
import { AUDIT_AUDIENCE } from '../../audit/src/config.ts';
import { LoginThrottle, type ThrottleOptions } from './login-throttle.ts';
import { chooseLanguage, LOGIN_CSS, loginPage, logoutPage, messagePage, type Language, type LoginForm } from './pages.ts';
import { hashPassword, verifyPassword, type User } from './users.ts';

/** A console the provider signs users in for: a gateway's (`endpoint`) or the audit service's. */
export interface ConsoleSpec {
  /** An endpoint (`TH`) for a gateway's console, or `audit`. */
  name: string;
  /** Where the console is served, e.g. `http://127.0.0.1:8081`; its redirect URI is `<origin>/console/`. */
  origin: string;
}

export interface IdpOptions {
  issuer: string;
  /** The private signing JWKS (Ed25519, `alg` EdDSA). */
  signingKeys: { keys: JWK[] };
  users: ReadonlyMap<string, User>;
  consoles: readonly ConsoleSpec[];
  /** Keys signing the provider's cookies; the first signs, all verify. */
  cookieKeys: string[];
  accessTokenTtlSeconds: number;
  sessionTtlSeconds: number;
  logger: Logger;
  clock?: Clock;
  throttle?: Partial<ThrottleOptions>;
}

interface RegisteredClient {
  clientId: string;
  origin: string;
  resource: string;
  audience: string;
  /** Which users may sign in here: a gateway's officers, or auditors of any endpoint. */
  admits(user: User): boolean;
}

function registeredClient(c: ConsoleSpec): RegisteredClient {
  const origin = new URL(c.origin).origin;
  if (c.name === 'audit') {
    return { clientId: AUDIT_CONSOLE_CLIENT_ID, origin, audience: AUDIT_AUDIENCE, resource: resourceIndicator(AUDIT_AUDIENCE), admits: (u) => u.roles.includes('auditor') };
  }
  const audience = gatewayAudience(c.name);
  return { clientId: consoleClientId(c.name), origin, audience, resource: resourceIndicator(audience), admits: (u) => u.endpoint === c.name };
}

export const DEFAULT_THROTTLE: ThrottleOptions = { freeFailures: 5, freeFailuresPerAddress: 20, baseDelayMs: 1000, maxDelayMs: 5 * 60_000, forgetAfterMs: 60 * 60_000 };

export interface Idp {
  app: express.Express;
  provider: Provider;
}

export async function createIdpApp(o: IdpOptions): Promise<Idp> {
  const clients = new Map(o.consoles.map((c) => registeredClient(c)).map((c) => [c.clientId, c]));
  const throttle = new LoginThrottle(o.clock ?? systemClock, { ...DEFAULT_THROTTLE, ...o.throttle });
  // Checked when the username is unknown, so a wrong username costs as long as a wrong password.
  const dummyHash = await hashPassword(`unused-${Math.random()}`);
  const log = o.logger;

  const clientOrigins = [...new Set([...clients.values()].map((c) => c.origin))];
  // form-action: Chromium applies it to the redirects after a form post too, so the consoles'
  // origins (where the login form's post ends up) are listed beside 'self'.
  const csp = `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self' ${clientOrigins.join(' ')}; frame-ancestors 'none'; base-uri 'none'`;

  const account = (accountId: string): Account | undefined => {
    const u = o.users.get(accountId);
    if (u === undefined) return undefined;
    return {
      accountId,
      claims: () => ({ sub: accountId, preferred_username: u.username, mx_endpoint: u.endpoint, agency: u.agency, roles: [...u.roles] }),
    };
  };

  const sessionLanguage = (ctx: KoaContextWithOIDC): Language => chooseLanguage(typeof ctx.oidc.params?.ui_locales === 'string' ? ctx.oidc.params.ui_locales : undefined, ctx.get('accept-language'));

  const configuration: Configuration = {
    adapter: memoryAdapter(),
    clients: [...clients.values()].map((c) => ({
      client_id: c.clientId,
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [consoleRedirectUri(c.origin)],
      post_logout_redirect_uris: [consoleRedirectUri(c.origin)],
      id_token_signed_response_alg: 'EdDSA',
    })),
    jwks: o.signingKeys,
    cookies: {
      keys: o.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    pkce: { required: () => true },
    responseTypes: ['code'],
    scopes: ['openid'],
    claims: { openid: ['sub', 'preferred_username', 'mx_endpoint', 'agency', 'roles'] },
    // The console cannot call userinfo (its access token is for a service, not the provider), so
    // the ID token carries the claims it shows.
    conformIdTokenClaims: false,
    discovery: { ui_locales_supported: ['en', 'lo', 'th', 'zh-Hans'] },
    ttl: {
      AccessToken: o.accessTokenTtlSeconds,
      IdToken: o.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: o.sessionTtlSeconds,
      Grant: o.sessionTtlSeconds,
    },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx: KoaContextWithOIDC) => (ctx.oidc.client ? clients.get(ctx.oidc.client.clientId)?.resource : undefined),
        // The token request need not repeat the resource: the one granted at authorization is used.
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, indicator: string, client: ClientInfo): ResourceServerInfo => {
          const c = clients.get(client.clientId);
          if (c === undefined || c.resource !== indicator || audienceOfResource(indicator) !== c.audience) throw new errors.InvalidTarget('this client may ask only for its own service');
          return { scope: API_SCOPE, audience: c.audience, accessTokenTTL: o.accessTokenTtlSeconds, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'EdDSA' } } };
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: KoaContextWithOIDC, form: string) => {
          const action = /action="([^"]+)"/.exec(form)?.[1] ?? '';
          const xsrf = /name="xsrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
          ctx.type = 'html';
          ctx.body = logoutPage(sessionLanguage(ctx), action, xsrf);
        },
        postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => {
          ctx.type = 'html';
          ctx.body = messagePage(sessionLanguage(ctx), 'idp.logout.heading', 'idp.logout.done');
        },
      },
    },
    extraTokenClaims: (_ctx: KoaContextWithOIDC, token: { accountId?: string }) => {
      const u = token.accountId === undefined ? undefined : o.users.get(token.accountId);
      return u === undefined ? undefined : { mx_endpoint: u.endpoint, agency: u.agency, roles: [...u.roles] };
    },
    findAccount: (_ctx: KoaContextWithOIDC, sub: string) => account(sub),
    // The consoles are first-party: consent is granted without asking, but only to a user the
    // console admits (an officer of its endpoint, an auditor), so signing in at TH's console
    // never yields a token for LA's gateway.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const client = ctx.oidc.client === undefined ? undefined : clients.get(ctx.oidc.client.clientId);
      const accountId = ctx.oidc.session?.accountId;
      const user = accountId === undefined ? undefined : o.users.get(accountId);
      if (client === undefined || accountId === undefined || user === undefined || !client.admits(user)) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(client.clientId);
      if (grantId !== undefined) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing !== undefined) return existing;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId });
      grant.addOIDCScope('openid');
      grant.addResourceScope(client.resource, API_SCOPE);
      await grant.save();
      return grant;
    },
    clientBasedCORS: (_ctx: KoaContextWithOIDC, origin: string, client: ClientInfo) => clients.get(client.clientId)?.origin === origin,
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    renderError: (ctx: KoaContextWithOIDC, out: { error?: string }) => {
      ctx.type = 'html';
      ctx.body = messagePage(chooseLanguage(undefined, ctx.get('accept-language')), 'idp.heading', 'idp.error.generic');
      log.info({ error: out.error, route: ctx.oidc?.route }, 'sign-in error page shown');
    },
  };

  const provider = new Provider(o.issuer, configuration);
  // oidc-provider reports what it rejects as events; only the error code is logged (descriptions can echo request values).
  for (const ev of ['authorization.error', 'grant.error', 'end_session.error', 'server_error']) {
    provider.on(ev, (...args: unknown[]) => {
      const err = args.find((a): a is Error & { error?: string } => a instanceof Error);
      log.warn({ event: ev, error: err?.error ?? err?.name }, 'OpenID provider refused a request');
    });
  }

  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
    });
    next();
  });
  // Browsers ask for it on every page; an empty answer keeps their consoles free of 404s.
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).set('Cache-Control', 'public, max-age=86400').end();
  });
  app.get('/idp-assets/login.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(LOGIN_CSS);
  });

  const form = (res: Response, status: number, f: LoginForm): void => {
    res.status(status).type('html').set('Cache-Control', 'no-store').send(loginPage(f));
  };
  const uiLocales = (params: Record<string, unknown>): string | undefined => (typeof params.ui_locales === 'string' ? params.ui_locales : undefined);

  app.get('/interaction/:uid', async (req: Request, res: Response, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      const lang = chooseLanguage(uiLocales(details.params), req.get('accept-language'));
      // A consent prompt only arises for a signed-in user this console does not admit: offer to sign in as another.
      const refused = details.prompt.name === 'consent' && details.session?.accountId !== undefined;
      form(res, 200, { lang, action: `/interaction/${details.uid}/login`, ...(refused ? { error: 'idp.error.notForThisConsole' as const } : {}) });
    } catch (err) {
      next(err);
    }
  });

  app.post('/interaction/:uid/login', express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 }), async (req: Request, res: Response, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      const lang = chooseLanguage(uiLocales(details.params), req.get('accept-language'));
      const body = (req.body ?? {}) as Record<string, unknown>;
      const username = (typeof body.username === 'string' ? body.username : '').trim().toLowerCase().slice(0, 64);
      const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
      const address = req.socket.remoteAddress ?? 'unknown';
      const client = clients.get(String(details.params.client_id));
      const action = `/interaction/${details.uid}/login`;

      const wait = throttle.waitMs(username, address);
      if (wait > 0) {
        log.warn({ client: client?.clientId, outcome: 'throttled' }, 'sign-in refused: too many failures');
        res.set('Retry-After', String(Math.ceil(wait / 1000)));
        form(res, 429, { lang, action, username, error: 'idp.error.throttled' });
        return;
      }
      const user = o.users.get(username);
      const matches = await verifyPassword(password, user?.passwordHash ?? dummyHash);
      if (user === undefined || !matches) {
        throttle.failed(username, address);
        // Neither the username nor which part was wrong: the log is no oracle either.
        log.info({ client: client?.clientId, outcome: 'failed' }, 'sign-in failed');
        form(res, 401, { lang, action, username, error: 'idp.error.invalid' });
        return;
      }
      throttle.succeeded(username);
      if (client === undefined || !client.admits(user)) {
        log.info({ client: client?.clientId, outcome: 'not-admitted' }, 'sign-in refused: account not for this console');
        form(res, 403, { lang, action, error: 'idp.error.notForThisConsole' });
        return;
      }
      log.info({ client: client.clientId, outcome: 'ok' }, 'signed in');
      await provider.interactionFinished(req, res, { login: { accountId: user.username } }, { mergeWithLastSubmission: false });
    } catch (err) {
      next(err);
    }
  });

  // An expired or foreign interaction (no matching cookie): a page, not a stack trace.
  app.use('/interaction', (err: Error, req: Request, res: Response, _next: express.NextFunction) => {
    log.info({ error: err.name }, 'sign-in interaction not found or expired');
    res.status(400).type('html').send(messagePage(chooseLanguage(undefined, req.get('accept-language')), 'idp.heading', 'idp.error.generic'));
  });

  app.use(provider.callback());
  return { app, provider };
}
