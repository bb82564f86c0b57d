/** The token buckets behind the gateway's rate limits, on a clock the test moves. */
import { pino } from 'pino';
import { RateLimiter, TokenBuckets } from '../../../services/gateway/src/rate-limit.ts';

test('a bucket allows a minute\'s worth at once, then refills continuously; 0 means no limit', () => {
  const b = new TokenBuckets(60);
  for (let i = 0; i < 60; i++) expect(b.take('officer', 0)).toBe(0);
  expect(b.take('officer', 0)).toBe(1); // one token a second
  expect(b.take('officer', 999)).toBe(1);
  expect(b.take('officer', 1000)).toBe(0);
  expect(b.take('another', 1000)).toBe(0);
  const off = new TokenBuckets(0);
  for (let i = 0; i < 1000; i++) expect(off.take('officer', 0)).toBe(0);
});

test('an officer over its own limit does not use up the endpoint\'s budget; refusals are counted', () => {
  let now = 0;
  const limiter = new RateLimiter({ perOfficer: 2, perEndpoint: 3 }, pino({ level: 'silent' }), () => now);
  expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 30]);
  expect(limiter.take('b')).toBe(0);
  expect(limiter.take('c')).toBeGreaterThan(0); // the endpoint's 3 are used: a, a, b
  expect(limiter.counters).toEqual({ refusedPerOfficer: 1, refusedPerEndpoint: 1 });
  now += 60_000;
  expect(limiter.take('c')).toBe(0);
});
