/**
 * Ingest: one record from `mx.audit` at a time. A record that verifies is appended as a leaf (its
 * exact bytes) and indexed; one that does not is quarantined with its reason code, kept outside
 * the tree and reported by the API, never dropped. The same bytes again add nothing.
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
import type { AuditStore } from './store.ts';

export type IngestOutcome = 'appended' | 'duplicate' | 'quarantined';

/** Counters since start (the status API reports them). */
export interface IngestCounters {
  appended: number;
  duplicates: number;
  quarantinedNow: number;
}

export interface IngestorOptions {
  store: AuditStore;
  trust: TrustRegistry;
  schemas: DocumentSchemas;
  logger: Logger;
  clockSkewMs: number;
  /** Called after a leaf was appended (the checkpointer counts them). */
  onAppended?: (treeSize: number) => void;
}

export class Ingestor {
  readonly counters: IngestCounters = { appended: 0, duplicates: 0, quarantinedNow: 0 };
  readonly #o: IngestorOptions;

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
    let verified;
    try {
      verified = await verifyAuditEvent(rec.value, this.#o.trust, this.#o.schemas, { clockSkewMs: this.#o.clockSkewMs, appendedAt: rec.timestamp });
    } catch (err) {
      if (!(err instanceof MxError)) throw err;
      this.#quarantine(rec, digest, err);
      return 'quarantined';
    }
    const outcome = store.appendEvent(rec.value, { eventId: verified.digest, body: verified.body });
    if (outcome.kind === 'duplicate') {
      this.counters.duplicates += 1;
      return 'duplicate';
    }
    this.counters.appended += 1;
    this.#o.onAppended?.(outcome.index + 1);
    return 'appended';
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
    const inserted = this.#o.store.quarantine({
      topic: rec.topic,
      partition: rec.partition,
      offset: rec.offset,
      digest,
      reason_code: err.code,
      // Only a sender whose signature verified is named; a header is never trusted.
      gateway: err.verifiedSender ?? null,
      at: Date.now(),
    });
    if (inserted) this.counters.quarantinedNow += 1;
    this.#o.logger.warn({ topic: rec.topic, partition: rec.partition, offset: rec.offset, digest, reasonCode: err.code }, 'audit record quarantined');
  }
}
