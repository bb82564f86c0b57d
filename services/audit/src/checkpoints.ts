/**
 * Checkpoints: every N appended leaves or every T seconds (when the tree grew), the audit service
 * signs `{origin, treeSize, rootHash, time}` with its own key and keeps it.
 *
 * Never over a tree it cannot vouch for. Before signing, in one read snapshot of the store:
 * - `verifyIntegrity` from the last checkpoint's size (every new leaf against its bytes, every new
 *   node against its children, nothing stored beyond the size) with the last checkpoint's root as
 *   a trusted root (the stored tree still yields it);
 * - a consistency proof from the last checkpoint to the new size, generated from the store and
 *   verified against the two roots, exactly as an auditor would check it.
 * Any failure refuses the signature: logged at error level, kept in `checkpoint_refusals`, shown by
 * `GET /v1/status`, and makes `/v1/ready` answer 503 until a signing succeeds (a signer that throws
 * counts the same); the service keeps ingesting (events are never lost) but signs nothing until
 * the store is sound. A full check at start-up (every leaf and node, every checkpoint's root), when
 * it fails, blocks signing until the next start.
 */
import type { Logger } from 'pino';
import { verifyConsistency, type IntegrityProblem } from './merkle/index.ts';
import type { CheckpointSigner, SignedCheckpoint } from './checkpoint-key.ts';
import type { AuditStore } from './store.ts';

/** What one signing attempt did. */
export type CheckpointResult =
  | { kind: 'signed'; checkpoint: SignedCheckpoint }
  | { kind: 'unchanged'; checkpoint: SignedCheckpoint | undefined }
  | { kind: 'refused'; treeSize: number; problem: string };

/** The signing state the status API reports. */
export interface CheckpointingStatus {
  state: 'ok' | 'refusing';
  refusals: number;
  lastRefusal?: { at: string; treeSize: number; problem: string };
}

export interface CheckpointerOptions {
  store: AuditStore;
  signer: CheckpointSigner;
  origin: string;
  everyLeaves: number;
  everySeconds: number;
  logger: Logger;
  now?: () => Date;
}

/** A problem as one line, naming where it is. */
export function describeProblem(p: IntegrityProblem): string {
  switch (p.kind) {
    case 'leaf-missing':
    case 'leaf-beyond-size':
      return `${p.kind} leaf ${p.index}`;
    case 'leaf-hash-mismatch':
      return `${p.kind} leaf ${p.index}: stored hash ${p.stored.toString('base64')}, bytes hash to ${p.computed.toString('base64')}`;
    case 'node-missing':
    case 'node-beyond-size':
      return `${p.kind} level ${p.level} index ${p.index} (leaves ${p.firstLeaf}..${p.endLeaf - 1})`;
    case 'node-hash-mismatch':
      return `${p.kind} level ${p.level} index ${p.index} (leaves ${p.firstLeaf}..${p.endLeaf - 1}): stored ${p.stored.toString('base64')}, children hash to ${p.computed.toString('base64')}`;
    case 'trusted-root-mismatch':
      return `${p.kind} size ${p.treeSize}: checkpoint root ${p.expected.toString('base64')}, store yields ${p.computed?.toString('base64') ?? 'nothing'}`;
    case 'trusted-size-beyond-log':
      return `${p.kind}: checkpoint size ${p.treeSize} is beyond the log size ${p.size}`;
  }
}

export class Checkpointer {
  readonly #o: CheckpointerOptions;
  readonly #now: () => Date;
  #chain: Promise<unknown> = Promise.resolve();
  #pending = false;
  #timer: NodeJS.Timeout | undefined;
  #signedSize: number;
  #startupProblem: string | undefined;
  readonly #status: CheckpointingStatus = { state: 'ok', refusals: 0 };

  constructor(options: CheckpointerOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
    this.#signedSize = options.store.latestCheckpoint()?.treeSize ?? 0;
  }

