/** The OpenID provider's settings: one table, validated once at start-up (README "Console and sign-in" prints it). */
import { ConfigError, loadSettings, parse, type SettingsOf } from '../../core/src/config/settings.ts';
import { isEndpoint } from '../../core/src/ids/patterns.ts';
import type { ConsoleSpec } from './app.ts';

const httpUrl = (what: string) => (raw: string): URL => {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`must be an http(s) ${what}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`must be an http(s) ${what}`);
  if (u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '') throw new Error(`must be an http(s) ${what} without query, fragment or credentials`);
  return u;
};

const issuer = (raw: string): string => {
  if (raw === '') return '';
  return httpUrl('URL')(raw).href.replace(/\/$/, '');
};

/** `TH=http://127.0.0.1:8081,audit=http://127.0.0.1:8090`: each console's name (an endpoint or `audit`) and origin. */
const consoles = (raw: string): ConsoleSpec[] => {
  const out: ConsoleSpec[] = [];
  for (const item of parse.list(raw)) {
    const eq = item.indexOf('=');
    const name = item.slice(0, eq).trim();
    if (eq < 0 || !(name === 'audit' || isEndpoint(name))) throw new Error('must list <ENDPOINT or audit>=<origin>, comma-separated');
    const u = httpUrl('origin')(item.slice(eq + 1).trim());
    if (u.pathname !== '/') throw new Error('must give origins without a path (the console is at <origin>/console/)');
    if (out.some((c) => c.name === name)) throw new Error(`names ${name} twice`);
    out.push({ name, origin: u.origin });
  }
  if (out.length === 0) throw new Error('must name at least one console');
  return out;
};

export const idpSettings = {
  host: { env: 'MX_HTTP_HOST', doc: 'Address the provider listens on', default: '127.0.0.1', parse: parse.string },
  port: { env: 'MX_HTTP_PORT', doc: 'Port of the provider (0: any free port, then `MX_OIDC_ISSUER` is required)', default: 8070, parse: parse.int(0, 65535) },
  issuer: { env: 'MX_OIDC_ISSUER', doc: 'The provider\'s issuer URL, the `iss` of its tokens and what the services\' `MX_IDP_ISSUER` names (empty: `http://<MX_HTTP_HOST>:<MX_HTTP_PORT>`)', default: '', parse: issuer },
  signingKeys: { env: 'MX_OIDC_SIGNING_KEYS_FILE', doc: 'Private JWKS signing ID and access tokens (Ed25519, mode 0600; the deployment\'s identity provider key, so `mx` tokens carry the same issuer)', parse: parse.string, secret: true },
  usersFile: { env: 'MX_OIDC_USERS_FILE', doc: 'Users file: `{ "users": [{ username, passwordHash (scrypt), endpoint, agency, roles }] }` (mode 0600)', parse: parse.string },
  consoles: { env: 'MX_OIDC_CONSOLES', doc: 'The consoles signed in here, `<ENDPOINT or audit>=<origin>` comma-separated: client `mx-console-<endpoint>` or `mx-audit-console`, redirect `<origin>/console/`, the only origins allowed by CORS', parse: consoles },
  cookieKeyFile: { env: 'MX_OIDC_COOKIE_KEY_FILE', doc: 'File with the secret signing the provider\'s cookies (empty: a random one per start, which ends every sign-in session on restart)', default: '', parse: parse.string },
  accessTokenTtlSeconds: { env: 'MX_OIDC_ACCESS_TOKEN_TTL_SECONDS', doc: 'Lifetime of access and ID tokens; the console signs in again (one redirect while the session lasts) after it', default: 900, parse: parse.int(60, 86_400) },
  sessionTtlSeconds: { env: 'MX_OIDC_SESSION_TTL_SECONDS', doc: 'Lifetime of a sign-in session at the provider', default: 28_800, parse: parse.int(60, 7 * 86_400) },
  logLevel: { env: 'MX_LOG_LEVEL', doc: 'pino log level', default: 'info', parse: parse.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) },
} as const;

export type IdpConfig = SettingsOf<typeof idpSettings>;

/** The issuer URL: the configured one, or the address the provider listens on. */
export function issuerOf(cfg: IdpConfig): string {
  return cfg.issuer || `http://${cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host}:${cfg.port}`;
}

export function loadIdpConfig(env: Record<string, string | undefined> = process.env): IdpConfig {
  const cfg = loadSettings(idpSettings, env);
  if (cfg.port === 0 && cfg.issuer === '') throw new ConfigError(['MX_OIDC_ISSUER is required when MX_HTTP_PORT is 0 (the issuer must be known before the port is)']);
  return cfg;
}
