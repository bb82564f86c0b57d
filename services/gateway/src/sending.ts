/**
 * Sending, and what officers do with what arrived: submit a notice, answer a received message,
 * open a received message (audited at every access; the first also sends a signed read receipt).
 * Each is validated, signed, then committed with its outbox records and audit events in one
 * savepoint of a {@link GroupCommit} shared with the submissions that arrived with it; the relay
 * publishes afterwards.
 */
import { digestOf } from '../../core/src/envelope/digest.ts';
import { encryptBody, requiresEncryption } from '../../core/src/envelope/encrypt.ts';
import { signNotice } from '../../core/src/envelope/sign.ts';
import { MxError } from '../../core/src/errors/mx-error.ts';
import type { Officer } from '../../core/src/idp/officer-auth.ts';
import { uuidv7 } from '../../core/src/ids/uuidv7.ts';
import { bodySchemaId, type MessageType } from '../../core/src/schemas/registry.ts';
import { timerOf, type GatewayContext } from './context.ts';
import { outgoingTraceparent, TRACEPARENT_HEADER } from '../../core/src/trace/trace-context.ts';
import { RESPONSE_OF } from './policy.ts';
import { queueReceipt, signReceipt } from './receipts.ts';
import { caseAction, checkRoute, CORRECTABLE, hasRole, issue, MAX_RESPONSES, ORIGINATING, recordKey, RESPONDING, WITHDRAWABLE } from './rules.ts';
import { recordEvent } from './events.ts';
import { escalationDue, travelColumns, type TravelWindow } from './lifecycle.ts';
import { statisticalFacts } from './statistics.ts';
import type { InboxRow, SentRow } from './store.ts';
import type { CryptoKey } from 'jose';

/** What an officer submits: POST /v1/notices. */
export interface NoticeRequest {
  type: string;
  to: string[];
  caseRef?: string;
  expiresAt?: string;
  body: Record<string, unknown>;
}

/** The 202 answer to a submission. */
export interface Submitted {
  id: string;
  digest: string;
  status: 'queued';
  /** The case the message belongs to; the one the gateway opened when the officer named none. */
  caseRef?: string;
}

/**
 * A request's `Idempotency-Key` (scoped to the officer) and the fingerprint of the request it came
 * with: the same key and fingerprint again gets the first answer; another fingerprint is refused.
 */
export interface Idempotency {
  key: string;
  fingerprint: string;
}

interface Outgoing {
  type: MessageType;
  to: string[];
  caseRef?: string | undefined;
  inReplyTo?: string;
  /** The version this one corrects, or the alert this withdrawal withdraws. */
  supersedes?: string;
  /** The record key, when the message must follow another's partition (a revision, after its original). */
  key?: string;
  expiresAt?: string | undefined;
  body: Record<string, unknown>;
}

/** Why an offender alert is withdrawn (the withdrawal schema's `reason`). */
export type WithdrawalReason = 'travel-cancelled' | 'issued-in-error' | 'other';

/** POST /v1/messages/{id}/withdrawal. */
export interface WithdrawRequest {
  reason: WithdrawalReason;
  note?: string;
}

/** POST /v1/messages/{id}/corrections: the whole new version's body. */
export interface CorrectRequest {
  body: Record<string, unknown>;
  expiresAt?: string | undefined;
}

/** What an escalation hook is told: metadata only, as the audit event. */
export interface Escalation {
  /** `sent`: a recipient has not answered our alert; `received`: we have not answered theirs. */
  direction: 'sent' | 'received';
  messageId: string;
  counterpart: string;
  at: Date;
}

export class Sending {
  private readonly escalationListeners: ((e: Escalation) => void)[] = [];

  /** Keys of requests being processed now: a concurrent retry must not send a second message. */
  private readonly inFlight = new Set<string>();
  /**
   * Answers being signed, per inbox item: an answer is stored only after it is signed, so
   * concurrent answers would each see the stored count below the bound; counting these keeps it exact.
   */
  private readonly answering = new Map<string, number>();

  constructor(private readonly ctx: GatewayContext) {}

