/**
 * Receiving: one record from the gateway's own inbox topic at a time. It is verified (envelope,
 * then admission by {@link admit}), stored in the inbox with a signed receipt to its sender and an
 * audit event, in one commit; or quarantined. Receipts from counterparts update the lifecycle of
 * what this gateway sent.
 */
import { digestOf } from '../../core/src/envelope/digest.ts';
import { TYP_BY_CLASS } from '../../core/src/envelope/typ.ts';
import { verifyNotice, type VerifiedNotice } from '../../core/src/envelope/verify.ts';
import { MxError } from '../../core/src/errors/mx-error.ts';
import type { IncomingRecord } from '../../core/src/kafka/transport.ts';
import type { GatewayContext } from './context.ts';
import type { Quarantine } from './quarantine.ts';
import { queueReceipt, signReceipt } from './receipts.ts';
import { admit, recordKey, type ReceivedDocument } from './rules.ts';

export type ReceiveOutcome = 'stored' | 'duplicate' | 'receipt' | 'quarantined';

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
  async receive(rec: IncomingRecord): Promise<ReceiveOutcome> {
    const { ctx } = this;
    const digest = digestOf(rec.value);
    // The exact bytes were verified and stored before: answer with the stored receipt, nothing more.
    const dup = ctx.store.inboxByDigest(digest);
    if (dup) {
      ctx.uow.commit((w) => queueReceipt(ctx, w, dup.from_ep, dup.receipt, recordKey({ caseRef: dup.case_ref ?? undefined, inReplyTo: dup.in_reply_to ?? undefined, id: dup.id }), dup.id));
      return 'duplicate';
    }
    if (ctx.store.hasReceiptDigest(digest)) return 'duplicate';

    const now = ctx.clock.now();
    let verified: VerifiedNotice<ReceivedDocument>;
    try {
      verified = await verifyNotice<ReceivedDocument>(rec.value, ctx.trust, ctx.schemas, {
        now,
        typ: [TYP_BY_CLASS.notice, TYP_BY_CLASS.receipt],
        clockSkewMs: ctx.settings.clockSkewMs,
        maxAgeMs: ctx.settings.maxAgeMs,
        maxLifetimeMs: ctx.settings.maxLifetimeMs,
        maxBytes: ctx.settings.maxRecordBytes,
        decryption: ctx.decryptionKeys,
        policy: ({ document }) => admit(document, ctx.endpoint, ctx.policy, ctx.store),
      });
    } catch (err) {
      if (!(err instanceof MxError)) throw err;
      await this.quarantine.record(rec, err, digest);
      return 'quarantined';
    }
    const doc = verified.document;
    if (doc.type === 'delivery-receipt') {
      this.acceptReceipt(doc, digest, now);
      return 'receipt';
    }
    const receipt = await signReceipt(ctx, doc.from, { id: doc.id, digest, caseRef: doc.caseRef ?? null }, 'accepted', undefined, now);
    ctx.uow.commit((w) => {
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
      });
      if (doc.type === 'victim-repatriation-notice' && doc.caseRef && !ctx.store.caseParties(doc.caseRef)) {
        ctx.store.openCase(doc.caseRef, [doc.from, ...doc.to], doc.from, doc.id);
      }
      if (doc.inReplyTo) ctx.store.addRecipientResponse(doc.inReplyTo, doc.from, doc.id);
      queueReceipt(ctx, w, doc.from, receipt, recordKey(doc), doc.id);
      w.audit({ action: 'delivered', messageId: doc.id, messageType: doc.type, messageDigest: digest, counterpart: doc.from, outcome: 'accepted' }, now);
    });
    if (ctx.settings.crashAt === 'after-store-commit') process.kill(process.pid, 'SIGKILL');
    return 'stored';
  }

  private acceptReceipt(doc: ReceivedDocument, digest: string, now: Date): void {
    const { ctx } = this;
    const body = doc.body as { messageId: string; outcome: 'accepted' | 'rejected' | 'read'; reasonCode?: string };
    ctx.uow.commit((w) => {
      ctx.store.insertReceiptSeen(doc.from, doc.id, digest);
      if (body.outcome === 'read') ctx.store.markRecipientRead(body.messageId, doc.from, now.getTime());
      else ctx.store.markDelivered(body.messageId, doc.from, now.getTime(), digest, body.outcome === 'rejected' ? (body.reasonCode ?? 'REJECTED') : null);
      const sent = ctx.store.sent(body.messageId);
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
    });
  }
}
