/**
 * The gateway's one commit path. A state change, the records it sends and the audit events it
 * causes are written in one SQLite transaction; after it commits, the outbox relay is woken for
 * the records and the audit emitter signs the events. Nobody writes outbox rows or audit facts
 * outside a {@link UnitOfWork.commit}, so nobody forgets the wake-up or the flush.
 */
import type { AuditEmitter, AuditFact } from '../../core/src/audit/emitter.ts';
import type { NewOutboxRow, Outbox } from '../../core/src/outbox/outbox.ts';
import type { Db } from '../../core/src/store/sqlite.ts';

/** What a unit of work may do besides the store updates it makes itself. */
export interface Work {
  /** Queues a record for Kafka (published after the commit, by the relay). */
  send(row: NewOutboxRow): void;
  /** Records an audit fact (signed and queued for `mx.audit` after the commit). */
  audit(fact: AuditFact, at: Date): void;
}

export class UnitOfWork {
  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly auditEmitter: AuditEmitter,
  ) {}

  /**
   * Runs `work` in one transaction and returns its result. A throw rolls everything back. Called
   * inside another transaction (the relay's), it becomes a savepoint of it; the wake-up and the
   * flush then run after the outer commit, since both act asynchronously.
   */
  commit<T>(work: (w: Work) => T): T {
    let sent = false;
    let audited = false;
    const w: Work = {
      send: (row) => {
        this.outbox.add(row);
        sent = true;
      },
      audit: (fact, at) => {
        this.auditEmitter.record(fact, at);
        audited = true;
      },
    };
    const result = this.db.transaction(() => work(w))();
    if (sent) this.outbox.wake();
    if (audited) void this.auditEmitter.flush();
    return result;
  }
}
