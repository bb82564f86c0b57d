/**
 * Ingest: one record from `mx.audit` at a time. A record that verifies is appended as a leaf (its
 * exact bytes) and indexed; one that does not is quarantined with its reason code, kept outside
 * the tree and reported by the API, never dropped. The same bytes again add nothing.
 *
 * A record whose key the trust registry does not know (`UNKNOWN_KEY`: a gateway rotated and its
 * new public key has not reached this service yet) keeps its bytes and broker append time in the
 * quarantine; {@link Ingestor.reexamine} verifies such records again after every trust reload, with
 * revocation judged as of the original append time, and appends those that verify now.
 *
 * The handler throws only when the store fails (the consumer retries the record in place) or on
 * an error no check foresaw, which the consumer hands to {@link Ingestor.quarantineUnexpected}:
 * no record blocks its partition.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { digestOf } from '../../core/src/envelope/digest.ts';
import { MxError } from '../../core/src/errors/mx-error.ts';
import type { DocumentSchemas } from '../../core/src/envelope/verify.ts';
import type { IncomingRecord } from '../../core/src/kafka/transport.ts';
import type { TrustRegistry } from '../../core/src/trust/trust-registry.ts';
import { verifyAuditEvent } from './event.ts';
import type { EnvelopeTimer } from '../../core/src/envelope/timing.ts';
import type { AppendOutcome, AuditStore } from './store.ts';

export type IngestOutcome = 'appended' | 'duplicate' | 'quarantined';

/** Counters since start (the status API reports them). */
export interface IngestCounters {
  appended: number;
  duplicates: number;
  quarantinedNow: number;
  /** Quarantined records appended after a trust reload. */
  readmittedNow: number;
}

export interface IngestorOptions {
  store: AuditStore;
  /** The trust registry in use now (it is reloaded while the service runs). */
  trust: () => TrustRegistry;
  schemas: DocumentSchemas;
  logger: Logger;
  clockSkewMs: number;
  /** Called after a leaf was appended (the checkpointer counts them). */
  onAppended?: (treeSize: number) => void;
  /** Called when a record was newly quarantined, with its reason code (metrics). */
  onQuarantined?: (reason: string) => void;
  /** Told how long each signature verification took (metrics). */
  timer?: EnvelopeTimer;
}

export class Ingestor {
  readonly counters: IngestCounters = { appended: 0, duplicates: 0, quarantinedNow: 0, readmittedNow: 0 };
  readonly #o: IngestorOptions;
  #pass: Promise<void> | undefined;
  #again = false;

  constructor(options: IngestorOptions) {
    this.#o = options;
  }