  private validateBody(type: MessageType, body: unknown): void {
    const issues = this.ctx.schemas.validate(bodySchemaId(type), body).map((i) => ({ ...i, path: `/body${i.path}` }));
    if (issues.length > 0) throw new MxError('VALIDATION_FAILED', 'the body does not satisfy the schema of its type', { issues });
  }

  /** POST /v1/notices: validate, authorize, sign, and queue in the outbox. */
  submit(officer: Officer, req: NoticeRequest, idem?: Idempotency): Promise<Submitted> {
    return this.once(officer, idem, async () => {
      const { ctx } = this;
      const type = req.type as MessageType;
      if (!Object.prototype.hasOwnProperty.call(ORIGINATING, type)) {
        throw new MxError('VALIDATION_FAILED', 'this type is sent as a response to a received message', {
          issues: [issue('/type', 'enum', 'must be victim-repatriation-notice or offender-travel-alert; answer with POST /v1/inbox/{id}/responses')],
        });
      }
      if (!hasRole(officer, ORIGINATING[type])) throw new MxError('FORBIDDEN', `the caller's role may not send a ${type}`);
      this.validateBody(type, req.body);
      const to = [...new Set(req.to)];
      if (to.includes(ctx.endpoint)) throw new MxError('VALIDATION_FAILED', 'a gateway does not send to itself', { issues: [issue('/to', 'notSelf', 'must not name this endpoint')] });
      checkRoute(ctx.live.current.policy, type, ctx.endpoint, to);
      let caseRef = req.caseRef;
      let openCase: string[] | undefined;
      if (caseRef !== undefined) {
        if (caseAction(ctx.endpoint, type, to, caseRef, ctx.store.caseParties(caseRef)) === 'open') openCase = [ctx.endpoint, ...to];
      } else if (type === 'victim-repatriation-notice') {
        // A victim notice always belongs to a case: without a reference, it opens a new one.
        caseRef = ctx.store.allocateCaseRef(ctx.endpoint, ctx.clock.now().getUTCFullYear());
        openCase = [ctx.endpoint, ...to];
      }
      return this.send(officer, { type, to, caseRef, expiresAt: req.expiresAt, body: req.body }, { openCase, idem });
    });
  }

  /** POST /v1/inbox/{id}/responses: answer a received message, to its sender only. */
  respond(officer: Officer, item: InboxRow, req: { type: string; body: Record<string, unknown>; expiresAt?: string | undefined }, idem?: Idempotency): Promise<Submitted> {
    return this.once(officer, idem, async () => {
      const type = req.type as MessageType;
      if (RESPONSE_OF[type] === undefined || RESPONSE_OF[type] !== item.type) {
        throw new MxError('VALIDATION_FAILED', `a ${item.type} is not answered with a ${req.type}`, { issues: [issue('/type', 'responseType', 'does not answer the type of the original')] });
      }
      if (!hasRole(officer, RESPONDING[type])) throw new MxError('FORBIDDEN', `the caller's role may not send a ${type}`);
      this.validateBody(type, req.body);
      const to = [item.from_ep];
      checkRoute(this.ctx.live.current.policy, type, this.ctx.endpoint, to);
      const slot = `${item.from_ep}/${item.id}`;
      const stored = (JSON.parse(this.ctx.store.inboxByKey(item.from_ep, item.id)?.response_ids ?? '[]') as string[]).length;
      const signing = this.answering.get(slot) ?? 0;
      if (stored + signing >= MAX_RESPONSES) throw new MxError('TOO_MANY_RESPONSES', `the message already has ${MAX_RESPONSES} responses`);
      this.answering.set(slot, signing + 1);
      try {
        return await this.send(officer, { type, to, caseRef: item.case_ref ?? undefined, inReplyTo: item.id, expiresAt: req.expiresAt, body: req.body }, { answered: item, idem });
      } finally {
        const left = (this.answering.get(slot) ?? 1) - 1;
        if (left === 0) this.answering.delete(slot);
        else this.answering.set(slot, left);
      }
    });
  }

