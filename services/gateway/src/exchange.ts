/**
 * What a gateway does with messages: sends what officers submit, receives what arrives on its
 * inbox topic, and keeps each message's lifecycle. Every state change, the records it causes and
 * its audit events are written in one SQLite transaction; the outbox relay publishes afterwards.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AuditEmitter, type AuditFact } from '../../core/src/audit/emitter.ts';
import { digestOf } from '../../core/src/envelope/digest.ts';
import { signNotice } from '../../core/src/envelope/sign.ts';
import { TYP_BY_CLASS } from '../../core/src/envelope/typ.ts';
import { verifyNotice, type VerifiedNotice } from '../../core/src/envelope/verify.ts';
import { MxError } from '../../core/src/errors/mx-error.ts';
import { uuidv7 } from '../../core/src/ids/uuidv7.ts';
import type { IncomingRecord, TopicNames } from '../../core/src/kafka/transport.ts';
import type { Outbox } from '../../core/src/outbox/outbox.ts';
import { bodySchemaId, type MessageType, type SchemaRegistry } from '../../core/src/schemas/registry.ts';
import type { Db } from '../../core/src/store/sqlite.ts';
import type { SigningKeyRing } from '../../core/src/trust/signer.ts';
import type { TrustRegistry } from '../../core/src/trust/trust-registry.ts';
import type { Officer } from '../../core/src/idp/officer-auth.ts';
import { RESPONSE_OF, VICTIM_TYPES, type RoutingPolicy } from './policy.ts';
import type { GatewayStore, InboxRow } from './store.ts';

export interface ExchangeSettings {
  /** Lifetime of a submitted notice when the officer gives no `expiresAt`. */
  noticeLifetimeMs: number;
  /** Lifetime of receipts. */
  receiptLifetimeMs: number;
  clockSkewMs: number;
  maxAgeMs: number;
  maxLifetimeMs: number;
  maxRecordBytes: number;
  /** Test hook: SIGKILL the process at this point, to prove crash safety. */
  crashAt?: 'after-store-commit' | undefined;
}

export interface ExchangeDeps {
  endpoint: string;
  agency: string;
  /** The gateway's own pseudonym, the `sender.officer` of what it sends by itself (receipts). */
  gatewayPseudonym: string;
  db: Db;
  store: GatewayStore;
  outbox: Outbox;
  audit: AuditEmitter;
  schemas: SchemaRegistry;
  trust: TrustRegistry;
  keys: SigningKeyRing;
  policy: RoutingPolicy;
  topics: TopicNames;
  logger: Logger;
  settings: ExchangeSettings;
}

/** What an officer submits: POST /v1/notices. */
export interface NoticeRequest {
  type: string;
  to: string[];
  caseRef?: string;
  expiresAt?: string;
  body: Record<string, unknown>;
}

/** The types an officer may originate (responses go through the inbox) and who may. */
const ORIGINATING: Partial<Record<MessageType, readonly string[]>> = {
  'victim-repatriation-notice': ['liaison-officer'],
  'offender-travel-alert': ['liaison-officer', 'interpol-desk'],
};
const RESPONDING: Partial<Record<MessageType, readonly string[]>> = {
  'repatriation-status-update': ['liaison-officer'],
  'offender-alert-response': ['liaison-officer', 'interpol-desk'],
};

function hasRole(officer: Officer, allowed: readonly string[] | undefined): boolean {
  return allowed !== undefined && allowed.some((r) => officer.roles.has(r as never));
}

function issue(path: string, code: string, message: string) {
  return { path, code, message };
}

export interface Submitted {
  id: string;
  digest: string;
  status: 'queued';
}

export class Exchange {
  constructor(private readonly d: ExchangeDeps) {}

  /** The record key: a case stays ordered in its partition; other threads by their first message. */
  private recordKey(doc: { caseRef?: string | undefined; inReplyTo?: string | undefined; id: string }): string {
    return doc.caseRef ?? doc.inReplyTo ?? doc.id;
  }

  private validateBody(type: MessageType, body: unknown): void {
    const issues = this.d.schemas.validate(bodySchemaId(type), body).map((i) => ({ ...i, path: `/body${i.path}` }));
    if (issues.length > 0) throw new MxError('VALIDATION_FAILED', 'the body does not satisfy the schema of its type', { issues });
  }