  /** Handles one record; see the module comment. */
  async handle(rec: IncomingRecord): Promise<IngestOutcome> {
    const { store } = this.#o;
    const digest = digestOf(rec.value);
    // Cheap path for a redelivery: no signature check for bytes already in the log.
    if (store.indexOfEvent(digest) !== undefined) {
      this.counters.duplicates += 1;
      return 'duplicate';
    }
    const trust = this.#o.trust();
    let verified;
    try {
      verified = await verifyAuditEvent(rec.value, trust, this.#o.schemas, { clockSkewMs: this.#o.clockSkewMs, appendedAt: rec.timestamp, ...(this.#o.timer ? { timer: this.#o.timer } : {}) });
    } catch (err) {
      if (!(err instanceof MxError)) throw err;
      this.#quarantine(rec, digest, err);
      // The registry was replaced while this record was checked against the old one: the pass the
      // reload started may have looked before the row existed, so look again.
      if (err.code === 'UNKNOWN_KEY' && this.#o.trust() !== trust) void this.reexamine();
      return 'quarantined';
    }
    const outcome = store.appendEvent(rec.value, { eventId: verified.digest, body: verified.body, issuedAt: verified.document.issuedAt, appendedAt: rec.timestamp.getTime() });
    if (outcome.kind === 'duplicate') {
      this.counters.duplicates += 1;
      return 'duplicate';
    }
    this.counters.appended += 1;
    this.#o.onAppended?.(outcome.index + 1);
    return 'appended';
  }

  /**
   * {@link handle} for a record of a fetched batch: verified now, appended by `apply` inside the
   * group's transaction ({@link AuditStore.commitAll}), counted by `committed` once that committed
   * (the checkpointer must never sign over a leaf that could still roll back). Undefined when the
   * record fails verification: the consumer then commits the group before it and hands it to
   * {@link handle}, which quarantines it. Bytes appended meanwhile by the same group add no leaf.
   */
  async prepare(rec: IncomingRecord): Promise<{ apply: () => void; committed: () => void } | undefined> {
    const { store } = this.#o;
    if (store.indexOfEvent(digestOf(rec.value)) !== undefined) return { apply: () => {}, committed: () => void (this.counters.duplicates += 1) };
    let verified;
    try {
      verified = await verifyAuditEvent(rec.value, this.#o.trust(), this.#o.schemas, { clockSkewMs: this.#o.clockSkewMs, appendedAt: rec.timestamp, ...(this.#o.timer ? { timer: this.#o.timer } : {}) });
    } catch {
      return undefined;
    }
    const v = verified;
    let outcome: AppendOutcome | undefined;
    return {
      apply: () => {
        outcome = store.appendEvent(rec.value, { eventId: v.digest, body: v.body, issuedAt: v.document.issuedAt, appendedAt: rec.timestamp.getTime() });
      },
      committed: () => {
        if (outcome === undefined || outcome.kind === 'duplicate') {
          this.counters.duplicates += 1;
          return;
        }
        this.counters.appended += 1;
        this.#o.onAppended?.(outcome.index + 1);
      },
    };
  }

  /**
   * Verifies every `UNKNOWN_KEY` record again with the registry in use now, revocation as of the
   * record's original broker append time (as on first ingest, so a reload can never admit what a
   * revocation already covered), and appends those that verify; their quarantine rows are marked
   * re-admitted, not removed. A record that now fails for another reason takes that reason. Passes
   * never overlap: a call during a pass makes it run once more. Never rejects (a store failure is
   * logged; the rows stay pending for the next reload or start).
   */
  reexamine(): Promise<void> {
    if (this.#pass !== undefined) {
      this.#again = true;
      return this.#pass;
    }
    this.#pass = (async () => {
      do {
        this.#again = false;
        try {
          await this.#reexaminePass();
        } catch (err) {
          this.#o.logger.error({ err: (err as Error).message }, 're-examining quarantined audit records failed; they stay quarantined until the next trust reload');
        }
      } while (this.#again);
    })().finally(() => {
      this.#pass = undefined;
    });
    return this.#pass;
  }

  /** Resolves when no re-examination is running (before the store is closed). */
  async idle(): Promise<void> {
    while (this.#pass !== undefined) await this.#pass;
  }

  async #reexaminePass(): Promise<void> {
    const { store, logger } = this.#o;
    let after = 0;
    let readmitted = 0;
    for (;;) {
      const rows = store.pendingUnknownKey(after, 100);
      if (rows.length === 0) break;
      for (const row of rows) {
        after = row.id;
        let verified;
        try {
          verified = await verifyAuditEvent(row.bytes, this.#o.trust(), this.#o.schemas, { clockSkewMs: this.#o.clockSkewMs, appendedAt: new Date(row.appended_at) });
        } catch (err) {
          if (err instanceof MxError && err.code === 'UNKNOWN_KEY') continue;
          const code = err instanceof MxError ? err.code : 'INTERNAL';
          store.settleQuarantine(row.id, code, err instanceof MxError ? (err.verifiedSender ?? null) : null);
          logger.warn({ quarantineId: row.id, reasonCode: code }, 'a quarantined audit record with a now known key still fails verification');
          continue;
        }
        const outcome = store.readmit(row.id, row.bytes, { eventId: verified.digest, body: verified.body, issuedAt: verified.document.issuedAt, appendedAt: row.appended_at });
        readmitted += 1;
        this.counters.readmittedNow += 1;
        if (outcome.kind === 'appended') {
          this.counters.appended += 1;
          this.#o.onAppended?.(outcome.index + 1);
        }
        logger.info({ quarantineId: row.id, gateway: verified.body.gateway, seq: verified.body.seq, leafIndex: outcome.index }, 'quarantined audit record re-admitted: its key is known now');
      }
    }
    if (readmitted > 0) logger.info({ readmitted }, 're-examination after a trust change appended quarantined records');
  }

  /**
   * Quarantines a record the handler failed on with an error that is not an outage: an MxError
   * keeps its code, anything else is `INTERNAL`, logged at error level with an `instance` id and
   * where the record is (never its content, nor the error's message, which may quote it).
   */
  async quarantineUnexpected(rec: IncomingRecord, err: unknown): Promise<void> {
    if (err instanceof MxError) {
      this.#quarantine(rec, digestOf(rec.value), err);
      return;
    }
    const instance = `urn:uuid:${randomUUID()}`;
    const frames = err instanceof Error ? (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).join('\n') : undefined;
    this.#o.logger.error({ instance, errorType: err instanceof Error ? err.name : typeof err, stack: frames, topic: rec.topic, partition: rec.partition, offset: rec.offset }, 'unexpected error handling an audit record; quarantined as INTERNAL');
    this.#quarantine(rec, digestOf(rec.value), new MxError('INTERNAL', `unexpected error handling the record (${instance})`));
  }

  #quarantine(rec: IncomingRecord, digest: string, err: MxError): void {
    // Only a record that may verify later keeps its bytes (audit events carry no personal data).
    const keep = err.code === 'UNKNOWN_KEY' ? { bytes: rec.value, appendedAt: rec.timestamp.getTime() } : undefined;
    const inserted = this.#o.store.quarantine({
      topic: rec.topic,
      partition: rec.partition,
      offset: rec.offset,
      digest,
      reason_code: err.code,
      // Only a sender whose signature verified is named; a header is never trusted.
      gateway: err.verifiedSender ?? null,
      at: Date.now(),
    }, keep);
    if (inserted) {
      this.counters.quarantinedNow += 1;
      this.#o.onQuarantined?.(err.code);
    }
    this.#o.logger.warn({ topic: rec.topic, partition: rec.partition, offset: rec.offset, digest, reasonCode: err.code }, 'audit record quarantined');
  }
}
