/**
 * Push to the desks: `GET /v1/inbox/events`, a Server-Sent Events stream of what happened at this
 * endpoint (arrivals, lifecycle changes of what it sent, escalations of offender alerts, and any
 * kind recorded later). Each event is a row of the store's `inbox_events` table written in the same
 * commit as the change it reports, so a stream never reports what did not commit and never misses
 * what did; its row id is the SSE `id`, so a client resumes with `Last-Event-ID`.
 *
 * Metadata only: ids, type, counterpart, case reference, status, time. Never a body.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { MxError } from '../../core/src/errors/mx-error.ts';
import { badParameter } from '../../core/src/http/api.ts';
import type { Officer } from '../../core/src/idp/officer-auth.ts';
import type { GatewayStore, InboxEventRow } from './store.ts';

/**
 * Event kinds are open: a new kind is one `recordEvent(store, { kind: 'escalation', ... })` call
 * inside the commit that makes the change; streams carry it without any change here.
 */
export type InboxEventKind = 'arrival' | 'lifecycle' | 'escalation' | (string & {});

export interface InboxEvent {
  kind: InboxEventKind;
  /** The message the event is about (received for an arrival, sent for a lifecycle change). */
  messageId: string;
  /** Its message type: the role filter of the stream is applied to it. */
  type: string;
  /** The other endpoint: the sender of an arrival, the recipient of a lifecycle change. */
  counterpart: string;
  caseRef: string | null;
  /** `unread` for an arrival; `delivered`, `rejected`, `read`, `responded` for a lifecycle change. */
  status: string;
  /** Epoch ms, on the gateway's clock. */
  at: number;
}

/** How long events are kept for a reconnecting client; older ones are pruned as new ones are recorded. */
export const EVENT_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * Records an event. Call it only inside a `uow.commit`: the row commits or rolls back with the
 * change it reports, and open streams are woken once the transaction is over.
 */
export function recordEvent(store: GatewayStore, event: InboxEvent): void {
  store.appendEvent(event, event.at - EVENT_RETENTION_MS);
}

export interface EventStreamSettings {
  heartbeatMs: number;
  maxStreamsPerOfficer: number;
}

const PAGE = 200;
/** setTimeout's largest delay; a later token expiry is re-armed from there. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The SSE text of one event. */
export function formatEvent(row: InboxEventRow): string {
  const data = {
    id: String(row.id),
    kind: row.kind,
    messageId: row.message_id,
    type: row.type,
    counterpart: row.counterpart,
    ...(row.case_ref !== null ? { caseRef: row.case_ref } : {}),
    status: row.status,
    at: new Date(row.at).toISOString(),
  };
  return `id: ${row.id}\nevent: ${row.kind}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The open streams of one gateway. */
export class EventStreams {
  private readonly open = new Map<string, number>();
  private readonly responses = new Set<Response>();

  constructor(
    private readonly store: GatewayStore,
    private readonly settings: EventStreamSettings,
    private readonly logger: Logger,
  ) {}

  /**
   * Serves one stream to an authenticated officer who may see `types`: first every event after
   * `Last-Event-ID` (or the `lastEventId` query parameter), then live ones; without either, only
   * events from now on.
   */
  serve(req: Request, res: Response, officer: Officer, types: readonly string[]): void {
    const resumeFrom = lastEventId(req);
    const mine = this.open.get(officer.pseudonym) ?? 0;
    if (mine >= this.settings.maxStreamsPerOfficer) {
      res.set('retry-after', String(Math.ceil(this.settings.heartbeatMs / 1000)));
      throw new MxError('RATE_LIMITED', `an officer may hold at most ${this.settings.maxStreamsPerOfficer} open event streams`);
    }
    this.open.set(officer.pseudonym, mine + 1);
    this.responses.add(res);
    let cursor = resumeFrom ?? this.store.lastEventId();
    const visible = new Set(types);

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // A reverse proxy must not hold events back in a buffer.
      'x-accel-buffering': 'no',
    });
    // A first line at once: the client knows the stream is open before any event.
    res.write(': stream open\n\n');

    let waitingForDrain = false;
    const pump = (): void => {
      if (waitingForDrain || res.writableEnded) return;
      for (;;) {
        const rows = this.store.eventsAfter(cursor, types, PAGE);
        for (const row of rows) {
          cursor = row.id;
          // The SQL filter already applies the role; this is the second lock on the same door.
          if (!visible.has(row.type)) continue;
          if (!res.write(formatEvent(row))) {
            waitingForDrain = true;
            res.once('drain', () => {
              waitingForDrain = false;
              wake();
            });
            return;
          }
        }
        if (rows.length < PAGE) return;
      }
    };
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), this.settings.heartbeatMs);
    let expiry: NodeJS.Timeout | undefined;
    const armExpiry = (): void => {
      if (officer.expiresAt === undefined) return;
      const left = officer.expiresAt - Date.now();
      if (left <= 0) {
        res.end();
        return;
      }
      expiry = setTimeout(armExpiry, Math.min(left, MAX_TIMER_MS));
    };
    // Woken from a microtask: a throw here would be an uncaught exception, so it ends this stream only.
    const wake = (): void => {
      try {
        pump();
      } catch (err) {
        this.logger.error({ err: (err as Error).name }, 'an event stream could not be read from the store; it is closed');
        res.end();
      }
    };
    this.store.onEventAppended(wake);
    res.on('close', () => {
      this.responses.delete(res);
      clearInterval(heartbeat);
      if (expiry) clearTimeout(expiry);
      this.store.offEventAppended(wake);
      const n = (this.open.get(officer.pseudonym) ?? 1) - 1;
      if (n > 0) this.open.set(officer.pseudonym, n);
      else this.open.delete(officer.pseudonym);
    });
    armExpiry();
    wake();
  }

  /** Ends every open stream (the gateway is stopping: clients reconnect with `Last-Event-ID`). */
  closeAll(): void {
    for (const res of this.responses) res.end();
  }

  /** Streams open now, per officer pseudonym (for tests and diagnostics). */
  openCount(): number {
    let n = 0;
    for (const v of this.open.values()) n += v;
    return n;
  }
}

function lastEventId(req: Request): number | undefined {
  const header = req.get('last-event-id');
  const raw = header ?? (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : req.query.lastEventId === undefined ? undefined : '');
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,15}$/.test(raw)) throw badParameter(header !== undefined ? 'Last-Event-ID' : 'lastEventId', 'pattern', 'must be the id of an event of this stream', 'INVALID_PARAMETER');
  return Number(raw);
}
