/**
 * Delivery receipts: signed by this gateway about a message it received (accepted, rejected or
 * read), addressed to the message's sender, queued on the sender's inbox topic.
 */
import { signNotice } from '../../core/src/envelope/sign.ts';
import { uuidv7 } from '../../core/src/ids/uuidv7.ts';
import { bodySchemaId } from '../../core/src/schemas/registry.ts';
import { timerOf, type GatewayContext } from './context.ts';
import { outgoingTraceparent, TRACEPARENT_HEADER } from '../../core/src/trace/trace-context.ts';
import type { Work } from './unit-of-work.ts';

/** Signs a receipt about `of` for `to`. */
export function signReceipt(
  ctx: GatewayContext,
  to: string,
  of: { id: string; digest: string; caseRef?: string | null },
  outcome: 'accepted' | 'rejected' | 'read',
  reasonCode: string | undefined,
  now: Date,
): Promise<Uint8Array> {
  const document = {
    id: uuidv7(now.getTime()),
    type: 'delivery-receipt' as const,
    schema: bodySchemaId('delivery-receipt'),
    from: ctx.endpoint,
    to: [to],
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ctx.settings.receiptLifetimeMs).toISOString(),
    ...(of.caseRef ? { caseRef: of.caseRef } : {}),
    sender: { officer: ctx.gatewayPseudonym, agency: ctx.agency },
    body: { messageId: of.id, messageDigest: of.digest, outcome, ...(reasonCode ? { reasonCode } : {}), receivedAt: now.toISOString() },
  };
  return signNotice(document, ctx.live.current.keys.current(now), timerOf(ctx));
}

/** Queues a signed receipt for `to`, under the record key of the message it is about. */
export function queueReceipt(ctx: GatewayContext, w: Work, to: string, receipt: Uint8Array, key: string, messageId: string): void {
  w.send({ topic: ctx.topics.inbox(to), key, value: receipt, kind: 'receipt', ref: messageId, recipient: to, headers: { 'mx-type': 'delivery-receipt', 'mx-from': ctx.endpoint, [TRACEPARENT_HEADER]: outgoingTraceparent() } });
}
