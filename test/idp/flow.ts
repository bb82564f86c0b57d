/**
 * A console's sign-in driven from Node with oauth4webapi, the library the console itself uses:
 * authorization request with PKCE, the provider's login form filled and posted like a browser
 * would (cookies kept by hand), the redirect followed to the console's redirect URI, the code
 * exchanged. For tests of the provider and of the services that trust it.
 */
import * as oauth from 'oauth4webapi';
import { CONSOLE_SCOPE } from '../../services/core/src/idp/console-clients.ts';

export interface ConsoleClient {
  clientId: string;
  /** Where the console is served: its redirect URI is `<origin>/console/`. */
  origin: string;
  resource: string;
}

export interface FlowResult {
  accessToken: string;
  idToken: string;
  claims: oauth.IDToken;
  expiresIn: number | undefined;
}

/** A tiny cookie jar: enough for the provider's own cookies on one origin. */
class Jar {
  readonly #cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export class LoginRefused extends Error {
  constructor(
    readonly status: number,
    readonly html: string,
  ) {
    super(`the login form was answered ${status}`);
  }
}

export interface FlowOptions {
  username: string;
  password: string;
  uiLocales?: string;
  acceptLanguage?: string;
  /** Called with the login page before the form is posted (to check its language, say). */
  onLoginPage?: (html: string, res: Response) => void;
}

/** Signs `username` in at the provider `issuer` for `client`; throws {@link LoginRefused} if the form is answered with an error. */
export async function signInFromNode(issuer: string, client: ConsoleClient, o: FlowOptions): Promise<FlowResult> {
  const insecure = { [oauth.allowInsecureRequests]: true };
  const as = await oauth.processDiscoveryResponse(new URL(issuer), await oauth.discoveryRequest(new URL(issuer), insecure));
  const c: oauth.Client = { client_id: client.clientId, id_token_signed_response_alg: 'EdDSA' };
  const redirectUri = `${client.origin}/console/`;
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const auth = new URL(as.authorization_endpoint!);
  auth.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: CONSOLE_SCOPE,
    resource: client.resource,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...(o.uiLocales ? { ui_locales: o.uiLocales } : {}),
  }).toString();

  const jar = new Jar();
  const headers = (): Record<string, string> => ({ cookie: jar.header(), ...(o.acceptLanguage ? { 'accept-language': o.acceptLanguage } : {}) });
  // Follows redirects on the provider's origin; stops at the console's redirect URI.
  const follow = async (start: Response, from: URL): Promise<{ res: Response; url: URL }> => {
    let res = start;
    let url = from;
    for (let i = 0; i < 10 && res.status >= 300 && res.status < 400; i++) {
      url = new URL(res.headers.get('location')!, url);
      if (url.href.startsWith(redirectUri)) return { res, url };
      res = await fetch(url, { redirect: 'manual', headers: headers() });
      jar.take(res);
    }
    return { res, url };
  };

  const first = await fetch(auth, { redirect: 'manual', headers: headers() });
  jar.take(first);
  let { res, url } = await follow(first, auth);
  if (!url.href.startsWith(redirectUri)) {
    const html = await res.text();
    if (res.status !== 200) throw new LoginRefused(res.status, html);
    o.onLoginPage?.(html, res);
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error('no login form on the provider\'s page');
    const post = await fetch(new URL(action.replaceAll('&amp;', '&'), url), {
      method: 'POST',
      redirect: 'manual',
      headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: o.username, password: o.password }).toString(),
    });
    jar.take(post);
    if (post.status < 300 || post.status >= 400) throw new LoginRefused(post.status, await post.text());
    ({ url } = await follow(post, url));
  }
  if (!url.href.startsWith(redirectUri)) throw new Error(`the flow ended at ${url.pathname}, not at the console`);
  const params = oauth.validateAuthResponse(as, c, url, state);
  const tokenRes = await oauth.authorizationCodeGrantRequest(as, c, oauth.None(), params, redirectUri, verifier, { ...insecure, additionalParameters: { resource: client.resource } });
  const tokens = await oauth.processAuthorizationCodeResponse(as, c, tokenRes, { expectedNonce: nonce, requireIdToken: true });
  await oauth.validateApplicationLevelSignature(as, tokenRes, insecure);
  return { accessToken: tokens.access_token, idToken: tokens.id_token!, claims: oauth.getValidatedIdTokenClaims(tokens)!, expiresIn: tokens.expires_in };
}
