/**
 * What a gateway trusts and signs with, read from files and re-read while it runs: the trust
 * directory (counterparts' public keys, revocations), the routing policy and this endpoint's own
 * private key file (signing and decryption rings). One {@link Reloadable} holds them, built and
 * checked together, so a key rotation that touches the private file and the trust directory is
 * taken as one change and a half-copied set is refused as a whole, the last good set kept.
 */
import type { Logger } from 'pino';
import { ConfigError } from '../../core/src/config/settings.ts';
import type { DecryptionKeyRing } from '../../core/src/envelope/decrypt.ts';
import { loadDecryptionKeys } from '../../core/src/trust/decryption-keys.ts';
import { allOf, files, Reloadable, trustDirectoryFiles, type ReloadStatus } from '../../core/src/trust/reloadable.ts';
import { loadSigningKeys, type SigningKeyRing } from '../../core/src/trust/signer.ts';
import { TrustRegistry } from '../../core/src/trust/trust-registry.ts';
import type { GatewayConfig } from './config.ts';
import { RoutingPolicy } from './policy.ts';

/** One consistent set: every reader takes all four from the same {@link LiveTrust.current}. */
export interface TrustSet {
  readonly trust: TrustRegistry;
  readonly keys: SigningKeyRing;
  /** This endpoint's private X25519 keys, current and retired: what was encrypted to it. */
  readonly decryptionKeys: DecryptionKeyRing;
  readonly policy: RoutingPolicy;
}

/** The gateway's view of its {@link Reloadable}: the set in use, read at each use (never copied). */
export interface LiveTrust {
  readonly current: TrustSet;
}

/** The trust part of `GET /v1/status`. */
export interface TrustStatus extends ReloadStatus {
  /** Endpoints with at least one signing key in the registry in use. */
  endpoints: string[];
}

type TrustFiles = Pick<GatewayConfig, 'endpoint' | 'trustDir' | 'privateKeys' | 'routingPolicy'>;

/** Reads and checks the whole set; throws (naming the file and setting) on anything wrong. */
export async function loadTrustSet(cfg: TrustFiles): Promise<TrustSet> {
  const trust = await TrustRegistry.fromDirectory(cfg.trustDir);
  const keys = await loadSigningKeys(cfg.privateKeys);
  if (keys.endpoint !== cfg.endpoint) throw new ConfigError([`MX_PRIVATE_KEYS_FILE ${cfg.privateKeys} holds keys of ${keys.endpoint}, not ${cfg.endpoint}`]);
  // The same file holds the X25519 keys beside the signing keys (mx keys init/rotate write both).
  const decryptionKeys = await loadDecryptionKeys(cfg.privateKeys);
  if (decryptionKeys.endpoint !== cfg.endpoint) throw new ConfigError([`MX_PRIVATE_KEYS_FILE ${cfg.privateKeys} holds encryption keys of ${decryptionKeys.endpoint}, not ${cfg.endpoint}`]);
  const policy = RoutingPolicy.fromFile(cfg.routingPolicy);
  return Object.freeze({ trust, keys, decryptionKeys, policy });
}

/** Opens the set (a failure is a start-up error) and re-reads it every `MX_TRUST_RELOAD_SECONDS` once started. */
export function openLiveTrust(cfg: TrustFiles & Pick<GatewayConfig, 'trustReloadSeconds'>, logger: Logger): Promise<Reloadable<TrustSet>> {
  return Reloadable.open(allOf(trustDirectoryFiles(cfg.trustDir), files(cfg.routingPolicy, cfg.privateKeys)), () => loadTrustSet(cfg), {
    intervalMs: cfg.trustReloadSeconds * 1000,
    logger,
    what: 'trust registry, routing policy and private keys',
  });
}

/** `GET /v1/status`'s `trust`. */
export function trustStatus(live: Reloadable<TrustSet>): TrustStatus {
  return { ...live.status(), endpoints: live.current.trust.endpoints() };
}