  /** The signing state. */
  status(): CheckpointingStatus {
    return structuredClone(this.#status);
  }

  /**
   * Checks the whole store: every leaf and node, nothing beyond the size, every kept checkpoint's
   * root. On a problem, signing is refused until the next start. Returns the problem, if any.
   */
  verifyAll(): string | undefined {
    const { store } = this.#o;
    const trustedRoots = store.allCheckpoints().map((c) => ({ treeSize: c.treeSize, rootHash: Buffer.from(c.rootHash, 'base64') }));
    const report = store.log.verifyIntegrity({ trustedRoots, maxProblems: 5 });
    if (report.ok) return undefined;
    const problem = `start-up integrity check: ${report.problems.map(describeProblem).join('; ')}`;
    this.#startupProblem = problem;
    this.#refused(store.log.size(), problem);
    return problem;
  }

  /** Signs on a timer (every `everySeconds`, when the tree grew). */
  start(): void {
    this.#timer ??= setInterval(() => {
      if (this.#o.store.log.size() > this.#signedSize) void this.signNow();
    }, this.#o.everySeconds * 1000);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a signing in progress. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#chain.catch(() => {});
  }

  /** Tells the checkpointer the tree grew to `treeSize`; signs once N leaves are unsigned. */
  onAppended(treeSize: number): void {
    // While refusing, only the timer retries: a full range check on every append would be wasted work.
    if (this.#status.state === 'refusing') return;
    if (treeSize - this.#signedSize >= this.#o.everyLeaves && !this.#pending) {
      this.#pending = true;
      void this.signNow().finally(() => (this.#pending = false));
    }
  }

  /** Signs a checkpoint of the current tree now, if it grew and passes the checks. Serialized. */
  signNow(): Promise<CheckpointResult> {
    const next = this.#chain.then(() => this.#attempt());
    this.#chain = next.catch(() => {});
    return next;
  }

  async #attempt(): Promise<CheckpointResult> {
    const { store, signer, origin, logger } = this.#o;
    const snapshot = store.db
      .transaction((): { kind: 'ok'; size: number; root: Buffer } | { kind: 'unchanged'; last: SignedCheckpoint | undefined } | { kind: 'refused'; size: number; problem: string } => {
        const size = store.log.size();
        const last = store.latestCheckpoint();
        const lastSize = last?.treeSize ?? 0;
        if (size === lastSize && size > 0 && last !== undefined) {
          return { kind: 'unchanged', last };
        }
        if (size === 0) return { kind: 'unchanged', last };
        if (size < lastSize) return { kind: 'refused', size, problem: `the log (size ${size}) is shorter than the last checkpoint (size ${lastSize})` };
        const lastRoot = last === undefined ? undefined : Buffer.from(last.rootHash, 'base64');
        const report = store.log.verifyIntegrity({
          from: lastSize,
          to: size,
          maxProblems: 5,
          ...(last !== undefined && lastRoot !== undefined ? { trustedRoots: [{ treeSize: last.treeSize, rootHash: lastRoot }] } : {}),
        });
        if (!report.ok) return { kind: 'refused', size, problem: report.problems.map(describeProblem).join('; ') };
        let root: Buffer;
        try {
          root = store.log.root(size);
          if (last !== undefined && lastRoot !== undefined) {
            verifyConsistency(last.treeSize, size, store.log.consistencyProof(last.treeSize, size), lastRoot, root);
          }
        } catch (err) {
          return { kind: 'refused', size, problem: `consistency proof from size ${lastSize} to ${size}: ${(err as Error).message}` };
        }
        return { kind: 'ok', size, root };
      })
      .deferred();
    if (snapshot.kind === 'unchanged') return { kind: 'unchanged', checkpoint: snapshot.last };
    if (snapshot.kind === 'refused') return this.#refused(snapshot.size, snapshot.problem);
    if (this.#startupProblem !== undefined) return this.#refused(snapshot.size, this.#startupProblem);

    // Checkpoint times never go backwards, even if the clock does (auditors check the order).
    const lastTime = store.latestCheckpoint()?.time;
    const now = this.#now().toISOString();
    const time = lastTime !== undefined && lastTime > now ? lastTime : now;
    const statement = { origin, treeSize: snapshot.size, rootHash: snapshot.root.toString('base64'), time };
    let signature: string;
    try {
      signature = await signer.sign(statement);
    } catch (err) {
      // The key or its signing refuses: nothing is signed, and the service reports it (status,
      // readiness) until a later attempt succeeds. The error's name only: no key material.
      return this.#refused(snapshot.size, `the checkpoint signer failed (${err instanceof Error ? err.name : typeof err})`, 'refusing to sign a checkpoint: the signer failed');
    }
    const checkpoint: SignedCheckpoint = { ...statement, signature };
    store.insertCheckpoint(checkpoint);
    this.#signedSize = checkpoint.treeSize;
    this.#status.state = 'ok';
    logger.info({ treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash }, 'checkpoint signed');
    return { kind: 'signed', checkpoint };
  }

  #refused(treeSize: number, problem: string, message = 'refusing to sign a checkpoint: the store failed its integrity check'): CheckpointResult {
    const at = this.#now();
    this.#o.store.recordRefusal(at.getTime(), treeSize, problem);
    this.#status.state = 'refusing';
    this.#status.refusals += 1;
    this.#status.lastRefusal = { at: at.toISOString(), treeSize, problem: problem.slice(0, 1000) };
    this.#o.logger.error({ treeSize, problem }, message);
    return { kind: 'refused', treeSize, problem };
  }
}