  /**
   * POST /v1/messages/{id}/withdrawal: withdraws an offender alert this endpoint sent (its current
   * version), with a signed `offender-alert-withdrawal` to the alert's recipients.
   */
  withdraw(officer: Officer, id: string, req: WithdrawRequest, idem?: Idempotency): Promise<Submitted> {
    return this.once(officer, idem, async () => {
      const original = this.revisable(officer, id, 'withdraw');
      const body: Record<string, unknown> = { reason: req.reason, ...(req.note !== undefined ? { note: req.note } : {}) };
      this.validateBody('offender-alert-withdrawal', body);
      const to = this.revisionRecipients(original);
      checkRoute(this.ctx.live.current.policy, 'offender-alert-withdrawal', this.ctx.endpoint, to);
      return this.send(
        officer,
        { type: 'offender-alert-withdrawal', to, caseRef: original.case_ref ?? undefined, supersedes: original.id, key: this.threadKey(original), body },
        { revises: { original, reason: req.reason }, idem },
      );
    });
  }

  /**
   * POST /v1/messages/{id}/corrections: a new version of a victim notice or an offender alert this
   * endpoint sent (its current version), of the same type and case, to the same recipients.
   */
  correct(officer: Officer, id: string, req: CorrectRequest, idem?: Idempotency): Promise<Submitted> {
    return this.once(officer, idem, async () => {
      const { ctx } = this;
      const original = this.revisable(officer, id, 'correct');
      const type = original.type as MessageType;
      this.validateBody(type, req.body);
      const to = this.revisionRecipients(original);
      checkRoute(ctx.live.current.policy, type, ctx.endpoint, to);
      const caseRef = original.case_ref ?? undefined;
      if (caseRef !== undefined) caseAction(ctx.endpoint, type, to, caseRef, ctx.store.caseParties(caseRef));
      return this.send(officer, { type, to, caseRef, supersedes: original.id, key: this.threadKey(original), expiresAt: req.expiresAt, body: req.body }, { revises: { original }, idem });
    });
  }

  /** The sent message `id`, if this officer may withdraw or correct it now. */
  private revisable(officer: Officer, id: string, what: 'withdraw' | 'correct'): SentRow {
    const original = this.ctx.store.sent(id);
    if (!original) throw new MxError('NOT_FOUND', 'no such message sent by this endpoint');
    const type = original.type as MessageType;
    if (what === 'withdraw' ? type !== WITHDRAWABLE : !CORRECTABLE.includes(type)) {
      throw new MxError('NOT_WITHDRAWABLE', what === 'withdraw' ? 'only an offender alert is withdrawn' : 'only a victim notice or an offender alert is corrected');
    }
    if (!hasRole(officer, ORIGINATING[type])) throw new MxError('FORBIDDEN', `the caller's role may not ${what} a ${type}`);
    this.refuseRevised(original);
    return original;
  }

  /**
   * The original's recipients, less those that refused it (they hold nothing to revise and would
   * refuse the revision as UNKNOWN_ORIGINAL); all of them if every one refused.
   */
  private revisionRecipients(original: SentRow): string[] {
    const to = JSON.parse(original.to_json) as string[];
    const refused = new Set(this.ctx.store.recipients(original.id).filter((r) => r.rejected_reason !== null).map((r) => r.endpoint));
    const holding = to.filter((r) => !refused.has(r));
    return holding.length > 0 ? holding : to;
  }

  private refuseRevised(row: Pick<SentRow, 'withdrawn_by' | 'superseded_by'>): void {
    if (row.withdrawn_by !== null) throw new MxError('ALREADY_WITHDRAWN', 'the alert was withdrawn before');
    if (row.superseded_by !== null) throw new MxError('SUPERSEDED', `a later version (${row.superseded_by}) exists; withdraw or correct that one`);
  }

  /** The record key of a version chain: its first version's, so every revision follows it on one partition. */
  private threadKey(row: SentRow): string {
    let root = row;
    for (let prev = row.supersedes; prev !== null; prev = root.supersedes) {
      const earlier = this.ctx.store.sent(prev);
      if (!earlier) break;
      root = earlier;
    }
    return recordKey({ caseRef: root.case_ref ?? undefined, inReplyTo: root.in_reply_to ?? undefined, id: root.id });
  }

