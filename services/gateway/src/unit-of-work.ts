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
  /** Inside {@link commitAll}: wake-ups and flushes wait for the group's own commit. */
  private group: { sent: boolean; audited: boolean } | undefined;

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
    if (this.group) {
      this.group.sent ||= sent;
      this.group.audited ||= audited;
      return result;
    }
    if (sent) this.outbox.wake();
    if (audited) void this.auditEmitter.flush();
    return result;
  }

  /**
   * Runs several units of work (each calling {@link commit}, which becomes a savepoint) in one
   * transaction: one commit, one fsync. A throw rolls all of them back. The relay is woken and the
   * emitter flushed once, after the commit, never for work that rolled back (the relay reads rows
   * as soon as it is woken, and a woken relay must not see rows that will not commit).
   */
  commitAll(works: readonly (() => void)[]): void {
    this.inGroup(() => {
      for (const work of works) work();
    });
  }

  /**
   * Runs each unit of work in its own savepoint of one transaction (one commit, one fsync) and
   * settles each separately: a unit that throws is rolled back to its savepoint and its error is
   * its own; the others commit, each seeing the writes of those before it. Throws, with nothing
   * of the group kept, when the transaction as a whole fails (its COMMIT, or a unit's error that
   * made SQLite roll the whole transaction back, such as a full disk). Wake-ups and flushes as
   * {@link commitAll}: once, after the commit, only for units that committed.
   */
  commitEach<T>(works: readonly ((w: Work) => T)[]): Settled<T>[] {
    const settled: Settled<T>[] = [];
    this.inGroup(() => {
      for (const work of works) {
        try {
          settled.push({ ok: true, value: this.commit(work) });
        } catch (error) {
          // Without a transaction left, later units would each commit on their own: stop here.
          if (!this.db.inTransaction) throw error;
          settled.push({ ok: false, error });
        }
      }
    });
    return settled;
  }

  private inGroup(run: () => void): void {
    if (this.group) throw new Error('a group commit inside a group commit');
    const group = { sent: false, audited: false };
    this.group = group;
    try {
      this.db.transaction(run)();
    } finally {
      this.group = undefined;
    }
    if (group.sent) this.outbox.wake();
    if (group.audited) void this.auditEmitter.flush();
  }
}

/** How one unit of a {@link UnitOfWork.commitEach} ended. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