  private routeCheck(type: MessageType, to: readonly string[]): void {
    for (const r of to) {
      if (!this.d.policy.allows(type, this.d.endpoint, r)) throw new MxError('ROUTE_FORBIDDEN', `the routing policy does not allow a ${type} from ${this.d.endpoint} to ${r}`);
    }
  }

  /** POST /v1/notices: validate, authorize, sign, and queue in the outbox. */
  async submit(officer: Officer, req: NoticeRequest): Promise<Submitted> {
    const type = req.type as MessageType;
    if (!Object.prototype.hasOwnProperty.call(ORIGINATING, type)) {
      throw new MxError('VALIDATION_FAILED', 'this type is sent as a response to a received message', {
        issues: [issue('/type', 'enum', 'must be victim-repatriation-notice or offender-travel-alert; answer with POST /v1/inbox/{id}/responses')],
      });
    }
    if (!hasRole(officer, ORIGINATING[type])) throw new MxError('FORBIDDEN', `the caller's role may not send a ${type}`);
    this.validateBody(type, req.body);
    const to = [...new Set(req.to)];
    if (to.includes(this.d.endpoint)) throw new MxError('VALIDATION_FAILED', 'a gateway does not send to itself', { issues: [issue('/to', 'notSelf', 'must not name this endpoint')] });
    this.routeCheck(type, to);
    let openCase: string[] | undefined;
    if (req.caseRef !== undefined) {
      const parties = this.d.store.caseParties(req.caseRef);
      if (parties) {
        if (!parties.includes(this.d.endpoint) || to.some((r) => !parties.includes(r))) throw new MxError('NOT_A_PARTY', 'the recipients must be parties to the case');
      } else if (VICTIM_TYPES.includes(type)) {
        if (!req.caseRef.startsWith(`${this.d.endpoint}-`)) {
          throw new MxError('VALIDATION_FAILED', 'a new case is opened under this endpoint\'s prefix', { issues: [issue('/caseRef', 'caseRefPrefix', `must start with ${this.d.endpoint}-`)] });
        }
        openCase = [this.d.endpoint, ...to];
      }
    }
    return this.send(officer, { type, to, caseRef: req.caseRef, expiresAt: req.expiresAt, body: req.body }, { openCase });
  }

  /** POST /v1/inbox/{id}/responses: answer a received message, to its sender only. */
  async respond(officer: Officer, item: InboxRow, req: { type: string; body: Record<string, unknown>; expiresAt?: string | undefined }): Promise<Submitted> {
    const type = req.type as MessageType;
    if (RESPONSE_OF[type] === undefined || RESPONSE_OF[type] !== item.type) {
      throw new MxError('VALIDATION_FAILED', `a ${item.type} is not answered with a ${req.type}`, { issues: [issue('/type', 'responseType', 'does not answer the type of the original')] });
    }
    if (!hasRole(officer, RESPONDING[type])) throw new MxError('FORBIDDEN', `the caller's role may not send a ${type}`);
    this.validateBody(type, req.body);
    const to = [item.from_ep];
    this.routeCheck(type, to);
    return this.send(officer, { type, to, caseRef: item.case_ref ?? undefined, inReplyTo: item.id, expiresAt: req.expiresAt, body: req.body }, { answered: item });
  }

