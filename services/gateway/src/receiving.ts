/**
 * Receiving: one record from the gateway's own inbox topic at a time. It is verified (envelope,
 * then admission by {@link admit}), stored in the inbox with a signed receipt to its sender and an
 * audit event, in one commit; or quarantined. Receipts from counterparts update the lifecycle of
 * what this gateway sent.
 *
 * A record refused only because this gateway lacks a key (its kid names no key known here, or its
 * body is encrypted to a key of this endpoint not in the private key file yet) is parked, and
 * re-examined through this same path after every trust reload ({@link Receiving.reexamineParked}).
 * Revocation is judged as of the first receive time, on this gateway's clock, which no signer can
 * choose: a record dated before a key's `revokedAt` but received after it is `KEY_REVOKED`, and
 * parking neither lets a revoked key through nor rejects what arrived before the revocation.
 */
import { digestOf } from '../../core/src/envelope/digest.ts';
import { TYP_BY_CLASS } from '../../core/src/envelope/typ.ts';
import { verifyNotice, type VerifiedNotice } from '../../core/src/envelope/verify.ts';
import { MxError } from '../../core/src/errors/mx-error.ts';
import type { IncomingRecord } from '../../core/src/kafka/transport.ts';
import { parseKid } from '../../core/src/trust/key-format.ts';
import { timerOf, type GatewayContext } from './context.ts';
import type { TrustSet } from './live-trust.ts';
import type { Quarantine } from './quarantine.ts';
import { recordEvent } from './events.ts';
import { alertDocumentHashes, staysOverlap } from './duplicates.ts';
import { travelColumns } from './lifecycle.ts';
import { statisticalFacts } from './statistics.ts';
import { queueReceipt, signReceipt } from './receipts.ts';
import { admit, recordKey, type ReceivedDocument } from './rules.ts';
import type { ParkedRow } from './store.ts';
import type { Work } from './unit-of-work.ts';

type WithdrawalReason = 'travel-cancelled' | 'issued-in-error' | 'other';

/** `parked`: a re-examined record that still lacks its key, left in the park. */
export type ReceiveOutcome = 'stored' | 'duplicate' | 'receipt' | 'quarantined' | 'parked';

/** What one re-examination of the park did. */
export interface ReexaminationReport {
  admitted: number;
  stillParked: number;
  requarantined: number;
  expired: number;
}

const PARK_PAGE = 100;

export class Receiving {
  constructor(
    private readonly ctx: GatewayContext,
    private readonly quarantine: Quarantine,
  ) {}

  /**
   * Handles one record. What fails verification or admission is quarantined with its code. Other
   * errors propagate: the consumer retries those that are a store or Kafka outage and quarantines
   * the rest (as INTERNAL), so no record blocks its partition.
   */
  async receive(rec: IncomingRecord, parked?: ParkedRow): Promise<ReceiveOutcome> {
    const prepared = await this.prepare(rec, { ...(parked ? { parked } : {}) });
    if (prepared === undefined) throw new Error('only a batched record is left to the record-by-record path');
    if (typeof prepared === 'string') return prepared;
    const outcome = this.ctx.uow.commit((w) => prepared.apply(w));
    this.committed(outcome);
    return outcome;
  }

  /** Call once a record's store work committed (the crash tests' hook). */
  committed(outcome: ReceiveOutcome): void {
    if (outcome === 'stored' && this.ctx.settings.crashAt === 'after-store-commit') process.kill(process.pid, 'SIGKILL');
  }

  /**
   * The part of {@link receive} for a record of a fetched batch, committed with the rest of its
   * group (`uow.commitAll`): verified and its receipt signed now, its store work (`apply`) later.
   * Undefined when the record is not plainly good (it failed a check or lacks a key): the caller
   * then commits the group before it and hands it to {@link receive}, which quarantines or parks
   * it against a store that holds everything before it.
   *
   * `apply` looks at the store again, since records of the same group committed before it: bytes
   * stored meanwhile are a duplicate, and admission is checked anew; a record no longer admitted
   * throws, so the group rolls back and is handled one record at a time.
   */
  async prepareInBatch(rec: IncomingRecord): Promise<{ apply: (w: Work) => ReceiveOutcome } | undefined> {
    const prepared = await this.prepare(rec, { batched: true });
    if (prepared === undefined) return undefined;
    if (typeof prepared === 'string') return { apply: () => prepared };
    return prepared;
  }

