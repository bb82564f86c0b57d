/**
 * Sign-in with OpenID Connect: authorization code with PKCE (S256) against the endpoint's identity
 * provider, through oauth4webapi. The access token lives in this module's memory only: never in
 * localStorage, sessionStorage, a cookie or a URL. Between the redirect out and the redirect back,
 * sessionStorage holds the PKCE verifier, state and nonce (single-use, not tokens); the returned
 * `code` is taken out of the address bar at once. A reload signs in again: the provider's own
 * session makes that one redirect.
 */
import * as oauth from 'oauth4webapi';
import { config } from './config.ts';
import { getLanguage } from './i18n.ts';

export interface Session {
  username: string;
  endpoint: string;
  roles: string[];
  /** Epoch ms. */
  expiresAt: number;
}

const PENDING = 'mx.signin';
let current: { session: Session; token: string } | undefined;
const listeners = new Set<() => void>();

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
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...requestOptions(issuer) }));
  return { as, client: { client_id: config().oidc.clientId }, issuer };
}

export async function signIn(): Promise<void> {
  const { as, client } = await server();
  if (!as.authorization_endpoint) throw new Error('the identity provider has no authorization endpoint');
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, nonce, hash: location.hash }));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', client.client_id);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', config().oidc.scope);
  url.searchParams.set('resource', config().oidc.resource);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  url.searchParams.set('ui_locales', getLanguage());
  location.assign(url.href);
}

/** On load: finishes a sign-in the provider redirected back from; null when there is none. */
export async function completeSignIn(): Promise<Session | null> {
  const here = new URL(location.href);
  if (!here.searchParams.has('code') && !here.searchParams.has('error')) return null;
  const pendingRaw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  const pending = pendingRaw ? (JSON.parse(pendingRaw) as { verifier: string; state: string; nonce: string; hash: string }) : undefined;
  // The code leaves the address bar (and the history) before anything else happens.
  history.replaceState(null, '', `${here.pathname}${pending?.hash ?? ''}`);
  if (!pending) throw new Error('sign-in: no sign-in was started in this tab');
  const { as, client, issuer } = await server();
  const params = oauth.validateAuthResponse(as, client, here, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri(), pending.verifier, {
    additionalParameters: { resource: config().oidc.resource },
    ...requestOptions(issuer),
  });
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce, requireIdToken: true });
  const claims = oauth.getValidatedIdTokenClaims(result)!;
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  const session: Session = {
    username: typeof claims.preferred_username === 'string' ? claims.preferred_username : claims.sub,
    endpoint: typeof claims.mx_endpoint === 'string' ? claims.mx_endpoint : config().endpoint,
    roles,
    expiresAt: Date.now() + (result.expires_in ?? 600) * 1000,
  };
  current = { session, token: result.access_token };
  for (const l of listeners) l();
  return session;
}

export function session(): Session | null {
  if (current && current.session.expiresAt <= Date.now()) current = undefined;
  return current?.session ?? null;
}

export function accessToken(): string {
  if (!session()) throw new Error('signed out');
  return current!.token;
}

/** The API answered 401: the token expired or was refused; the shell shows sign-in again. */
export function onUnauthenticated(): void {
  current = undefined;
  for (const l of listeners) l();
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Forgets the token and ends the provider's session (RP-initiated logout where it offers it). */
export async function signOut(): Promise<void> {
  current = undefined;
  for (const l of listeners) l();
  try {
    const { as, client } = await server();
    if (as.end_session_endpoint) {
      const url = new URL(as.end_session_endpoint);
      url.searchParams.set('client_id', client.client_id);
      url.searchParams.set('post_logout_redirect_uri', redirectUri());
      location.assign(url.href);
    }
  } catch {
    // The token is gone from memory already; the provider's session ends on its own expiry.
  }
}
