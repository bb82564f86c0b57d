/**
 * Auditor authentication. The audit service serves auditors of every endpoint, while
 * {@link OfficerAuth} pins one endpoint claim per instance. So there is one OfficerAuth per
 * accepted endpoint, made when first needed, and the token's unverified `mx_endpoint` claim only
 * picks which of them verifies it: that one checks everything (signature, issuer, audience,
 * algorithm, expiry, endpoint, roles). A claim outside the accepted list is refused before any
 * verification.
 *
 * The accepted list is asked for on every request: by default it is the endpoints of the trust
 * registry in use, so an auditor of a counterpart that just joined is accepted after the next
 * trust reload, and one of a counterpart removed from the registry is refused after it.
 */
import { decodeJwt } from 'jose';
import { MxError } from '../../core/src/errors/mx-error.ts';
import type { JWTVerifyGetKey } from 'jose';
import { idpKeySet, OfficerAuth, type IdpKeySource, type Officer } from '../../core/src/idp/officer-auth.ts';

export interface AuditorAuthOptions {
  /** The identity provider's keys (a JWKS file or URL): one key set serves every endpoint's verifier. */
  keys: IdpKeySource;
  issuer: string;
  audience: string;
  /** The endpoint claims accepted now (`MX_IDP_ENDPOINTS`, or the live trust registry's endpoints). */
  endpoints: () => readonly string[];
  pseudonymKey: Buffer;
}

export class AuditorAuth {
  readonly #o: AuditorAuthOptions;
  readonly #byEndpoint = new Map<string, OfficerAuth>();
  readonly #keySet: JWTVerifyGetKey;

  constructor(o: AuditorAuthOptions) {
    this.#o = o;
    this.#keySet = idpKeySet(o.keys);
  }

  #authFor(endpoint: string): OfficerAuth {
    let auth = this.#byEndpoint.get(endpoint);
    if (auth === undefined) {
      const o = this.#o;
      auth = new OfficerAuth({ keySet: this.#keySet, issuer: o.issuer, audience: o.audience, endpoint, pseudonymKey: o.pseudonymKey });
      this.#byEndpoint.set(endpoint, auth);
    }
    return auth;
  }

  /** Verifies an `Authorization` header and requires the `auditor` role; throws UNAUTHENTICATED or FORBIDDEN. */
  async authenticate(header: string | undefined): Promise<Officer> {
    const m = header === undefined ? null : /^Bearer ([A-Za-z0-9_.-]{1,8192})$/.exec(header);
    if (!m) throw new MxError('UNAUTHENTICATED', 'a bearer token is required');
    let claim: unknown;
    try {
      claim = decodeJwt(m[1]!).mx_endpoint;
    } catch {
      throw new MxError('UNAUTHENTICATED', 'the token is invalid or expired');
    }
    const accepted = this.#o.endpoints();
    if (typeof claim !== 'string' || !accepted.includes(claim)) {
      // Verify anyway with any instance, so a forged token is answered 401 rather than 403.
      const any = accepted[0];
      try {
        if (any !== undefined) await this.#authFor(any).authenticate(header);
      } catch (err) {
        if (err instanceof MxError && err.code === 'UNAUTHENTICATED') throw err;
      }
      throw new MxError('FORBIDDEN', 'the token\'s endpoint is not accepted by this audit service');
    }
    const officer = await this.#authFor(claim).authenticate(header);
    if (!officer.roles.has('auditor')) throw new MxError('FORBIDDEN', 'the auditor role is required');
    return officer;
  }
}