  private async send(
    officer: Officer,
    m: { type: MessageType; to: string[]; caseRef?: string | undefined; inReplyTo?: string; expiresAt?: string | undefined; body: Record<string, unknown> },
    extra: { openCase?: string[] | undefined; answered?: InboxRow },
  ): Promise<Submitted> {
    const now = new Date();
    const id = uuidv7(now.getTime());
    if (m.expiresAt !== undefined) {
      // Bound it here, as every receiver will: a 202 for a notice that is certain to be rejected
      // (already expired, or living longer than receivers accept) would only look like a delivery.
      const t = Date.parse(m.expiresAt);
      if (!(t > now.getTime()) || t - now.getTime() > this.d.settings.maxLifetimeMs) {
        throw new MxError('VALIDATION_FAILED', 'expiresAt is outside the accepted lifetime', {
          issues: [issue('/expiresAt', 'lifetime', `must be in the future and at most ${Math.floor(this.d.settings.maxLifetimeMs / 86_400_000)} days ahead`)],
        });
      }
    }
    const expiresAt = m.expiresAt ?? new Date(now.getTime() + this.d.settings.noticeLifetimeMs).toISOString();
    const document = {
      id,
      type: m.type,
      schema: bodySchemaId(m.type),
      from: this.d.endpoint,
      to: m.to,
      issuedAt: now.toISOString(),
      expiresAt,
      ...(m.caseRef !== undefined ? { caseRef: m.caseRef } : {}),
      ...(m.inReplyTo !== undefined ? { inReplyTo: m.inReplyTo } : {}),
      sender: { officer: officer.pseudonym, agency: officer.agency },
      body: m.body,
    };
    const issues = this.d.schemas.validateDocument(document);
    if (issues.length > 0) throw new MxError('VALIDATION_FAILED', 'the notice does not satisfy the envelope schema', { issues });
    const record = await signNotice(document, this.d.keys.current(now), { maxBytes: this.d.settings.maxRecordBytes });
    const digest = digestOf(record);
    const key = this.recordKey(document);
    this.d.db.transaction(() => {
      this.d.store.insertSent(
        { id, type: m.type, to_json: JSON.stringify(m.to), case_ref: m.caseRef ?? null, in_reply_to: m.inReplyTo ?? null, issued_at: document.issuedAt, expires_at: expiresAt, digest, record: Buffer.from(record), officer: officer.pseudonym, created_at: now.getTime() },
        m.to,
      );
      for (const r of m.to) {
        this.d.outbox.add({ topic: this.d.topics.inbox(r), key, value: record, kind: 'notice', ref: id, recipient: r, headers: { 'mx-id': id, 'mx-type': m.type, 'mx-from': this.d.endpoint } });
      }
      if (extra.openCase && m.caseRef) this.d.store.openCase(m.caseRef, extra.openCase, this.d.endpoint, id);
      const fact: AuditFact = { action: 'submitted', messageId: id, messageType: m.type, messageDigest: digest, officer: officer.pseudonym };
      for (const r of m.to) this.d.audit.record({ ...fact, counterpart: r }, now);
      if (extra.answered) {
        this.d.store.addInboxResponse(extra.answered.from_ep, extra.answered.id, id);
        this.d.audit.record({ action: 'responded', messageId: extra.answered.id, messageType: extra.answered.type, counterpart: extra.answered.from_ep, officer: officer.pseudonym }, now);
      }
    })();
    this.d.outbox.wake();
    void this.d.audit.flush();
    return { id, digest, status: 'queued' };
  }

  /** An officer's submission was refused (validation, role, routing): audited with the reason, nothing else kept. */
  recordRejected(officer: Officer, reasonCode: string): void {
    this.d.db.transaction(() => this.d.audit.record({ action: 'rejected', officer: officer.pseudonym, outcome: 'rejected', reasonCode }))();
    void this.d.audit.flush();
  }

  /** Called by the outbox relay, inside its transaction, when rows were acknowledged by the broker. */
  onPublished(rows: { kind: string; ref: string | null; recipient: string | null }[], now: number): void {
    for (const r of rows) {
      if (r.kind !== 'notice' || r.ref === null || r.recipient === null) continue;
      const before = this.d.store.recipient(r.ref, r.recipient);
      if (!before || before.published_at !== null) continue;
      this.d.store.markPublished(r.ref, r.recipient, now);
      const sent = this.d.store.sent(r.ref);
      this.d.audit.record({ action: 'published', messageId: r.ref, ...(sent ? { messageType: sent.type, messageDigest: sent.digest } : {}), counterpart: r.recipient }, new Date(now));
    }
    void this.d.audit.flush();
  }

  /** GET /v1/inbox/{id} by an officer: the first read is recorded and a signed read receipt goes back. */
  async markRead(item: InboxRow, officer: Officer): Promise<void> {
    if (item.read_at !== null) return;
    const now = new Date();
    const receipt = await this.signReceipt(item.from_ep, { id: item.id, digest: item.digest, caseRef: item.case_ref }, 'read', undefined, now);
    let first = false;
    this.d.db.transaction(() => {
      first = this.d.store.markInboxRead(item.from_ep, item.id, now.getTime());
      if (!first) return;
      this.queueReceipt(item.from_ep, receipt, item.case_ref ?? item.in_reply_to ?? item.id, item.id);
      this.d.audit.record({ action: 'read', messageId: item.id, messageType: item.type, messageDigest: item.digest, counterpart: item.from_ep, officer: officer.pseudonym }, now);
    })();
    if (first) {
      this.d.outbox.wake();
      void this.d.audit.flush();
    }
  }

