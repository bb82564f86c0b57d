/** The OpenID provider program, configured by environment (see config.ts). */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ownerOnlyUmask } from '../../core/src/fs/owner-only.ts';
import { serve } from '../../core/src/process/serve.ts';
import { assertReadableFiles, exitOnConfigurationError } from '../../core/src/config/settings.ts';
import { createLogger } from '../../core/src/log/logger.ts';
import type { Idp } from './app.ts';
import { idpSettings, issuerOf, loadIdpConfig, type IdpConfig } from './config.ts';
import { loadSigningKeys, SigningKeysError } from './signing-keys.ts';
import { loadUsers, UsersFileError } from './users.ts';

ownerOnlyUmask();
let cfg: IdpConfig;
let idp: Idp;
const logger = createLogger({ service: 'idp' }, { level: process.env.MX_LOG_LEVEL ?? 'info' });
try {
  cfg = loadIdpConfig();
  assertReadableFiles(idpSettings, cfg, ['signingKeys', 'usersFile', 'cookieKeyFile']);
  const cookieKey = cfg.cookieKeyFile ? readFileSync(cfg.cookieKeyFile, 'utf8').trim() : randomBytes(32).toString('base64url');
  if (cookieKey.length < 16) throw new SigningKeysError(cfg.cookieKeyFile, 'holds fewer than 16 characters');
  const signingKeys = loadSigningKeys(cfg.signingKeys);
  const users = loadUsers(cfg.usersFile);
  // Loaded only now: oidc-provider prints a runtime notice on import, which would otherwise come
  // before (and blur) the one line a bad configuration gets.
  const { createIdpApp } = await import('./app.ts');
  idp = await createIdpApp({
    issuer: issuerOf(cfg),
    signingKeys,
    users,
    consoles: cfg.consoles,
    cookieKeys: [cookieKey],
    accessTokenTtlSeconds: cfg.accessTokenTtlSeconds,
    sessionTtlSeconds: cfg.sessionTtlSeconds,
    logger,
  });
} catch (err) {
  exitOnConfigurationError('identity provider', err, [SigningKeysError, UsersFileError]);
}
logger.info({ issuer: issuerOf(cfg) }, 'OpenID provider configured');
await serve({ app: idp.app, logger, start: async () => {}, stop: async () => {} }, { name: 'identity provider', host: cfg.host, port: cfg.port, stopping: 'no more sign-ins' });