  /**
   * Everything of {@link receive} up to its commit: what is decided without writing (duplicates,
   * verification, admission, quarantine, the receipt's signature). A string is the final outcome;
   * `apply` is the store work, to run in a commit. With `batched`, a record failing verification
   * is left to the record-by-record path (undefined) instead of quarantined here.
   */
  private async prepare(rec: IncomingRecord, opts: { parked?: ParkedRow; batched?: boolean }): Promise<ReceiveOutcome | { apply: (w: Work) => ReceiveOutcome } | undefined> {
    const { ctx } = this;
    const { parked, batched = false } = opts;
    const digest = digestOf(rec.value);
    const now = ctx.clock.now();
    // A parked record that leaves the park admitted says so in the same commit as its admission.
    const readmit = (_w: Work): void => {
      if (parked) ctx.store.markReadmitted(parked.dead_letter_id, now.getTime());
    };
    // The exact bytes were verified and stored before: answer with the stored receipt, nothing more.
    const duplicate = (w: Work): ReceiveOutcome | undefined => {
      const dup = ctx.store.inboxByDigest(digest);
      if (dup) {
        readmit(w);
        queueReceipt(ctx, w, dup.from_ep, dup.receipt, recordKey({ caseRef: dup.case_ref ?? undefined, inReplyTo: dup.in_reply_to ?? undefined, id: dup.id }), dup.id);
        return 'duplicate';
      }
      if (ctx.store.hasReceiptDigest(digest)) {
        readmit(w);
        return 'duplicate';
      }
      return undefined;
    };
    if (ctx.store.inboxByDigest(digest)) return { apply: (w) => duplicate(w)! };
    if (ctx.store.hasReceiptDigest(digest)) {
      if (parked) return { apply: (w) => duplicate(w)! };
      return 'duplicate';
    }

    // One set for the whole record, even if a reload lands while it is being verified.
    const set = ctx.live.current;
    const firstReceivedAt = parked ? new Date(parked.first_received_at) : now;
    let verified: VerifiedNotice<ReceivedDocument>;
    try {
      verified = await verifyNotice<ReceivedDocument>(rec.value, set.trust, ctx.schemas, {
        now,
        revokedAsOf: firstReceivedAt,
        typ: [TYP_BY_CLASS.notice, TYP_BY_CLASS.receipt],
        clockSkewMs: ctx.settings.clockSkewMs,
        maxAgeMs: ctx.settings.maxAgeMs,
        maxLifetimeMs: ctx.settings.maxLifetimeMs,
        maxBytes: ctx.settings.maxRecordBytes,
        decryption: set.decryptionKeys,
        policy: ({ document }) => admit(document, ctx.endpoint, set.policy, ctx.store),
        ...timerOf(ctx),
      });
    } catch (err) {
      if (!(err instanceof MxError)) throw err;
      if (batched) return undefined;
      const lacksKey = lacksKeyHere(err, rec.value, set, ctx.endpoint);
      if (parked && lacksKey) return 'parked';
      await this.quarantine.record(rec, err, digest, parked ? { reexamined: parked } : lacksKey ? { park: { firstReceivedAt: now.getTime() } } : {});
      return 'quarantined';
    }
    const doc = verified.document;
    // Batched, the store may have changed since verification (records of the same group): look again.
    const again = (w: Work): ReceiveOutcome | undefined => {
      if (!batched) return undefined;
      const dup = duplicate(w);
      if (dup !== undefined) return dup;
      admit(doc, ctx.endpoint, set.policy, ctx.store);
      return undefined;
    };
    if (doc.type === 'delivery-receipt') {
      return { apply: (w) => again(w) ?? this.acceptReceipt(w, doc, digest, now, readmit) };
    }
    const receipt = await signReceipt(ctx, doc.from, { id: doc.id, digest, caseRef: doc.caseRef ?? null }, 'accepted', undefined, now);
    const withdrawalReason = doc.type === 'offender-alert-withdrawal' ? (verified.body as { reason: WithdrawalReason }).reason : undefined;
    const travel = travelColumns(doc.type, verified.body);
    // Hashed from the plaintext here, the only moment it is in hand: the store keeps the ciphertext.
    const documentHashes = alertDocumentHashes(ctx.documentMatchKey, doc.type, verified.body);
    return { apply: (w) => again(w) ?? this.storeNotice(w, { rec, doc, digest, now, receipt, withdrawalReason, travel, documentHashes, body: verified.body, readmit }) };
  }

