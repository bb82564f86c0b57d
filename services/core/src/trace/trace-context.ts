/**
 * W3C Trace Context (`traceparent`, version 00) as an unsigned hint: a notice carries one in a
 * Kafka header so it can be followed across gateways in their logs. Nothing is decided on it: an
 * absent or malformed value is ignored and a new trace started, never a refusal.
 *
 * The context of the work in progress (an HTTP request's handler, one consumed record) is kept in
 * an AsyncLocalStorage, so what that work queues for Kafka carries the same trace id with a span
 * id of its own, without threading a parameter through every call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

/** The Kafka record header and the HTTP header that carry it. */
export const TRACEPARENT_HEADER = 'traceparent';

export interface TraceContext {
  /** 32 lower-case hex digits, not all zero. */
  traceId: string;
  /** 16 lower-case hex digits, not all zero: this hop's span. */
  spanId: string;
  /** Trace flags (bit 0: sampled), two hex digits. */
  flags: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The context a `traceparent` value names; undefined for anything else (absent, malformed, all-zero ids, other versions). */
export function parseTraceparent(raw: unknown): TraceContext | undefined {
  if (typeof raw !== 'string' || raw.length !== 55) return undefined;
  const m = TRACEPARENT.exec(raw);
  if (m === null) return undefined;
  const [, traceId, spanId, flags] = m as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, flags };
}

export function formatTraceparent(t: TraceContext): string {
  return `00-${t.traceId}-${t.spanId}-${t.flags}`;
}

function nonZeroHex(bytes: number): string {
  for (;;) {
    const hex = randomBytes(bytes).toString('hex');
    if (!/^0+$/.test(hex)) return hex;
  }
}

/** A new trace (nothing came in, or what came in was not a valid `traceparent`). */
export function newTrace(): TraceContext {
  return { traceId: nonZeroHex(16), spanId: nonZeroHex(8), flags: '01' };
}

/** The next hop of `parent`: same trace id and flags, a new span id. */
export function childSpan(parent: TraceContext): TraceContext {
  return { traceId: parent.traceId, spanId: nonZeroHex(8), flags: parent.flags };
}

/** This hop's context from an incoming `traceparent`: a child span of it when valid, else a new trace. */
export function continueTrace(raw: unknown): TraceContext {
  const parent = parseTraceparent(raw);
  return parent ? childSpan(parent) : newTrace();
}

const current = new AsyncLocalStorage<TraceContext>();

/** Runs `fn` with `trace` as the current context. */
export function withTrace<T>(trace: TraceContext, fn: () => T): T {
  return current.run(trace, fn);
}

/** The context of the work in progress, if any. */
export function currentTrace(): TraceContext | undefined {
  return current.getStore();
}

/**
 * The `traceparent` header for a record queued now: a new span of the current trace, or of a
 * new trace when there is none (a record queued by a timer).
 */
export function outgoingTraceparent(): string {
  const t = currentTrace();
  return formatTraceparent(t ? childSpan(t) : newTrace());
}

/** The fields a log line about traced work carries. */
export function traceFields(t: TraceContext | undefined): { traceId?: string; spanId?: string } {
  return t ? { traceId: t.traceId, spanId: t.spanId } : {};
}