  private async signReceipt(
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
      from: this.d.endpoint,
      to: [to],
      issuedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.d.settings.receiptLifetimeMs).toISOString(),
      ...(of.caseRef ? { caseRef: of.caseRef } : {}),
      sender: { officer: this.d.gatewayPseudonym, agency: this.d.agency },
      body: { messageId: of.id, messageDigest: of.digest, outcome, ...(reasonCode ? { reasonCode } : {}), receivedAt: now.toISOString() },
    };
    return signNotice(document, this.d.keys.current(now));
  }

  private queueReceipt(to: string, receipt: Uint8Array, key: string, messageId: string): void {
    this.d.outbox.add({ topic: this.d.topics.inbox(to), key, value: receipt, kind: 'receipt', ref: messageId, recipient: to, headers: { 'mx-type': 'delivery-receipt', 'mx-from': this.d.endpoint } });
  }

  /**
   * Handles one record from the own inbox topic. Never throws for bad input: what fails
   * verification or policy is quarantined. Throws only when the store itself fails, so the offset
   * is not committed and the record comes again.
   */
  async receive(rec: IncomingRecord): Promise<'stored' | 'duplicate' | 'receipt' | 'quarantined'> {
    const digest = digestOf(rec.value);
    // The exact bytes were verified and stored before: answer with the stored receipt, nothing more.
    const dup = this.d.store.inboxByDigest(digest);
    if (dup) {
      this.d.db.transaction(() => this.queueReceipt(dup.from_ep, dup.receipt, dup.case_ref ?? dup.in_reply_to ?? dup.id, dup.id))();
      this.d.outbox.wake();
      return 'duplicate';
    }
    if (this.d.store.hasReceiptDigest(digest)) return 'duplicate';

    let verified: VerifiedNotice<ReceivedDocument>;
    try {
      verified = await verifyNotice<ReceivedDocument>(rec.value, this.d.trust, this.d.schemas, {
        typ: [TYP_BY_CLASS.notice, TYP_BY_CLASS.receipt],
        clockSkewMs: this.d.settings.clockSkewMs,
        maxAgeMs: this.d.settings.maxAgeMs,
        maxLifetimeMs: this.d.settings.maxLifetimeMs,
        maxBytes: this.d.settings.maxRecordBytes,
        policy: ({ document }) => this.admit(document),
      });
    } catch (err) {
      if (!(err instanceof MxError)) throw err;
      await this.quarantine(rec, digest, err);
      return 'quarantined';
    }
    const doc = verified.document;
    if (doc.type === 'delivery-receipt') {
      this.acceptReceipt(doc, digest);
      return 'receipt';
    }
    const now = new Date();
    const receipt = await this.signReceipt(doc.from, { id: doc.id, digest, caseRef: doc.caseRef ?? null }, 'accepted', undefined, now);
    this.d.db.transaction(() => {
      this.d.store.insertInbox({
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
      if (doc.type === 'victim-repatriation-notice' && doc.caseRef && !this.d.store.caseParties(doc.caseRef)) {
        this.d.store.openCase(doc.caseRef, [doc.from, ...doc.to], doc.from, doc.id);
      }
      if (doc.inReplyTo) this.d.store.addRecipientResponse(doc.inReplyTo, doc.from, doc.id);
      this.queueReceipt(doc.from, receipt, doc.caseRef ?? doc.inReplyTo ?? doc.id, doc.id);
      this.d.audit.record({ action: 'delivered', messageId: doc.id, messageType: doc.type, messageDigest: digest, counterpart: doc.from, outcome: 'accepted' }, now);
    })();
    if (this.d.settings.crashAt === 'after-store-commit') process.kill(process.pid, 'SIGKILL');
    this.d.outbox.wake();
    void this.d.audit.flush();
    return 'stored';
  }

  /**
   * The receiver's routing rules, run by verifyNotice once the signature, sender and issue time
   * have checked out. Throws the code the record is quarantined with.
   */
  private admit(doc: ReceivedDocument): void {
    const me = this.d.endpoint;
    if (!doc.to.includes(me)) throw new MxError('NOT_ADDRESSED', `this endpoint (${me}) is not in to`);
    if (!this.d.policy.allows(doc.type, doc.from, me)) throw new MxError('ROUTE_FORBIDDEN', `a ${doc.type} from ${doc.from} to ${me} is not allowed`);
    if (doc.type === 'delivery-receipt') {
      const seen = this.d.store.seenReceipt(doc.from, doc.id);
      if (seen) throw new MxError('ID_CONFLICT', 'another receipt already uses this id');
      const body = doc.body as { messageId: string; messageDigest: string };
      if (!this.d.store.recipient(body.messageId, doc.from)) throw new MxError('NOT_A_PARTY', 'a receipt for a message this endpoint did not send to its sender');
      // A receipt speaks for the exact bytes it names. One about other bytes under our id (a record
      // someone else signed with this endpoint's key, rejected as ID_CONFLICT) says nothing about
      // the message this endpoint sent, which must not be shown as rejected (nor as delivered).
      if (this.d.store.sent(body.messageId)?.digest !== body.messageDigest) throw new MxError('ID_CONFLICT', 'a receipt for other bytes under the id of a message this endpoint sent');
      return;
    }
    if (this.d.store.inboxByKey(doc.from, doc.id)) throw new MxError('ID_CONFLICT', 'another record already uses this (from, id)');
    const answers = RESPONSE_OF[doc.type as MessageType];
    if (answers !== undefined) {
      const original = doc.inReplyTo ? this.d.store.sent(doc.inReplyTo) : undefined;
      if (!original || original.type !== answers) throw new MxError('NOT_A_PARTY', 'a response to a message this endpoint did not send');
      if (!(JSON.parse(original.to_json) as string[]).includes(doc.from)) throw new MxError('NOT_A_PARTY', 'a response from an endpoint that did not receive the original');
      if (doc.to.length !== 1) throw new MxError('NOT_A_PARTY', 'a response goes to the original sender only');
      if ((original.case_ref ?? undefined) !== doc.caseRef) throw new MxError('NOT_A_PARTY', 'a response outside the case of the original');
    }
    if (doc.caseRef) {
      // A case's later messages, of any type, go only between its parties (the sending gateway
      // checks the same, but can only know the cases it is party to).
      const parties = this.d.store.caseParties(doc.caseRef);
      if (parties && (!parties.includes(doc.from) || doc.to.some((r) => !parties.includes(r)))) throw new MxError('NOT_A_PARTY', 'sender or recipients are not parties to the case');
      // A case is opened under its opener's own prefix, or anyone could take another's reference
      // first and lock the real opener out of it.
      if (!parties && doc.type === 'victim-repatriation-notice' && !doc.caseRef.startsWith(`${doc.from}-`)) throw new MxError('NOT_A_PARTY', 'a case is opened only by the endpoint its reference names');
    }
  }

  private acceptReceipt(doc: ReceivedDocument, digest: string): void {
    const body = doc.body as { messageId: string; outcome: 'accepted' | 'rejected' | 'read'; reasonCode?: string };
    const now = Date.now();
    this.d.db.transaction(() => {
      this.d.store.insertReceiptSeen(doc.from, doc.id, digest);
      if (body.outcome === 'read') this.d.store.markRecipientRead(body.messageId, doc.from, now);
      else this.d.store.markDelivered(body.messageId, doc.from, now, digest, body.outcome === 'rejected' ? (body.reasonCode ?? 'REJECTED') : null);
      const sent = this.d.store.sent(body.messageId);
      this.d.audit.record(
        {
          action: 'receipt-received',
          messageId: body.messageId,
          ...(sent ? { messageType: sent.type } : {}),
          messageDigest: digest,
          counterpart: doc.from,
          outcome: body.outcome,
          ...(body.reasonCode ? { reasonCode: body.reasonCode } : {}),
        },
        new Date(now),
      );
    })();
    void this.d.audit.flush();
  }

  /**
   * Quarantines a record whose handling failed for a reason other than an outage (the inbox
   * consumer calls this, then commits the offset). An MxError keeps its code; anything else is
   * `INTERNAL`, logged at error level with an `instance` id and where the record is, never its
   * content (nor the error's message, which may quote it).
   */
  async quarantineRecord(rec: IncomingRecord, err: unknown): Promise<void> {
    let reason: MxError;
    if (err instanceof MxError) reason = err;
    else {
      const instance = `urn:uuid:${randomUUID()}`;
      const type = err instanceof Error ? err.name : typeof err;
      const frames = err instanceof Error ? (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).join('\n') : undefined;
      this.d.logger.error({ instance, errorType: type, stack: frames, topic: rec.topic, partition: rec.partition, offset: rec.offset }, 'unexpected error handling a record; quarantined as INTERNAL');
      reason = new MxError('INTERNAL', `unexpected error handling the record (${instance})`);
    }
    await this.quarantine(rec, digestOf(rec.value), reason);
  }

  /**
   * Quarantine: a dead-letter entry (metadata only: where the record is, its digest, the reason;
   * never the body), an audit event, and a signed rejection receipt only to a sender whose
   * signature verified. Receipts are never answered with receipts.
   */
  private async quarantine(rec: IncomingRecord, digest: string, err: MxError): Promise<void> {
    const now = new Date();
    const sender = err.verifiedSender;
    let rejection: { receipt: Uint8Array; messageId: string; caseRef: string | null } | undefined;
    if (sender !== undefined) {
      // The signature verified, so the payload is the sender's own: its id and typ can be read.
      const facts = signedFacts(rec.value);
      if (facts && facts.typ === TYP_BY_CLASS.notice && facts.id) {
        const receipt = await this.signReceipt(sender, { id: facts.id, digest, caseRef: facts.caseRef }, 'rejected', err.code, now).catch(() => undefined);
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
    let inserted = false;
    this.d.db.transaction(() => {
      inserted = this.d.store.insertDeadLetter({ topic: rec.topic, partition: rec.partition, offset: rec.offset, digest, reason_code: err.code, from_ep: sender ?? null, message_id: rejection?.messageId ?? null, at: now.getTime() });
      if (!inserted) return; // this very offset was quarantined before a crash: nothing new to say
      this.d.outbox.add({ topic: this.d.topics.dlq(this.d.endpoint), key: digest, value: Buffer.from(JSON.stringify(dead)), kind: 'dlq', ref: digest, headers: { 'mx-reason': err.code } });
      if (rejection && sender) this.queueReceipt(sender, rejection.receipt, rejection.caseRef ?? rejection.messageId, rejection.messageId);
      this.d.audit.record({ action: 'dead-lettered', messageDigest: digest, reasonCode: err.code, ...(sender !== undefined ? { counterpart: sender } : {}), ...(rejection ? { messageId: rejection.messageId } : {}), outcome: 'rejected' }, now);
    })();
    this.d.logger.warn({ topic: rec.topic, partition: rec.partition, offset: rec.offset, digest, reasonCode: err.code }, 'record quarantined');
    if (inserted) {
      this.d.outbox.wake();
      void this.d.audit.flush();
    }
  }
}

/** The fields of a verified document the gateway reads. */
export interface ReceivedDocument {
  id: string;
  type: MessageType;
  from: string;
  to: string[];
  issuedAt: string;
  expiresAt: string;
  caseRef?: string;
  inReplyTo?: string;
  body?: Record<string, unknown>;
}

/** The id, case and typ of a record whose signature has verified (for a rejection receipt). */
function signedFacts(bytes: Buffer): { id: string | undefined; caseRef: string | null; typ: unknown } | undefined {
  try {
    const jws = JSON.parse(bytes.toString('utf8')) as { protected: string; payload: string };
    const header = JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8')) as { typ?: unknown };
    const doc = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as { id?: unknown; caseRef?: unknown };
    const id = typeof doc.id === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(doc.id) ? doc.id : undefined;
    const caseRef = typeof doc.caseRef === 'string' && /^(?:[A-Z]{2}|INTERPOL)-[0-9]{4}-[0-9]{6}$/.test(doc.caseRef) ? doc.caseRef : null;
    return { id, caseRef, typ: header.typ };
  } catch {
    return undefined;
  }
}