  /** The store work of an admitted notice: inbox row, receipt, audit event, desk events, links. */
  private storeNotice(
    w: Work,
    a: {
      rec: IncomingRecord;
      doc: ReceivedDocument;
      digest: string;
      now: Date;
      receipt: Uint8Array;
      withdrawalReason: WithdrawalReason | undefined;
      travel: ReturnType<typeof travelColumns>;
      documentHashes: readonly string[];
      body: VerifiedNotice<ReceivedDocument>['body'];
      readmit: (w: Work) => void;
    },
  ): ReceiveOutcome {
    const { ctx } = this;
    const { rec, doc, digest, now, receipt, withdrawalReason, travel, documentHashes, readmit } = a;
    readmit(w);
    ctx.store.insertInbox({
      from_ep: doc.from,
      id: doc.id,
      type: doc.type,
      to_json: JSON.stringify(doc.to),
      case_ref: doc.caseRef ?? null,
      in_reply_to: doc.inReplyTo ?? null,
      issued_at: doc.issuedAt,
      expires_at: doc.expiresAt,
      digest,
      record: rec.value,
      receipt: Buffer.from(receipt),
      received_at: now.getTime(),
      topic: rec.topic,
      partition: rec.partition,
      offset: rec.offset,
      ...travel,
      supersedes: doc.supersedes ?? null,
      withdrawal_reason: withdrawalReason ?? null,
    });
    const facts = statisticalFacts({ from: doc.from, id: doc.id, direction: 'received', type: doc.type, issuedAt: doc.issuedAt, inReplyTo: doc.inReplyTo }, a.body);
    if (facts) ctx.store.insertNoticeFacts(facts);
    if (doc.type === 'victim-repatriation-notice' && doc.caseRef && !ctx.store.caseParties(doc.caseRef)) {
      ctx.store.openCase(doc.caseRef, [doc.from, ...doc.to], doc.from, doc.id);
    }
    // A withdrawal is news about its alert (the lifecycle event below), not an item of its own.
    if (doc.type !== 'offender-alert-withdrawal') recordEvent(ctx.store, { kind: 'arrival', messageId: doc.id, type: doc.type, counterpart: doc.from, caseRef: doc.caseRef ?? null, status: 'unread', at: now.getTime() });
    // After the arrival event, so a desk hears of the alert before hearing of its links.
    this.linkPossibleDuplicates(doc, travel, documentHashes, now.getTime());
    if (doc.supersedes !== undefined) {
      // Admission found it current; a record admitted twice in a race changes it once.
      const original = ctx.store.inboxByKey(doc.from, doc.supersedes)!;
      const change = withdrawalReason !== undefined ? { withdrawnBy: doc.id, reason: withdrawalReason, at: now.getTime() } : { supersededBy: doc.id };
      if (ctx.store.markInboxRevised(doc.from, original.id, change)) {
        const status = withdrawalReason !== undefined ? 'withdrawn' : 'corrected';
        recordEvent(ctx.store, { kind: 'lifecycle', messageId: original.id, type: original.type, counterpart: doc.from, caseRef: original.case_ref, status, at: now.getTime() });
        w.audit({ action: status, messageId: original.id, messageType: original.type, counterpart: doc.from, relatedMessageId: doc.id, ...(withdrawalReason !== undefined ? { withdrawalReason } : {}) }, now);
      }
    }
    if (doc.inReplyTo) {
      ctx.store.addRecipientResponse(doc.inReplyTo, doc.from, doc.id);
      const answered = ctx.store.sent(doc.inReplyTo);
      if (answered) recordEvent(ctx.store, { kind: 'lifecycle', messageId: answered.id, type: answered.type, counterpart: doc.from, caseRef: answered.case_ref, status: 'responded', at: now.getTime() });
    }
    queueReceipt(ctx, w, doc.from, receipt, recordKey(doc), doc.id);
    w.audit({ action: 'delivered', messageId: doc.id, messageType: doc.type, messageDigest: digest, counterpart: doc.from, outcome: 'accepted' }, now);
    return 'stored';
  }

