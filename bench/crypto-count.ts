/**
 * How much crypto one notice's lifecycle costs (TH sends a victim notice to LA; LA stores it and
 * answers with a signed receipt; TH verifies and stores the receipt), read off the code:
 *
 * - services/gateway/src/sending.ts: `send` signs the notice; receiving.ts: `receive` verifies it
 *   at LA and signs the receipt; TH's `receive` verifies the receipt (`acceptReceipt`). The officer's bearer
 *   token is verified (EdDSA JWT) on the POST (app.ts -> OfficerAuth.authenticate).
 * - services/core/src/audit/emitter.ts signs every audit event: `submitted` (per recipient) and
 *   `published` (outbox relay ack) at TH, `delivered` at LA, `receipt-received` at TH. Publishing
 *   the receipt and the audit records themselves emits nothing.
 * - services/audit/src/ingest.ts verifies every audit event before it becomes a leaf; a checkpoint
 *   signature covers `MX_CHECKPOINT_EVERY_LEAVES` (default 100) leaves.
 *
 * A read receipt (GET /v1/inbox/{id} by an officer) would add one signature and one verification
 * and one audit event on each side; the bench does not read, so it is not counted. Nor is the
 * `key-rotated` event each gateway records once when it starts signing with a key.
 */

/** The audit events one notice's lifecycle causes (emitter.ts, recorded through the gateway's UnitOfWork). */
export const LIFECYCLE_AUDIT_ACTIONS = ['submitted', 'published', 'delivered', 'receipt-received'] as const;

export interface CryptoCount {
  /** Envelope signatures (signNotice): notice, receipt, audit events. */
  signatures: number;
  /** Envelope verifications (verifyNotice): notice at LA, receipt at TH, audit events at the audit service. */
  envelopeVerifications: number;
  /** Officer token verifications (jose jwtVerify, EdDSA). */
  tokenVerifications: number;
  /** Checkpoint signatures per notice (amortized). */
  checkpointSignatures: number;
  auditEvents: number;
  perProcess: Record<string, { signatures: number; verifications: number }>;
}

export function cryptoPerLifecycle(opts: { withAuditService: boolean; checkpointEveryLeaves?: number }): CryptoCount {
  const auditEvents = LIFECYCLE_AUDIT_ACTIONS.length;
  const perProcess: CryptoCount['perProcess'] = {
    // notice + audit submitted + audit published + audit receipt-received; token + receipt
    TH: { signatures: 4, verifications: 2 },
    // receipt + audit delivered; notice
    LA: { signatures: 2, verifications: 1 },
  };
  if (opts.withAuditService) perProcess.audit = { signatures: auditEvents / (opts.checkpointEveryLeaves ?? 100), verifications: auditEvents };
  return {
    signatures: 2 + auditEvents,
    envelopeVerifications: 2 + (opts.withAuditService ? auditEvents : 0),
    tokenVerifications: 1,
    checkpointSignatures: opts.withAuditService ? auditEvents / (opts.checkpointEveryLeaves ?? 100) : 0,
    auditEvents,
    perProcess,
  };
}

export interface CryptoLimit {
  /** Lifecycles per second if one core did nothing but this crypto with raw node:crypto Ed25519. */
  ed25519OneCore: number;
  /** The same with the project's functions (signNotice / verifyNotice incl. schema checks / jwtVerify). */
  projectOneCore: number;
  /** The busiest process alone (TH), project functions, one core. */
  senderProcess: number;
}

/** Lifecycles/s the measured crypto rates allow, given the count per lifecycle. */
export function cryptoLimit(
  count: CryptoCount,
  rates: { nodeSign: number; nodeVerify: number; signNotice: number; verifyNotice: number; officerTokenVerify: number },
): CryptoLimit {
  const sigs = count.signatures + count.checkpointSignatures;
  const verifies = count.envelopeVerifications + count.tokenVerifications;
  const th = count.perProcess.TH!;
  return {
    ed25519OneCore: 1 / (sigs / rates.nodeSign + verifies / rates.nodeVerify),
    projectOneCore: 1 / (sigs / rates.signNotice + count.envelopeVerifications / rates.verifyNotice + count.tokenVerifications / rates.officerTokenVerify),
    senderProcess: 1 / (th.signatures / rates.signNotice + (th.verifications - 1) / rates.verifyNotice + 1 / rates.officerTokenVerify),
  };
}
