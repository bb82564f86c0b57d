/**
 * Quarantine: what the gateway could not accept from its inbox topic. A dead-letter entry
 * (metadata only: where the record is, its digest, the reason; never the body), an audit event,
 * and a signed rejection receipt only to a sender whose signature verified. Receipts are never
 * answered with receipts. The record itself stays on its topic for an operator to inspect.
 *
 * A record refused only because this gateway lacks a key (see {@link QuarantineOptions.park}) is
 * also parked: its bytes are kept so that it can be re-examined after a trust reload.
 */
import { randomUUID } from 'node:crypto';
import { digestOf } from '../../core/src/envelope/digest.ts';
import { TYP_BY_CLASS } from '../../core/src/envelope/typ.ts';
import { MxError } from '../../core/src/errors/mx-error.ts';
import { isCaseRef, isUuidV7 } from '../../core/src/ids/patterns.ts';
import type { IncomingRecord } from '../../core/src/kafka/transport.ts';
import type { GatewayContext } from './context.ts';
import { queueReceipt, signReceipt } from './receipts.ts';
import { recordKey } from './rules.ts';
import type { ParkedRow } from './store.ts';

/** How a quarantine differs from the plain one. */
export interface QuarantineOptions {
  /**
   * Keep the record's bytes for re-examination, first received at this instant (epoch ms). No
   * rejection receipt is sent: the sender did nothing wrong, this gateway only lacks a key yet.
   */
  park?: { firstReceivedAt: number };
  /** The parked record this is, re-examined and now failing for another reason: its dead letter takes the new reason and it leaves the park. */
  reexamined?: ParkedRow;
}

export class Quarantine {
  constructor(private readonly ctx: GatewayContext) {}

  /**
   * Quarantines a record whose processing failed. An {@link MxError} keeps its code; anything else
   * (a fault in this code, not in the store or Kafka) becomes INTERNAL, logged with an `instance`
   * id and the record's place, never its content nor the error's message, so no record can block
   * its partition. The inbox consumer calls this, then commits the offset.
   */
  async record(rec: IncomingRecord, err: unknown, digest = digestOf(rec.value), opts: QuarantineOptions = {}): Promise<void> {
    let e: MxError;
    if (err instanceof MxError) e = err;
    else {
      // The error's message may quote the record: only its type and stack frames are logged.
      const instance = `urn:uuid:${randomUUID()}`;
      const errorType = err instanceof Error ? err.name : typeof err;
      const stack = err instanceof Error ? (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).join('\n') : undefined;
      this.ctx.logger.error({ instance, errorType, stack, topic: rec.topic, partition: rec.partition, offset: rec.offset, digest }, 'unexpected error handling a record; quarantined as INTERNAL');
      e = new MxError('INTERNAL', `unexpected error handling the record (${instance})`);
    }
    await this.quarantine(rec, digest, e, opts);
  }

  private async quarantine(rec: IncomingRecord, digest: string, err: MxError, opts: QuarantineOptions): Promise<void> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const sender = err.verifiedSender;
    let rejection: { receipt: Uint8Array; messageId: string; caseRef: string | null } | undefined;
    if (sender !== undefined && opts.park === undefined) {
      // The signature verified, so the payload is the sender's own: its id and typ can be read.
      const facts = signedFacts(rec.value);
      if (facts && facts.typ === TYP_BY_CLASS.notice && facts.id) {
        const receipt = await signReceipt(ctx, sender, { id: facts.id, digest, caseRef: facts.caseRef }, 'rejected', err.code, now).catch(() => undefined);
        if (receipt) rejection = { receipt, messageId: facts.id, caseRef: facts.caseRef };
      }
    }
    const dead = {
      sourceTopic: rec.topic,
      partition: rec.partition,
      offset: rec.offset,
      digest,
      reasonCode: err.code,
      at: now.toISOString(),
      ...(sender !== undefined ? { verifiedSender: sender } : {}),
      ...(rejection ? { messageId: rejection.messageId } : {}),
    };
    let dropped = 0;
    const fresh = ctx.uow.commit((w) => {
      if (opts.reexamined) {
        ctx.store.requarantineDeadLetter(opts.reexamined.dead_letter_id, { reason_code: err.code, from_ep: sender ?? null, message_id: rejection?.messageId ?? null });
      } else {
        const id = ctx.store.insertDeadLetter({ topic: rec.topic, partition: rec.partition, offset: rec.offset, digest, reason_code: err.code, from_ep: sender ?? null, message_id: rejection?.messageId ?? null, at: now.getTime() });
        if (id === undefined) return false; // this very offset was quarantined before a crash: nothing new to say
        if (opts.park) dropped = ctx.store.park(id, err.code, rec.value, opts.park.firstReceivedAt, ctx.settings.maxParked);
      }
      w.send({ topic: ctx.topics.dlq(ctx.endpoint), key: digest, value: Buffer.from(JSON.stringify(dead)), kind: 'dlq', ref: digest, headers: { 'mx-reason': err.code } });
      if (rejection && sender) queueReceipt(ctx, w, sender, rejection.receipt, recordKey({ caseRef: rejection.caseRef ?? undefined, id: rejection.messageId }), rejection.messageId);
      w.audit({ action: 'dead-lettered', messageDigest: digest, reasonCode: err.code, ...(sender !== undefined ? { counterpart: sender } : {}), ...(rejection ? { messageId: rejection.messageId } : {}), outcome: 'rejected' }, now);
      return true;
    });
    if (!fresh) return;
    ctx.metrics?.quarantined(err.code);
    ctx.logger.warn({ topic: rec.topic, partition: rec.partition, offset: rec.offset, digest, reasonCode: err.code, ...(opts.park ? { parked: true } : {}), ...(opts.reexamined ? { reexamined: true } : {}) }, 'record quarantined');
    if (dropped > 0) ctx.logger.warn({ dropped, maxRecords: ctx.settings.maxParked.records, maxBytes: ctx.settings.maxParked.bytes }, 'park full: the oldest parked records were dropped from re-examination (they stay dead-lettered)');
  }
}

/** The id, case and typ of a record whose signature has verified (for a rejection receipt). */
function signedFacts(bytes: Buffer): { id: string | undefined; caseRef: string | null; typ: unknown } | undefined {
  try {
    // Only called once verifyNotice has parsed these same texts within its size and depth bounds.
    const jws = JSON.parse(bytes.toString('utf8')) as { protected: string; payload: string };
    const header = JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8')) as { typ?: unknown };
    const doc = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as { id?: unknown; caseRef?: unknown };
    return { id: isUuidV7(doc.id) ? doc.id : undefined, caseRef: isCaseRef(doc.caseRef) ? doc.caseRef : null, typ: header.typ };
  } catch {
    return undefined;
  }
}
