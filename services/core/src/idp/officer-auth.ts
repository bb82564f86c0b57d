/**
 * Officer and auditor authentication (gateways and the audit service): a bearer JWT from the endpoint's identity provider, verified
 * against that provider's JWKS (kept and resolved by jose) with issuer, audience and algorithm pinned; the signature and claims
 * are checked with node:crypto by {@link verifyEd25519Jwt}, exactly as jose's `jwtVerify` would. The officer enters
 * messages and audit events only as a pseudonym (HMAC of the subject, stable per endpoint).
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { MxError } from '../errors/mx-error.ts';
import { ROLES, type Role } from './dev-idp.ts';
import { verifyEd25519Jwt } from './jwt-verify.ts';

/** Longest token subject accepted; identity providers' subjects are far shorter. */
const MAX_SUBJECT = 256;

export interface Officer {
  /** HMAC pseudonym of the token subject; the subject itself goes no further than this module. */
  pseudonym: string;
  endpoint: string;
  agency: string;
  roles: ReadonlySet<Role>;
  /** When the token expires (epoch ms): a long-lived response such as an event stream ends then. */
  expiresAt?: number;
}

/** Where the identity provider's public keys come from: a JWKS file, or its JWKS URL (fetched and cached, refetched for an unknown `kid`). */
export type IdpKeySource = { jwksFile: string; jwksUrl?: undefined } | { jwksUrl: string; jwksFile?: undefined };

/** The key set of {@link IdpKeySource}; share one between verifiers of the same provider, so its keys are fetched once. */
export function idpKeySet(src: IdpKeySource): JWTVerifyGetKey {
  if (src.jwksUrl !== undefined) return createRemoteJWKSet(new URL(src.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  return createLocalJWKSet(JSON.parse(readFileSync(src.jwksFile, 'utf8')) as JSONWebKeySet);
}

export type AuthOptions = (IdpKeySource | { keySet: JWTVerifyGetKey; jwksFile?: undefined; jwksUrl?: undefined }) & {
  issuer: string;
  audience: string;
  endpoint: string;
  pseudonymKey: Buffer;
  clockToleranceSec?: number;
};

export class OfficerAuth {
  private readonly jwks: JWTVerifyGetKey;

  constructor(private readonly opts: AuthOptions) {
    this.jwks = 'keySet' in opts ? opts.keySet : idpKeySet(opts);
  }

  pseudonymOf(subject: string): string {
    return createHmac('sha256', this.opts.pseudonymKey).update(`officer:${subject}`).digest('base64url').slice(0, 32);
  }

  /** Verifies an `Authorization` header value; throws UNAUTHENTICATED or FORBIDDEN. */
  async authenticate(header: string | undefined): Promise<Officer> {
    const m = header === undefined ? null : /^Bearer ([A-Za-z0-9_.-]{1,8192})$/.exec(header);
    if (!m) throw new MxError('UNAUTHENTICATED', 'a bearer token is required');
    let payload;
    try {
      payload = await verifyEd25519Jwt(m[1]!, this.jwks, {
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        clockToleranceSec: this.opts.clockToleranceSec ?? 30,
      });
    } catch {
      // The reason (and a key set's message) can name claims and values; the client only learns that the token failed.
      throw new MxError('UNAUTHENTICATED', 'the token is invalid or expired');
    }
    // Every claim used is type-checked: the verifier (like jose) only checks the registered ones it is asked about, and
    // a numeric `sub` 12345 would otherwise share the pseudonym of the string subject "12345".
    const { sub, mx_endpoint: endpoint, roles: rawRoles, agency } = payload;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT) throw new MxError('UNAUTHENTICATED', 'the token subject is not a valid string');
    if (typeof endpoint !== 'string') throw new MxError('UNAUTHENTICATED', 'the token carries no endpoint');
    if (!Array.isArray(rawRoles) || rawRoles.length > 16 || rawRoles.some((r) => typeof r !== 'string')) throw new MxError('UNAUTHENTICATED', 'the token roles are not a list of strings');
    if (typeof agency !== 'string' || agency.length === 0 || agency.length > 200) throw new MxError('UNAUTHENTICATED', 'the token carries no agency');
    if (endpoint !== this.opts.endpoint) throw new MxError('FORBIDDEN', `the token is for another endpoint than ${this.opts.endpoint}`);
    const roles = (rawRoles as string[]).filter((r): r is Role => (ROLES as readonly string[]).includes(r));
    if (roles.length === 0) throw new MxError('FORBIDDEN', 'the token carries no known role');
    return { pseudonym: this.pseudonymOf(sub), endpoint, agency, roles: new Set(roles), ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}) };
  }
}