  /**
   * Re-examines every parked record through {@link receive} with the trust set in use (called after
   * each reload): admitted ones go to the inbox as usual and leave the park, their dead letter
   * marked re-admitted; those that still lack a key stay; those failing now for another reason
   * are quarantined with it. Records first received longer ago than the maximum age (plus the
   * clock skew) leave the park first: they could only be TOO_OLD now. Runs one at a time.
   */
  reexamineParked(): Promise<ReexaminationReport> {
    // A run that has not started yet will read the newest trust set: several reloads share it.
    if (this.queued) return this.queued;
    const run = this.reexamining.catch(() => undefined).then(() => {
      this.queued = undefined;
      return this.reexamineAll();
    });
    this.queued = run;
    this.reexamining = run;
    return run;
  }

  /** Resolves once no re-examination is running or queued (before the store closes). */
  async reexaminationsDone(): Promise<void> {
    await this.reexamining.catch(() => undefined);
  }

  private reexamining: Promise<unknown> = Promise.resolve();
  private queued: Promise<ReexaminationReport> | undefined;

  private async reexamineAll(): Promise<ReexaminationReport> {
    const { ctx } = this;
    const report: ReexaminationReport = { admitted: 0, stillParked: 0, requarantined: 0, expired: 0 };
    report.expired = ctx.store.expireParked(ctx.clock.now().getTime() - ctx.settings.maxAgeMs - ctx.settings.clockSkewMs);
    if (report.expired > 0) ctx.logger.warn({ expired: report.expired }, 'parked records older than the maximum age left the park (they stay dead-lettered)');
    for (let after = 0; ; ) {
      const rows = ctx.store.listParked(after, PARK_PAGE);
      if (rows.length === 0) break;
      for (const row of rows) {
        after = row.dead_letter_id;
        const rec: IncomingRecord = { topic: row.topic, partition: row.partition, offset: row.offset, timestamp: new Date(row.first_received_at), key: null, value: row.record, headers: {} };
        let outcome: ReceiveOutcome;
        try {
          outcome = await this.receive(rec, row);
        } catch (err) {
          // A store outage or a fault: the record stays parked and is looked at after the next reload.
          ctx.logger.error({ err: (err as Error).name, topic: row.topic, partition: row.partition, offset: row.offset, digest: row.digest }, 'a parked record could not be re-examined; it stays parked');
          report.stillParked++;
          continue;
        }
        if (outcome === 'parked') report.stillParked++;
        else if (outcome === 'quarantined') report.requarantined++;
        else report.admitted++;
      }
    }
    if (report.admitted + report.requarantined + report.expired > 0) ctx.logger.info({ ...report }, 'parked records re-examined');
    return report;
  }

  /**
   * Links a just-stored alert with the received alerts from other senders that share one of its
   * travel documents and whose stays overlap its own (duplicates.ts): both ways, never merged, each
   * side told on the event stream. Runs inside the commit that stores the alert, so a link exists
   * exactly when both alerts do. Not audited: the link is this gateway's own hint, derived from
   * alerts whose delivery is audited already, and the append-only audit log would keep for ever
   * which alerts concern the same person.
   */
  private linkPossibleDuplicates(doc: ReceivedDocument, travel: { arrival_at: number | null; departure_at: number | null }, hashes: readonly string[], at: number): void {
    const { store } = this.ctx;
    if (hashes.length === 0 || travel.arrival_at === null) return;
    store.insertAlertDocuments(doc.from, doc.id, hashes);
    const stay = { arrival_at: travel.arrival_at, departure_at: travel.departure_at };
    for (const other of store.alertsSharingDocument(hashes, doc.from)) {
      if (!staysOverlap(stay, other)) continue;
      if (!store.linkPossibleDuplicates({ from: doc.from, id: doc.id }, { from: other.from_ep, id: other.id }, at)) continue;
      // One event per alert: its desk learns which sender's alert may concern the same trip.
      recordEvent(store, { kind: 'possible-duplicate', messageId: doc.id, type: doc.type, counterpart: other.from_ep, caseRef: doc.caseRef ?? null, status: 'linked', at });
      recordEvent(store, { kind: 'possible-duplicate', messageId: other.id, type: other.type, counterpart: doc.from, caseRef: other.case_ref, status: 'linked', at });
    }
  }

