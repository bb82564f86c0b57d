/**
 * A local development identity provider for the demo and the tests: an Ed25519 key pair whose
 * public JWKS the gateways trust, and a function that mints officer tokens. Production gateways
 * point at their national identity provider's JWKS instead; nothing else changes.
 */
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROLES = ['liaison-officer', 'interpol-desk', 'auditor', 'analyst'] as const;
export type Role = (typeof ROLES)[number];

export const DEV_IDP_ISSUER = 'https://idp.mekong-exchange.example/dev';

export interface DevIdpPaths {
  privateJwks: string;
  publicJwks: string;
}

export function devIdpPaths(dir: string): DevIdpPaths {
  return { privateJwks: join(dir, 'private', 'dev-idp.jwks.json'), publicJwks: join(dir, 'idp', 'dev-idp.jwks.json') };
}

/** Creates the dev identity provider's keys under `dir` unless they exist; returns their paths. */
export async function initDevIdp(dir: string): Promise<DevIdpPaths> {
  const paths = devIdpPaths(dir);
  if (existsSync(paths.privateJwks)) return paths;
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const kid = `dev-idp-${Date.now().toString(36)}`;
  const priv = { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA', use: 'sig' };
  const pub = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  mkdirSync(join(dir, 'private'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'idp'), { recursive: true });
  writeFileSync(paths.privateJwks, JSON.stringify({ keys: [priv] }, null, 2), { mode: 0o600 });
  chmodSync(paths.privateJwks, 0o600);
  writeFileSync(paths.publicJwks, JSON.stringify({ keys: [pub] }, null, 2));
  return paths;
}

/**
 * The issuer `mx` puts on the tokens it mints for a deployment: while the demo runs its OpenID
 * provider (with this same key), the provider's issuer, written to `<dir>/idp/issuer`; otherwise
 * {@link DEV_IDP_ISSUER}. So the CLI's tokens and the consoles' tokens are accepted alike.
 */
export function devIdpIssuer(dir: string): string {
  const file = join(dir, 'idp', 'issuer');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || DEV_IDP_ISSUER : DEV_IDP_ISSUER;
}

/** Records (or, with undefined, forgets) the issuer of the provider serving this deployment's key. */
export function setDevIdpIssuer(dir: string, issuer: string | undefined): void {
  const file = join(dir, 'idp', 'issuer');
  if (issuer === undefined) rmSync(file, { force: true });
  else {
    mkdirSync(join(dir, 'idp'), { recursive: true });
    writeFileSync(file, `${issuer}
`);
  }
}

export interface TokenRequest {
  subject: string;
  endpoint: string;
  agency: string;
  roles: readonly Role[];
  audience: string;
  issuer?: string;
  ttlSeconds?: number;
}

/** Mints an officer token signed by the dev identity provider whose private JWKS is at `privateJwksFile`. */
export async function mintToken(privateJwksFile: string, req: TokenRequest): Promise<string> {
  const jwks = JSON.parse(readFileSync(privateJwksFile, 'utf8')) as { keys: (JWK & { kid: string })[] };
  const jwk = jwks.keys[jwks.keys.length - 1];
  if (!jwk) throw new Error(`${privateJwksFile}: no key`);
  const key = await importJWK(jwk, 'EdDSA');
  return new SignJWT({ mx_endpoint: req.endpoint, agency: req.agency, roles: [...req.roles] })
    .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid, typ: 'JWT' })
    .setIssuer(req.issuer ?? DEV_IDP_ISSUER)
    .setAudience(req.audience)
    .setSubject(req.subject)
    .setIssuedAt()
    .setExpirationTime(`${req.ttlSeconds ?? 3600}s`)
    .sign(key);
}

/** The audience a gateway expects by default: its own name. */
export function gatewayAudience(endpoint: string): string {
  return `mx-gateway-${endpoint}`;
}
