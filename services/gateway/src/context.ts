/**
 * What the gateway core's modules (sending, receiving, quarantine) share: the gateway's identity,
 * its store and commit path, the crypto and policy it applies, and its clock.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/src/clock/clock.ts';
import type { EnvelopeTimer } from '../../core/src/envelope/timing.ts';
import type { TopicNames } from '../../core/src/kafka/transport.ts';
import type { SchemaRegistry } from '../../core/src/schemas/registry.ts';
import type { LiveTrust } from './live-trust.ts';
import type { GatewayStore } from './store.ts';
import type { GroupCommit } from './group-commit.ts';
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
  /** Most records, and most bytes, kept parked for re-examination; beyond either the oldest leave the park (staying dead-lettered). */
  maxParked: { records: number; bytes: number };
  /** An offender alert delivered at least this long before arrival is `timely`. */
  alertLeadMs: number;
  /** An offender alert still unanswered this long before arrival is escalated. */
  alertEscalateMs: number;
  /** Test hook: SIGKILL the process at this point, to prove crash safety. */
  crashAt?: 'after-store-commit' | undefined;
}

export interface GatewayContext {
  endpoint: string;
  agency: string;
  /** The gateway's own pseudonym, the `sender.officer` of what it sends by itself (receipts). */
  gatewayPseudonym: string;
  /** The secret received alerts' travel documents are hashed under to find possible duplicates (duplicates.ts). */
  documentMatchKey: Buffer;
  store: GatewayStore;
  uow: UnitOfWork;
  /** The commit path of officers' submissions: their store work, grouped (group-commit.ts). */
  submissions: GroupCommit;
  schemas: SchemaRegistry;
  /**
   * Trust registry, signing and decryption keys and routing policy, reloaded while the gateway
   * runs: read `live.current` at the moment of use, never keep what it returns, or a rotation or
   * revocation would not reach that reader.
   */
  live: LiveTrust;
  topics: TopicNames;
  logger: Logger;
  clock: Clock;
  settings: ExchangeSettings;
  /** What the gateway's metrics are told (metrics.ts); absent: nothing is counted. */
  metrics?: ExchangeMetrics;
}

/** The exchange's hooks into the gateway's metrics: labels from closed sets only. */
export interface ExchangeMetrics {
  /** Durations of sign, verify, encrypt and decrypt. */
  envelope: EnvelopeTimer;
  /** A record was quarantined with this reason code. */
  quarantined(reason: string): void;
  /** A group commit of submissions committed this many of them (group-commit.ts). */
  submissionGroup?(units: number): void;
}

/** The envelope option that reports durations to the metrics, when there are any. */
export function timerOf(ctx: Pick<GatewayContext, 'metrics'>): { timer?: EnvelopeTimer } {
  return ctx.metrics ? { timer: ctx.metrics.envelope } : {};
}
