/** W3C traceparent parsing (version 00), continuation and the current context; request ids and the metrics bearer check. */
import { childSpan, continueTrace, currentTrace, formatTraceparent, newTrace, outgoingTraceparent, parseTraceparent, withTrace } from '../../../services/core/src/trace/trace-context.ts';
import { requestIdOf } from '../../../services/core/src/http/access-log.ts';
import { bearerMatches } from '../../../services/core/src/metrics/endpoint.ts';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test('a valid traceparent parses and prints back', () => {
  const t = parseTraceparent(VALID);
  expect(t).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '01' });
  expect(formatTraceparent(t!)).toBe(VALID);
});

test.each([
  ['absent', undefined],
  ['not a string', 42],
  ['empty', ''],
  ['another version', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
  ['upper case', VALID.toUpperCase()],
  ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
  ['all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
  ['short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
  ['trailing data', `${VALID}-extra`],
  ['not hex', '00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01'],
])('%s is no traceparent, and starts a new trace', (_what, raw) => {
  expect(parseTraceparent(raw)).toBeUndefined();
  const t = continueTrace(raw);
  expect(t.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(t.traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
});

test('a valid one is continued: same trace and flags, a new span', () => {
  const t = continueTrace(VALID);
  expect(t.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  expect(t.flags).toBe('01');
  expect(t.spanId).toMatch(/^[0-9a-f]{16}$/);
  expect(t.spanId).not.toBe('00f067aa0ba902b7');
  const child = childSpan(t);
  expect(child.traceId).toBe(t.traceId);
  expect(child.spanId).not.toBe(t.spanId);
});

test('what is queued under a context carries its trace with a new span; outside one, a new trace', async () => {
  const t = newTrace();
  const inside = await withTrace(t, async () => {
    await new Promise((r) => setImmediate(r));
    expect(currentTrace()).toBe(t);
    return parseTraceparent(outgoingTraceparent())!;
  });
  expect(inside.traceId).toBe(t.traceId);
  expect(inside.spanId).not.toBe(t.spanId);
  expect(currentTrace()).toBeUndefined();
  expect(parseTraceparent(outgoingTraceparent())!.traceId).not.toBe(t.traceId);
});

test('a sane request id is kept; anything else is replaced by a UUID', () => {
  for (const ok of ['a', 'req-1:2.3_x', 'x'.repeat(128)]) expect(requestIdOf(ok)).toBe(ok);
  for (const bad of [undefined, '', 'x'.repeat(129), 'has space', 'semi;colon', 'ünï', ['a', 'b']]) {
    expect(requestIdOf(bad)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
});

test('the metrics bearer check accepts exactly the token', () => {
  const token = 'k'.repeat(40);
  expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
  for (const h of [undefined, '', token, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, `bearer ${token}`, `Bearer  ${token}`, 'Bearer ']) expect(bearerMatches(h, token)).toBe(false);
});
