/**
 * The settings naming where a service finds its identity provider's public keys: a JWKS file or
 * the provider's JWKS URL, exactly one. Shared by the gateway and the audit service.
 */
import { ConfigError } from '../config/settings.ts';
import type { IdpKeySource } from './officer-auth.ts';

const optionalPath = (raw: string): string => raw.trim();

const optionalHttpUrl = (raw: string): string => {
  if (raw.trim() === '') return '';
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new Error('must be an http(s) URL');
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username !== '' || u.password !== '') throw new Error('must be an http(s) URL without credentials');
  return u.href;
};

export const idpKeySettings = {
  idpJwks: { env: 'MX_IDP_JWKS_FILE', doc: 'Public JWKS file of the identity provider whose tokens are accepted (this or `MX_IDP_JWKS_URL`)', default: '', parse: optionalPath },
  idpJwksUrl: { env: 'MX_IDP_JWKS_URL', doc: 'The identity provider\'s JWKS URL (its discovery document\'s `jwks_uri`), fetched and cached, fetched again for an unknown key id (this or `MX_IDP_JWKS_FILE`)', default: '', parse: optionalHttpUrl },
} as const;

/** Refuses a configuration naming neither or both of the two sources. */
export function assertOneIdpKeySource(cfg: { idpJwks: string; idpJwksUrl: string }): void {
  if (cfg.idpJwks === '' && cfg.idpJwksUrl === '') throw new ConfigError(['one of MX_IDP_JWKS_FILE or MX_IDP_JWKS_URL is required: where the identity provider\'s public keys are']);
  if (cfg.idpJwks !== '' && cfg.idpJwksUrl !== '') throw new ConfigError(['MX_IDP_JWKS_FILE and MX_IDP_JWKS_URL are both set: set only one']);
}

export function idpKeySourceOf(cfg: { idpJwks: string; idpJwksUrl: string }): IdpKeySource {
  return cfg.idpJwksUrl !== '' ? { jwksUrl: cfg.idpJwksUrl } : { jwksFile: cfg.idpJwks };
}