  /**
   * Runs a submission at most once per `Idempotency-Key`: a stored answer for the same request is
   * returned again, the same key with another request is IDEMPOTENCY_KEY_REUSED, and a retry
   * while the first is still being processed is IDEMPOTENCY_KEY_IN_USE.
   */
  private async once(officer: Officer, idem: Idempotency | undefined, run: () => Promise<Submitted>): Promise<Submitted> {
    if (idem === undefined) return run();
    const stored = this.ctx.store.idempotentAnswer(officer.pseudonym, idem.key, this.ctx.clock.now().getTime() - this.ctx.settings.idempotencyRetentionMs);
    if (stored) {
      if (stored.fingerprint !== idem.fingerprint) throw new MxError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with another request');
      return JSON.parse(stored.response) as Submitted;
    }
    const slot = `${officer.pseudonym}\u0000${idem.key}`;
    if (this.inFlight.has(slot)) throw new MxError('IDEMPOTENCY_KEY_IN_USE', 'a request with this Idempotency-Key is still being processed');
    this.inFlight.add(slot);
    try {
      return await run();
    } finally {
      this.inFlight.delete(slot);
    }
  }

  private async send(
    officer: Officer,
    m: Outgoing,
    extra: { openCase?: string[] | undefined; answered?: InboxRow; revises?: { original: SentRow; reason?: WithdrawalReason }; idem?: Idempotency | undefined },
  ): Promise<Submitted> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const id = uuidv7(now.getTime());
    if (m.expiresAt !== undefined) {
      // Bound it here, as every receiver will: a 202 for a notice that is certain to be rejected
      // (already expired, or living longer than receivers accept) would only look like a delivery.
      const t = Date.parse(m.expiresAt);
      if (!(t > now.getTime()) || t - now.getTime() > ctx.settings.maxLifetimeMs) {
        throw new MxError('VALIDATION_FAILED', 'expiresAt is outside the accepted lifetime', {
          issues: [issue('/expiresAt', 'lifetime', `must be in the future and at most ${Math.floor(ctx.settings.maxLifetimeMs / 86_400_000)} days ahead`)],
        });
      }
    }
    const expiresAt = m.expiresAt ?? new Date(now.getTime() + ctx.settings.noticeLifetimeMs).toISOString();
    const binding = { id, from: ctx.endpoint, type: m.type, schema: bodySchemaId(m.type) };
    // Encrypt, then sign: the signature covers the ciphertext, whose header binds it to this envelope.
    const content = requiresEncryption(m.type) ? { encryptedBody: await encryptBody(m.body, binding, this.recipientKeys(m.to, now), timerOf(ctx)) } : { body: m.body };
    const document = {
      id,
      type: m.type,
      schema: binding.schema,
      from: ctx.endpoint,
      to: m.to,
      issuedAt: now.toISOString(),
      expiresAt,
      ...(m.caseRef !== undefined ? { caseRef: m.caseRef } : {}),
      ...(m.inReplyTo !== undefined ? { inReplyTo: m.inReplyTo } : {}),
      ...(m.supersedes !== undefined ? { supersedes: m.supersedes } : {}),
      sender: { officer: officer.pseudonym, agency: officer.agency },
      ...content,
    };
    const issues = ctx.schemas.validateDocument(document);
    if (issues.length > 0) throw new MxError('VALIDATION_FAILED', 'the notice does not satisfy the envelope schema', { issues });
    const record = await signNotice(document, ctx.live.current.keys.current(now), { maxBytes: ctx.settings.maxRecordBytes, ...timerOf(ctx) });
    const digest = digestOf(record);
    const key = m.key ?? recordKey(document);
    const answer: Submitted = { id, digest, status: 'queued', ...(m.caseRef !== undefined ? { caseRef: m.caseRef } : {}) };
    // Its own savepoint of a group commit shared with the submissions that arrived with it.
    await ctx.submissions.commit((w) => {
      if (extra.revises) {
        // Checked again in the commit: of two requests racing past the first check, one wins.
        const { original, reason } = extra.revises;
        if (!ctx.store.markSentRevised(original.id, reason !== undefined ? { withdrawnBy: id, reason, at: now.getTime() } : { supersededBy: id })) this.refuseRevised(ctx.store.sent(original.id)!);
        const status = reason !== undefined ? 'withdrawn' : 'corrected';
        for (const r of m.to) recordEvent(ctx.store, { kind: 'lifecycle', messageId: original.id, type: original.type, counterpart: r, caseRef: original.case_ref, status, at: now.getTime() });
        w.audit({ action: status, messageId: original.id, messageType: original.type, officer: officer.pseudonym, relatedMessageId: id, ...(reason !== undefined ? { withdrawalReason: reason } : {}) }, now);
      }
      ctx.store.insertSent(
        {
          id,
          type: m.type,
          to_json: JSON.stringify(m.to),
          case_ref: m.caseRef ?? null,
          in_reply_to: m.inReplyTo ?? null,
          issued_at: document.issuedAt,
          expires_at: expiresAt,
          digest,
          record: Buffer.from(record),
          officer: officer.pseudonym,
          created_at: now.getTime(),
          ...travelColumns(m.type, m.body),
          supersedes: m.supersedes ?? null,
          withdrawal_reason: extra.revises?.reason ?? null,
        },
        m.to,
      );
      for (const r of m.to) {
        w.send({ topic: ctx.topics.inbox(r), key, value: record, kind: 'notice', ref: id, recipient: r, headers: { 'mx-id': id, 'mx-type': m.type, 'mx-from': ctx.endpoint, [TRACEPARENT_HEADER]: outgoingTraceparent() } });
      }
      if (extra.openCase && m.caseRef) ctx.store.openCase(m.caseRef, extra.openCase, ctx.endpoint, id);
      const facts = statisticalFacts({ from: ctx.endpoint, id, direction: 'sent', type: m.type, issuedAt: document.issuedAt, inReplyTo: m.inReplyTo }, m.body);
      if (facts) ctx.store.insertNoticeFacts(facts);
      for (const r of m.to) w.audit({ action: 'submitted', messageId: id, messageType: m.type, messageDigest: digest, officer: officer.pseudonym, counterpart: r }, now);
      if (extra.answered) {
        ctx.store.addInboxResponse(extra.answered.from_ep, extra.answered.id, id);
        w.audit({ action: 'responded', messageId: extra.answered.id, messageType: extra.answered.type, counterpart: extra.answered.from_ep, officer: officer.pseudonym }, now);
      }
      if (extra.idem) {
        ctx.store.rememberIdempotent(officer.pseudonym, extra.idem.key, extra.idem.fingerprint, id, JSON.stringify(answer), now.getTime(), now.getTime() - ctx.settings.idempotencyRetentionMs);
      }
    });
    return answer;
  }

  /** Each recipient's newest active encryption key; a recipient without one cannot be sent to. */
  private recipientKeys(to: readonly string[], now: Date): { endpoint: string; kid: string; key: CryptoKey }[] {
    const { trust } = this.ctx.live.current;
    return to.map((endpoint) => {
      const k = trust.currentEncryptionKey(endpoint, now);
      if (k === undefined) {
        throw new MxError('UNKNOWN_ENDPOINT', `${endpoint} has no active encryption key in the trust registry`, { issues: [issue('/to', 'encryptionKey', 'every recipient needs an active encryption key')] });
      }
      return { endpoint, kid: k.kid, key: k.key };
    });
  }

  /** Called after each escalation is committed (e.g. to push it to the desks). */
  onEscalation(listener: (e: Escalation) => void): void {
    this.escalationListeners.push(listener);
  }

  /**
   * Escalates every offender alert unanswered `alertEscalateMs` before arrival: the ones we sent
   * (per recipient) and the ones we received (so our desk sees it). Each is recorded once, with
   * one `escalated` audit event. Run periodically and before lifecycle and inbox reads.
   */
  escalateDue(): Escalation[] {
    const { ctx } = this;
    const now = ctx.clock.now();
    const at = now.getTime();
    const esc = ctx.settings.alertEscalateMs;
    const window = (r: { arrival_at: number; departure_at: number | null }): TravelWindow => ({ arrivalAt: r.arrival_at, departureAt: r.departure_at });
    const done: Escalation[] = [];
    const sent = ctx.store.sentEscalationCandidates(at, esc).filter((r) => escalationDue(window(r), at, esc, { answered: false, escalated: false }));
    const received = ctx.store.inboxEscalationCandidates(at, esc).filter((r) => escalationDue(window(r), at, esc, { answered: false, escalated: false }));
    if (sent.length === 0 && received.length === 0) return done;
    ctx.uow.commit((w) => {
      for (const r of sent) {
        if (!ctx.store.markRecipientEscalated(r.message_id, r.endpoint, at)) continue;
        w.audit({ action: 'escalated', messageId: r.message_id, messageType: r.type, counterpart: r.endpoint }, now);
        recordEvent(ctx.store, { kind: 'escalation', messageId: r.message_id, type: r.type, counterpart: r.endpoint, caseRef: null, status: 'escalated', at });
        done.push({ direction: 'sent', messageId: r.message_id, counterpart: r.endpoint, at: now });
      }
      for (const r of received) {
        if (!ctx.store.markInboxEscalated(r.from_ep, r.id, at)) continue;
        w.audit({ action: 'escalated', messageId: r.id, messageType: r.type, counterpart: r.from_ep }, now);
        recordEvent(ctx.store, { kind: 'escalation', messageId: r.id, type: r.type, counterpart: r.from_ep, caseRef: null, status: 'escalated', at });
        done.push({ direction: 'received', messageId: r.id, counterpart: r.from_ep, at: now });
      }
    });
    for (const e of done) {
      for (const l of this.escalationListeners) {
        try {
          l(e);
        } catch {
          // A listener's failure must not undo or repeat an escalation already committed.
        }
      }
    }
    return done;
  }

  /** An officer's request was refused: audited with the reason, nothing else kept. */
  recordRejected(officer: Officer, reasonCode: string): void {
    this.ctx.uow.commit((w) => w.audit({ action: 'rejected', officer: officer.pseudonym, outcome: 'rejected', reasonCode }, this.ctx.clock.now()));
  }

  /** Called by the outbox relay, inside its transaction, when rows were acknowledged by the broker. */
  onPublished(rows: { kind: string; ref: string | null; recipient: string | null }[], nowMs: number): void {
    const { ctx } = this;
    ctx.uow.commit((w) => {
      for (const r of rows) {
        if (r.kind !== 'notice' || r.ref === null || r.recipient === null) continue;
        const before = ctx.store.recipient(r.ref, r.recipient);
        if (!before || before.published_at !== null) continue;
        ctx.store.markPublished(r.ref, r.recipient, nowMs);
        const sent = ctx.store.sent(r.ref);
        w.audit({ action: 'published', messageId: r.ref, ...(sent ? { messageType: sent.type, messageDigest: sent.digest } : {}), counterpart: r.recipient }, new Date(nowMs));
      }
    });
  }

  /**
   * GET /v1/inbox/{id} by an officer: every access to a message's content is an audit event (who
   * looked at a child's data is the first thing a data-protection auditor asks). The first is
   * `read` and sends the sender a signed read receipt; later ones are `accessed`.
   */
  async recordAccess(item: InboxRow, officer: Officer): Promise<void> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const fact = { messageId: item.id, messageType: item.type, messageDigest: item.digest, counterpart: item.from_ep, officer: officer.pseudonym };
    const receipt = item.read_at === null ? await signReceipt(ctx, item.from_ep, { id: item.id, digest: item.digest, caseRef: item.case_ref }, 'read', undefined, now) : undefined;
    ctx.uow.commit((w) => {
      const first = receipt !== undefined && ctx.store.markInboxRead(item.from_ep, item.id, now.getTime());
      if (first) queueReceipt(ctx, w, item.from_ep, receipt, recordKey({ caseRef: item.case_ref ?? undefined, inReplyTo: item.in_reply_to ?? undefined, id: item.id }), item.id);
      w.audit({ action: first ? 'read' : 'accessed', ...fact }, now);
    });
  }
}
