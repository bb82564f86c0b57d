/** Lifecycle states as pure functions: exactly one inbox state per item, a sent status over recipients. */
import { inboxStatus, isOverdue, sentStatus, type RecipientProgress } from '../../../services/gateway/src/lifecycle.ts';

describe('inboxStatus', () => {
  test('exactly one state: answered beats opened, even when answered without being opened', () => {
    expect(inboxStatus({ read_at: null, response_ids: '[]' })).toBe('unread');
    expect(inboxStatus({ read_at: 1, response_ids: '[]' })).toBe('read');
    expect(inboxStatus({ read_at: 1, response_ids: '["a"]' })).toBe('responded');
    expect(inboxStatus({ read_at: null, response_ids: '["a"]' })).toBe('responded');
  });
});

describe('sentStatus', () => {
  const r = (over: Partial<RecipientProgress>): RecipientProgress => ({ published: false, delivered: false, read: false, responded: false, ...over });

  test('the least advanced recipient decides', () => {
    expect(sentStatus([r({})])).toBe('queued');
    expect(sentStatus([r({ published: true })])).toBe('published');
    expect(sentStatus([r({ published: true, delivered: true, read: true, responded: true }), r({ published: true, delivered: true })])).toBe('delivered');
    expect(sentStatus([r({ published: true, delivered: true, read: true }), r({ published: true, delivered: true, read: true, responded: true })])).toBe('read');
    expect(sentStatus([r({ published: true, delivered: true, read: true, responded: true })])).toBe('responded');
  });

  test('one rejection makes the message rejected', () => {
    expect(sentStatus([r({ published: true, delivered: true, responded: true }), r({ published: true, rejected: true })])).toBe('rejected');
  });
});

describe('isOverdue', () => {
  test('no receipt past the limit after publication (or queueing); never once delivered', () => {
    expect(isOverdue({ delivered_at: null, published_at: 1_000 }, 0, 1_000 + 300_001, 300_000)).toBe(true);
    expect(isOverdue({ delivered_at: null, published_at: 1_000 }, 0, 1_000 + 300_000, 300_000)).toBe(false);
    expect(isOverdue({ delivered_at: null, published_at: null }, 0, 300_001, 300_000)).toBe(true);
    expect(isOverdue({ delivered_at: 5, published_at: 1 }, 0, 10_000_000, 300_000)).toBe(false);
  });
});

describe('auditsRefusal', () => {
  test('client errors of a known officer, except the rate limiter and 401; never 5xx', async () => {
    const { auditsRefusal } = await import('../../../services/gateway/src/app.ts');
    expect(['BAD_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'FORBIDDEN', 'VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'IDEMPOTENCY_KEY_REUSED'].map((code) => auditsRefusal({ status: 400, code }))).toEqual([true, true, true, true, true, true]);
    expect(auditsRefusal({ status: 429, code: 'RATE_LIMITED' })).toBe(false);
    expect(auditsRefusal({ status: 401, code: 'UNAUTHENTICATED' })).toBe(false);
    expect(auditsRefusal({ status: 500, code: 'INTERNAL' })).toBe(false);
  });
});
