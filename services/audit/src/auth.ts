/**
 * Auditor authentication. The audit service serves auditors of every endpoint, while
 * {@link OfficerAuth} pins one endpoint claim per instance. So there is one OfficerAuth per
 * accepted endpoint (`MX_IDP_ENDPOINTS`), and the token's unverified `mx_endpoint` claim only picks
 * which of them verifies it: that one checks everything (signature, issuer, audience, algorithm,
 * expiry, endpoint, roles). A claim outside the list is refused before any verification.
 */
import { decodeJwt } from 'jose';
import { MxError } from '../../core/src/errors/mx-error.ts';
import { OfficerAuth, type Officer } from '../../core/src/idp/officer-auth.ts';

export interface AuditorAuthOptions {
  jwksFile: string;
  issuer: string;
  audience: string;
  endpoints: readonly string[];
  pseudonymKey: Buffer;
}

export class AuditorAuth {
  readonly #byEndpoint: ReadonlyMap<string, OfficerAuth>;

  constructor(o: AuditorAuthOptions) {
    this.#byEndpoint = new Map(
      o.endpoints.map((endpoint) => [endpoint, new OfficerAuth({ jwksFile: o.jwksFile, issuer: o.issuer, audience: o.audience, endpoint, pseudonymKey: o.pseudonymKey })]),
    );
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
    const auth = typeof claim === 'string' ? this.#byEndpoint.get(claim) : undefined;
    if (auth === undefined) {
      // Verify anyway with any instance, so a forged token is answered 401 rather than 403.
      const any = this.#byEndpoint.values().next().value;
      try {
        await any?.authenticate(header);
      } catch (err) {
        if (err instanceof MxError && err.code === 'UNAUTHENTICATED') throw err;
      }
      throw new MxError('FORBIDDEN', 'the token\'s endpoint is not accepted by this audit service');
    }
    const officer = await auth.authenticate(header);
    if (!officer.roles.has('auditor')) throw new MxError('FORBIDDEN', 'the auditor role is required');
    return officer;
  }
}
