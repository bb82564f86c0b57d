/**
 * What the gateway core's modules (sending, receiving, quarantine) share: the gateway's identity,
 * its store and commit path, the crypto and policy it applies, and its clock.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/src/clock/clock.ts';
import type { TopicNames } from '../../core/src/kafka/transport.ts';
import type { DecryptionKeyRing } from '../../core/src/envelope/decrypt.ts';
import type { SchemaRegistry } from '../../core/src/schemas/registry.ts';
import type { SigningKeyRing } from '../../core/src/trust/signer.ts';
import type { TrustRegistry } from '../../core/src/trust/trust-registry.ts';
import type { RoutingPolicy } from './policy.ts';
import type { GatewayStore } from './store.ts';
import type { UnitOfWork } from './unit-of-work.ts';

export interface ExchangeSettings {
  /** Lifetime of a submitted notice when the officer gives no `expiresAt`. */
  noticeLifetimeMs: number;
  /** Lifetime of receipts. */
  receiptLifetimeMs: number;
  clockSkewMs: number;
  maxAgeMs: number;
  maxLifetimeMs: number;
  maxRecordBytes: number;
  /** How long an `Idempotency-Key` is remembered. */
  idempotencyRetentionMs: number;
  /** Test hook: SIGKILL the process at this point, to prove crash safety. */
  crashAt?: 'after-store-commit' | undefined;
}

export interface GatewayContext {
  endpoint: string;
  agency: string;
  /** The gateway's own pseudonym, the `sender.officer` of what it sends by itself (receipts). */
  gatewayPseudonym: string;
  store: GatewayStore;
  uow: UnitOfWork;
  schemas: SchemaRegistry;
  trust: TrustRegistry;
  keys: SigningKeyRing;
  /** This endpoint's private X25519 keys, current and retired: what was encrypted to it. */
  decryptionKeys: DecryptionKeyRing;
  policy: RoutingPolicy;
  topics: TopicNames;
  logger: Logger;
  clock: Clock;
  settings: ExchangeSettings;
}
