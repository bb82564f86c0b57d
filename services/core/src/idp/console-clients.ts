/**
 * The names the consoles, the OpenID provider and the services share: each console's client id,
 * the resource it asks a token for, and the scope. OAuth resource indicators must be absolute
 * URIs (RFC 8707), while the services' audiences (`mx-gateway-<ENDPOINT>`, `mx-audit`) are plain
 * names, so the indicator is the audience under a URN and the provider puts the audience itself
 * into the token's `aud`: what {@link OfficerAuth} already checks.
 */

/** The scope a console asks for: the ID token (`openid`) and the service's API (`mx`). */
export const CONSOLE_SCOPE = 'openid mx';

/** The resource scope every service API accepts. */
export const API_SCOPE = 'mx';

export const AUDIT_CONSOLE_CLIENT_ID = 'mx-audit-console';

const URN_PREFIX = 'urn:mekong-exchange:';

/** The public client of a gateway's console. */
export function consoleClientId(endpoint: string): string {
  return `mx-console-${endpoint.toLowerCase()}`;
}

/** The resource indicator a console sends for a service whose tokens must carry `aud` = `audience`. */
export function resourceIndicator(audience: string): string {
  return `${URN_PREFIX}${audience}`;
}

/** The audience named by a resource indicator of {@link resourceIndicator}, or undefined. */
export function audienceOfResource(indicator: string): string | undefined {
  return indicator.startsWith(URN_PREFIX) ? indicator.slice(URN_PREFIX.length) : undefined;
}

/** Where a console is served, and so its OAuth redirect URI. */
export function consoleRedirectUri(origin: string): string {
  return `${origin}/console/`;
}
