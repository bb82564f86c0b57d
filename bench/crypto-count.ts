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
 * - The notice's body is encrypted (a business type: envelope/encrypt.ts `ENCRYPTED_TYPES`) to its
 *   one recipient at TH (sending.ts) and decrypted at LA (exchange.ts); receipts and audit events
 *   carry no encrypted body.
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
  /** Officer token verifications (EdDSA JWT, OfficerAuth: node:crypto). */
  tokenVerifications: number;
  /** Checkpoint signatures per notice (amortized). */
  checkpointSignatures: number;
  /** JWE body encryptions (to one recipient) and decryptions. */
  encryptions: number;
  decryptions: number;
  auditEvents: number;
  perProcess: Record<string, { signatures: number; verifications: number; encryptions: number; decryptions: number }>;
}

export function cryptoPerLifecycle(opts: { withAuditService: boolean; checkpointEveryLeaves?: number }): CryptoCount {
  const auditEvents = LIFECYCLE_AUDIT_ACTIONS.length;
  const perProcess: CryptoCount['perProcess'] = {
    // notice + audit submitted + audit published + audit receipt-received; token + receipt; the body
    TH: { signatures: 4, verifications: 2, encryptions: 1, decryptions: 0 },
    // receipt + audit delivered; notice; the body
    LA: { signatures: 2, verifications: 1, encryptions: 0, decryptions: 1 },
  };
  if (opts.withAuditService) perProcess.audit = { signatures: auditEvents / (opts.checkpointEveryLeaves ?? 100), verifications: auditEvents, encryptions: 0, decryptions: 0 };
  return {
    signatures: 2 + auditEvents,
    envelopeVerifications: 2 + (opts.withAuditService ? auditEvents : 0),
    tokenVerifications: 1,
    checkpointSignatures: opts.withAuditService ? auditEvents / (opts.checkpointEveryLeaves ?? 100) : 0,
    encryptions: 1,
    decryptions: 1,
    auditEvents,
    perProcess,
  };
}

export interface CryptoLimit {
  /**
   * The crypto bound of issue 15: lifecycles per second if one core did nothing but the
   * lifecycle's crypto with node:crypto, encryption included; see {@link CRYPTO_BOUND_FORMULA}.
   */
  bound: number;
  /** The bound's formula with this run's counts and rates filled in. */
  boundFormula: string;
  /** Lifecycles per second if one core did nothing but the Ed25519 signatures and verifications with node:crypto (no encryption). */
  ed25519OneCore: number;
  /** The same work with the project's functions (signNotice / verifyNotice incl. schema checks / jwtVerify / encryptBody / decryptBody). */
  projectOneCore: number;
  /** The busiest process alone (TH), project functions, one core. */
  senderProcess: number;
}

/** The crypto bound, as the bench prints it and the README states it. */
export const CRYPTO_BOUND_FORMULA = 'bound = 1 / (S / sign + V / verify + E / encrypt + D / decrypt)';

export interface CryptoRates {
  nodeSign: number;
  nodeVerify: number;
  nodeJweEncrypt: number;
  nodeJweDecrypt: number;
  signNotice: number;
  verifyNotice: number;
  officerTokenVerify: number;
  jweEncrypt1: number;
  jweDecrypt: number;
}

/**
 * Lifecycles/s the measured crypto rates allow, given the count per lifecycle. The bound: S
 * signatures (notice, receipt, audit events, the amortized checkpoint share), V verifications
 * (notice, receipt, audit events at the audit service, the officer token), E body encryptions and
 * D decryptions, each priced at its node:crypto rate on one thread of this run (Ed25519 on the
 * bench notice's signing input; the JWE of node-jwe.ts on its body). Every process's share is
 * added onto one core: no parallelism, no Kafka, no SQLite, no HTTP, no JSON.
 */
export function cryptoLimit(count: CryptoCount, rates: CryptoRates): CryptoLimit {
  const sigs = count.signatures + count.checkpointSignatures;
  const verifies = count.envelopeVerifications + count.tokenVerifications;
  const th = count.perProcess.TH!;
  const ed25519 = sigs / rates.nodeSign + verifies / rates.nodeVerify;
  const bound = 1 / (ed25519 + count.encryptions / rates.nodeJweEncrypt + count.decryptions / rates.nodeJweDecrypt);
  const r = (v: number) => Math.round(v).toLocaleString('en-US');
  return {
    bound,
    boundFormula:
      `1 / (${+sigs.toFixed(2)} / ${r(rates.nodeSign)} + ${verifies} / ${r(rates.nodeVerify)} + ${count.encryptions} / ${r(rates.nodeJweEncrypt)} + ${count.decryptions} / ${r(rates.nodeJweDecrypt)}) ` +
      `= ${r(bound)} lifecycles/s`,
    ed25519OneCore: 1 / ed25519,
    projectOneCore:
      1 /
      (sigs / rates.signNotice +
        count.envelopeVerifications / rates.verifyNotice +
        count.tokenVerifications / rates.officerTokenVerify +
        count.encryptions / rates.jweEncrypt1 +
        count.decryptions / rates.jweDecrypt),
    senderProcess: 1 / (th.signatures / rates.signNotice + (th.verifications - 1) / rates.verifyNotice + 1 / rates.officerTokenVerify + th.encryptions / rates.jweEncrypt1),
  };
}
