/**
 * Submissions that arrive together share one commit. Each submission's CPU work (validation,
 * signing, encryption) is done by its request beforehand; its store work is queued here as a unit
 * and flushed on the next turn of the event loop, so a lone submission waits for nothing and a
 * burst fills the group by itself. Every unit runs in its own savepoint of one transaction
 * ({@link UnitOfWork.commitEach}): its checks see the writes of the units before it, exactly as
 * sequential requests would, and a unit that throws fails only its own request. A request's
 * promise settles only after the shared COMMIT returned (with `synchronous=FULL`, after the
 * fsync), so a 202 still means the notice, its outbox records and its audit events are on disk.
 */
import type { UnitOfWork, Work } from './unit-of-work.ts';

/** Default most units per commit: bounds the transaction a lock holder keeps open. */
export const MAX_GROUP_UNITS = 64;

/** Group commits done since start, and the units (submissions) that went through them. */
export interface GroupCommitCounts {
  commits: number;
  units: number;
}

interface Queued {
  work: (w: Work) => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  private queue: Queued[] = [];
  private scheduled = false;
  private readonly counts: GroupCommitCounts = { commits: 0, units: 0 };

  private readonly maxUnits: number;
  /** Told each committed group's size (the gateway's metrics). */
  private readonly observe: ((units: number) => void) | undefined;

  constructor(
    private readonly uow: UnitOfWork,
    opts: { maxUnits?: number; observe?: (units: number) => void } = {},
  ) {
    this.maxUnits = opts.maxUnits ?? MAX_GROUP_UNITS;
    this.observe = opts.observe;
  }

  /**
   * Queues `work` for the next group commit; resolves with its result once the group committed,
   * rejects with its own error (its savepoint rolled back) or with the group's (nothing kept).
   */
  commit<T>(work: (w: Work) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length >= this.maxUnits) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Counts since start (`groups` of `Gateway.exchange.submissionCommits()`). */
  state(): GroupCommitCounts {
    return { ...this.counts };
  }

  private flush(): void {
    const units = this.queue.splice(0, this.maxUnits);
    if (units.length === 0) return;
    let settled;
    try {
      settled = this.uow.commitEach(units.map((u) => u.work));
    } catch (err) {
      for (const u of units) u.reject(err);
      return;
    }
    this.counts.commits += 1;
    this.counts.units += units.length;
    this.observe?.(units.length);
    settled.forEach((s, i) => (s.ok ? units[i]!.resolve(s.value) : units[i]!.reject(s.error)));
  }
}
