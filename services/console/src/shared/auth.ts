/**
 * Sign-in with OpenID Connect: authorization code with PKCE (S256) against the endpoint's identity
 * provider, through oauth4webapi. The access token lives in this module's memory only: never in
 * localStorage, sessionStorage, a cookie or a URL. Between the redirect out and the redirect back,
 * sessionStorage holds the PKCE verifier, state, nonce and the route to return to (single-use,
 * not tokens); the returned `code` is taken out of the address bar at once. A reload signs in
 * again: the provider's own session makes that one redirect.
 */
import * as oauth from 'oauth4webapi';
import { config } from './config.ts';
import { getLanguage } from './i18n.ts';

export interface Session {
  username: string;
  endpoint: string;
  roles: string[];
  /** When the access token expires (epoch ms); from then on {@link accessToken} throws. */
  expiresAt: number;
}

/** A sign-in that could not be completed; `code` is the OAuth error or a local reason (no personal data). */
export class SignInError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SignInError';
  }
}

interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  /** The hash route to come back to: ids and case references only, never child data. */
  hash: string;
}

const PENDING = 'mx.signin';
/** A token this close to expiry counts as expired, so no request leaves with one about to lapse. */
const EXPIRY_MARGIN_MS = 10_000;
let current: { session: Session; token: string } | undefined;
let discovered: Promise<oauth.AuthorizationServer> | undefined;
const listeners = new Set<() => void>();

function notify(): void {
  for (const l of listeners) l();
}

/** The redirect URI registered for this console at the provider: `<origin>/console/`. */
function redirectUri(): string {
  return new URL('./', location.href).href.replace(/[?#].*$/, '');
}

/** Loopback http is allowed for a development provider; anything else must be https. */
function requestOptions(issuer: URL): { [oauth.allowInsecureRequests]?: boolean } {
  const loopback = issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
  return loopback ? { [oauth.allowInsecureRequests]: true } : {};
}

async function server(): Promise<{ as: oauth.AuthorizationServer; client: oauth.Client; issuer: URL }> {
  const issuer = new URL(config().oidc.issuer);
  discovered ??= oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...requestOptions(issuer) }).then((res) => oauth.processDiscoveryResponse(issuer, res));
  // A failed discovery (provider down) is tried again on the next sign-in, not remembered.
  discovered.catch(() => (discovered = undefined));
  // The provider signs with Ed25519 only: an ID token with any other algorithm is refused.
  return { as: await discovered, client: { client_id: config().oidc.clientId, id_token_signed_response_alg: 'EdDSA' }, issuer };
}

/** Sends the browser to the provider's login page (the page is left). */
export async function signIn(): Promise<void> {
  const { as, client } = await server();
  if (!as.authorization_endpoint) throw new Error('the identity provider has no authorization endpoint');
  const pending: Pending = { verifier: oauth.generateRandomCodeVerifier(), state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), hash: location.hash };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', client.client_id);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', config().oidc.scope);
  url.searchParams.set('resource', config().oidc.resource);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(pending.verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', pending.state);
  url.searchParams.set('nonce', pending.nonce);
  url.searchParams.set('ui_locales', getLanguage());
  location.assign(url.href);
}

function takePending(): Pending | undefined {
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as Pending;
  } catch {
    return undefined;
  }
}

/**
 * On load: finishes a sign-in the provider redirected back from (`?code=&state=` or `?error=`)
 * and returns its session; null when the page is not such a return. Throws {@link SignInError}
 * when the provider refused or its answer does not verify.
 */
export async function completeSignIn(): Promise<Session | null> {
  const here = new URL(location.href);
  if (!here.searchParams.has('code') && !here.searchParams.has('error')) return null;
  const pending = takePending();
  // The code leaves the address bar (and the history) before anything else happens.
  history.replaceState(null, '', `${here.pathname}${pending?.hash ?? ''}`);
  if (!pending) throw new SignInError('no_pending_sign_in', 'no sign-in was started in this tab');
  const { as, client, issuer } = await server();
  try {
    const params = oauth.validateAuthResponse(as, client, here, pending.state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri(), pending.verifier, {
      additionalParameters: { resource: config().oidc.resource },
      ...requestOptions(issuer),
    });
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce, requireIdToken: true });
    // The ID token came straight from the provider; its signature is checked too, against the provider's JWKS (WebCrypto Ed25519).
    await oauth.validateApplicationLevelSignature(as, response, requestOptions(issuer));
    const claims = oauth.getValidatedIdTokenClaims(result)!;
    if (typeof claims.mx_endpoint !== 'string') throw new SignInError('invalid_id_token', 'the ID token names no endpoint');
    const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
    const session: Session = {
      username: typeof claims.preferred_username === 'string' ? claims.preferred_username : claims.sub,
      endpoint: claims.mx_endpoint,
      roles,
      expiresAt: Date.now() + (result.expires_in ?? 300) * 1000,
    };
    current = { session, token: result.access_token };
    notify();
    return session;
  } catch (err) {
    if (err instanceof SignInError) throw err;
    if (err instanceof oauth.AuthorizationResponseError || err instanceof oauth.ResponseBodyError) throw new SignInError(err.error, 'the identity provider refused the sign-in');
    throw new SignInError('sign_in_failed', 'the identity provider\'s answer could not be verified');
  }
}

/** The signed-in user; null when signed out or once the access token expired. */
export function session(): Session | null {
  if (current && current.session.expiresAt - EXPIRY_MARGIN_MS <= Date.now()) current = undefined;
  return current?.session ?? null;
}

/** The bearer token for this console's service; throws when signed out or expired. */
export function accessToken(): string {
  if (!session()) throw new SignInError('signed_out', 'signed out');
  return current!.token;
}

/** The API answered 401: the token expired or was refused; the shell shows sign-in again. */
export function onUnauthenticated(): void {
  current = undefined;
  notify();
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Forgets the token and ends the provider's session (RP-initiated logout: the provider asks to
 * confirm, then returns to the console). No `id_token_hint`: that would put a token in a URL.
 */
export async function signOut(): Promise<void> {
  current = undefined;
  sessionStorage.removeItem(PENDING);
  notify();
  try {
    const { as, client } = await server();
    if (as.end_session_endpoint) {
      const url = new URL(as.end_session_endpoint);
      url.searchParams.set('client_id', client.client_id);
      url.searchParams.set('post_logout_redirect_uri', redirectUri());
      url.searchParams.set('ui_locales', getLanguage());
      location.assign(url.href);
    }
  } catch {
    // The token is gone from memory already; the provider's session ends on its own expiry.
  }
}
