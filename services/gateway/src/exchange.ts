/**
 * What a gateway does with messages, assembled from its parts: {@link Sending} (what officers
 * submit, answer and open), {@link Receiving} (what arrives on the inbox topic, admitted by the
 * pure rules in rules.ts) and {@link Quarantine} (what cannot be accepted). All of them change
 * state through the one {@link UnitOfWork.commit}.
 */
import type { AuditEmitter } from '../../core/src/audit/emitter.ts';
import { systemClock, type Clock } from '../../core/src/clock/clock.ts';
import type { Officer } from '../../core/src/idp/officer-auth.ts';
import type { IncomingRecord } from '../../core/src/kafka/transport.ts';
import type { Outbox } from '../../core/src/outbox/outbox.ts';
import type { Db } from '../../core/src/store/sqlite.ts';
import { decryptBody } from '../../core/src/envelope/decrypt.ts';
import type { EncryptedBody } from '../../core/src/schemas/types.generated.ts';
import { timerOf, type GatewayContext } from './context.ts';
import { Quarantine } from './quarantine.ts';
import { Receiving, type ReceiveOutcome, type ReexaminationReport } from './receiving.ts';
import { Sending, type CorrectRequest, type Escalation, type Idempotency, type NoticeRequest, type Submitted, type WithdrawRequest } from './sending.ts';
import type { InboxRow } from './store.ts';
import { GroupCommit, type GroupCommitCounts } from './group-commit.ts';
import { UnitOfWork } from './unit-of-work.ts';

export type { ExchangeSettings } from './context.ts';
export type { CorrectRequest, Escalation, Idempotency, NoticeRequest, Submitted, WithdrawRequest } from './sending.ts';

/** What an exchange is built from: the shared context, less what the exchange makes itself. */
export interface ExchangeDeps extends Omit<GatewayContext, 'uow' | 'submissions' | 'clock'> {
  db: Db;
  outbox: Outbox;
  audit: AuditEmitter;
  /** Default: the system clock. */
  clock?: Clock;
}

export class Exchange {
  readonly sending: Sending;
  readonly receiving: Receiving;
  readonly quarantine: Quarantine;
  private readonly ctx: GatewayContext;

  constructor(d: ExchangeDeps) {
    const { db, outbox, audit, clock, ...shared } = d;
    const uow = new UnitOfWork(db, outbox, audit);
    const ctx: GatewayContext = { ...shared, uow, submissions: new GroupCommit(uow, { observe: shared.metrics?.submissionGroup }), clock: clock ?? systemClock };
    this.ctx = ctx;
    this.sending = new Sending(ctx);
    this.quarantine = new Quarantine(ctx);
    this.receiving = new Receiving(ctx, this.quarantine);
  }

  submit(officer: Officer, req: NoticeRequest, idem?: Idempotency): Promise<Submitted> {
    return this.sending.submit(officer, req, idem);
  }

  respond(officer: Officer, item: InboxRow, req: { type: string; body: Record<string, unknown>; expiresAt?: string | undefined }, idem?: Idempotency): Promise<Submitted> {
    return this.sending.respond(officer, item, req, idem);
  }

  withdraw(officer: Officer, id: string, req: WithdrawRequest, idem?: Idempotency): Promise<Submitted> {
    return this.sending.withdraw(officer, id, req, idem);
  }

  correct(officer: Officer, id: string, req: CorrectRequest, idem?: Idempotency): Promise<Submitted> {
    return this.sending.correct(officer, id, req, idem);
  }

  recordAccess(item: InboxRow, officer: Officer): Promise<void> {
    return this.sending.recordAccess(item, officer);
  }

  /**
   * The document of a stored inbox record as an officer reads it: an `encryptedBody` is decrypted
   * here, on read, so the store keeps only the signed ciphertext (the plaintext is never at rest).
   * That is why the gateway keeps retired private keys until what was encrypted to them expires.
   */
  async openDocument<D extends { id: string; from: string; type: string; schema: string; issuedAt: string; encryptedBody?: EncryptedBody; body?: unknown }>(document: D): Promise<D> {
    if (document.encryptedBody === undefined) return document;
    const { encryptedBody, ...rest } = document;
    const body = await decryptBody(encryptedBody, document, this.ctx.live.current.decryptionKeys, timerOf(this.ctx));
    // Same document, the body in clear in place of the ciphertext (the API's InboxItem shape).
    return { ...rest, body } as unknown as D;
  }

  recordRejected(officer: Officer, reasonCode: string): void {
    this.sending.recordRejected(officer, reasonCode);
  }

  onPublished(rows: { kind: string; ref: string | null; recipient: string | null }[], now: number): void {
    this.sending.onPublished(rows, now);
  }

  receive(rec: IncomingRecord): Promise<ReceiveOutcome> {
    return this.receiving.receive(rec);
  }

  /**
   * A record of a fetched batch, verified and its receipt signed; `apply` does its store work
   * inside {@link commitReceived}. Undefined when the record must go through {@link receive}.
   */
  async prepareReceive(rec: IncomingRecord): Promise<{ apply: () => ReceiveOutcome } | undefined> {
    const prepared = await this.receiving.prepareInBatch(rec);
    if (prepared === undefined) return undefined;
    return { apply: () => this.ctx.uow.commit((w) => prepared.apply(w)) };
  }

  /** Runs the `apply` of several prepared records in one transaction (one commit). */
  commitReceived(applies: readonly (() => void)[]): void {
    this.ctx.uow.commitAll(applies);
  }

  /** Group commits of submissions since start, and the submissions they committed. */
  submissionCommits(): GroupCommitCounts {
    return this.ctx.submissions.state();
  }

  /** Call for each prepared record once its group committed. */
  received(outcome: ReceiveOutcome): void {
    this.receiving.committed(outcome);
  }

  /** Re-examines the parked records with the trust in use now (after each trust reload). */
  reexamineParked(): Promise<ReexaminationReport> {
    return this.receiving.reexamineParked();
  }

  /** Resolves once no re-examination of parked records is running or queued. */
  reexaminationsDone(): Promise<void> {
    return this.receiving.reexaminationsDone();
  }

  /** The exchange's clock, now (lifecycle views judge timeliness and overdue by it). */
  now(): Date {
    return this.ctx.clock.now();
  }

  /** An offender alert delivered at least this long before arrival is `timely`. */
  get alertLeadMs(): number {
    return this.ctx.settings.alertLeadMs;
  }

  /** Records the escalations due now (see {@link Sending.escalateDue}). */
  escalateDue(): Escalation[] {
    return this.sending.escalateDue();
  }

  /**
   * Called after each escalation is committed, with metadata only (direction, messageId,
   * counterpart, at): the hook a push channel to the desks subscribes to.
   */
  onEscalation(listener: (e: Escalation) => void): void {
    this.sending.onEscalation(listener);
  }

  /** Quarantines a record whose processing failed with anything but a store or Kafka outage. */
  quarantineRecord(rec: IncomingRecord, err: unknown): Promise<void> {
    return this.quarantine.record(rec, err);
  }
}