  private acceptReceipt(w: Work, doc: ReceivedDocument, digest: string, now: Date, readmit: (w: Work) => void): ReceiveOutcome {
    const { ctx } = this;
    const body = doc.body as { messageId: string; outcome: 'accepted' | 'rejected' | 'read'; reasonCode?: string };
    readmit(w);
    ctx.store.insertReceiptSeen(doc.from, doc.id, digest);
    const before = ctx.store.recipient(body.messageId, doc.from);
    if (body.outcome === 'read') ctx.store.markRecipientRead(body.messageId, doc.from, now.getTime());
    else ctx.store.markDelivered(body.messageId, doc.from, now.getTime(), digest, body.outcome === 'rejected' ? (body.reasonCode ?? 'REJECTED') : null);
    const sent = ctx.store.sent(body.messageId);
    // A second receipt of the same outcome changes nothing, so it is not pushed again.
    const changed = before !== undefined && (body.outcome === 'read' ? before.read_at === null : before.delivered_at === null);
    if (sent && changed) {
      const status = body.outcome === 'accepted' ? 'delivered' : body.outcome;
      recordEvent(ctx.store, { kind: 'lifecycle', messageId: sent.id, type: sent.type, counterpart: doc.from, caseRef: sent.case_ref, status, at: now.getTime() });
    }
    w.audit(
      {
        action: 'receipt-received',
        messageId: body.messageId,
        ...(sent ? { messageType: sent.type } : {}),
        messageDigest: digest,
        counterpart: doc.from,
        outcome: body.outcome,
        ...(body.reasonCode ? { reasonCode: body.reasonCode } : {}),
      },
      now,
    );
    return 'receipt';
  }
}

/**
 * Whether `err` says only that this gateway lacks a key it may learn by a reload: the kid names no
 * key known here (`UNKNOWN_KEY`), or the body is encrypted to a key of this endpoint that the
 * private key file in use does not hold (`DECRYPT_FAILED`). Anything else is the record's fault.
 */
function lacksKeyHere(err: MxError, bytes: Buffer, set: TrustSet, me: string): boolean {
  if (err.code === 'UNKNOWN_KEY') {
    const kid = protectedKid(bytes);
    return kid !== undefined && parseKid(kid) !== undefined && set.trust.resolve(kid) === undefined;
  }
  if (err.code === 'DECRYPT_FAILED' && err.verifiedSender !== undefined) {
    // The signature verified, so the recipient list is the sender's own.
    const held = new Set(set.decryptionKeys.keys.map((k) => k.kid));
    const kids = encryptedToKids(bytes);
    const mine = kids.filter((k) => parseKid(k)?.endpoint === me);
    return mine.length === 1 && !held.has(mine[0]!);
  }
  return false;
}

/** The `kid` of a record's protected header (the record was bounded and parsed by verifyNotice before). */
function protectedKid(bytes: Buffer): string | undefined {
  try {
    const jws = JSON.parse(bytes.toString('utf8')) as { protected?: unknown };
    if (typeof jws.protected !== 'string') return undefined;
    const header = JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

/** The recipient kids of a signed record's `encryptedBody`. */
function encryptedToKids(bytes: Buffer): string[] {
  try {
    const jws = JSON.parse(bytes.toString('utf8')) as { payload: string };
    const doc = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as { encryptedBody?: { recipients?: { header?: { kid?: unknown } }[] } };
    const recipients = doc.encryptedBody?.recipients;
    if (!Array.isArray(recipients)) return [];
    return recipients.map((r) => r?.header?.kid).filter((k): k is string => typeof k === 'string');
  } catch {
    return [];
  }
}
