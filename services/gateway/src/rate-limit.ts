/**
 * The gateway's request limits: a token bucket per officer (pseudonym) and one for the whole
 * endpoint, each refilled continuously at `perMinute` per minute and holding at most one minute's
 * worth. A refusal is counted here, never audited one by one: auditing each refused request would
 * let one token flood the audit log it is meant to protect.
 */
import type { Logger } from 'pino';

/** One set of token buckets, keyed by whatever is limited. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** `perMinute` 0 turns the limit off. */
  constructor(
    private readonly perMinute: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes one token for `key`: 0 when allowed, else the whole seconds until a token is due. */
  take(key: string, now: number): number {
    if (this.perMinute === 0) return 0;
    const rate = this.perMinute / 60_000;
    const b = this.buckets.get(key);
    const tokens = b === undefined ? this.perMinute : Math.min(this.perMinute, b.tokens + (now - b.at) * rate);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return Math.max(1, Math.ceil((1 - tokens) / rate / 1000));
    }
    if (b === undefined && this.buckets.size >= this.maxKeys) this.prune(now);
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    return 0;
  }

  /** A full bucket holds no information: forgetting it bounds the memory a stream of new keys can take. */
  private prune(now: number): void {
    const rate = this.perMinute / 60_000;
    for (const [k, b] of this.buckets) if (b.tokens + (now - b.at) * rate >= this.perMinute) this.buckets.delete(k);
  }
}

export interface RateLimitSettings {
  /** Requests per minute one officer may make (0: unlimited). */
  perOfficer: number;
  /** Requests per minute all officers of this endpoint together may make (0: unlimited). */
  perEndpoint: number;
}

/** What the limiter refused since start-up. */
export interface RateLimitCounters {
  refusedPerOfficer: number;
  refusedPerEndpoint: number;
}

export class RateLimiter {
  private readonly officers: TokenBuckets;
  private readonly endpoint: TokenBuckets;
  private lastLog = 0;
  readonly counters: RateLimitCounters = { refusedPerOfficer: 0, refusedPerEndpoint: 0 };

  constructor(
    settings: RateLimitSettings,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.officers = new TokenBuckets(settings.perOfficer);
    this.endpoint = new TokenBuckets(settings.perEndpoint, 1);
  }

  /**
   * Takes a request of `officer` (a pseudonym): 0 when allowed, else the seconds to wait. The
   * officer's own bucket is checked first, so one officer over its limit does not use up the
   * endpoint's budget for everyone else.
   */
  take(officer: string): number {
    const now = this.clock();
    let wait = this.officers.take(officer, now);
    if (wait > 0) this.counters.refusedPerOfficer += 1;
    else {
      wait = this.endpoint.take('', now);
      if (wait > 0) this.counters.refusedPerEndpoint += 1;
    }
    // One line a minute at most, with the running totals: the count is what an operator needs.
    if (wait > 0 && now - this.lastLog >= 60_000) {
      this.lastLog = now;
      this.logger.warn({ ...this.counters }, 'rate limit: requests refused');
    }
    return wait;
  }
}
