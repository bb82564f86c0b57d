/**
 * Slows password guessing: after a few failed sign-ins for one username, or from one client
 * address, each further attempt must wait, the wait doubling per failure up to a ceiling. A
 * refused attempt is not checked at all, so guessing during the wait learns nothing. A success
 * clears the username's count (not the address's: one office shares an address).
 */
import type { Clock } from '../../core/src/clock/clock.ts';

export interface ThrottleOptions {
  /** Failures allowed for one username before waits begin. */
  freeFailures: number;
  /** Failures allowed from one address (several officers may share one) before waits begin. */
  freeFailuresPerAddress: number;
  /** The first wait (ms); it doubles per further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures older than this are forgotten. */
  forgetAfterMs: number;
}

interface Failures {
  count: number;
  last: number;
}

const MAX_TRACKED = 100_000;

export class LoginThrottle {
  readonly #byKey = new Map<string, Failures>();

  constructor(
    private readonly clock: Clock,
    private readonly o: ThrottleOptions,
  ) {}

  #delay(key: string, f: Failures | undefined): number {
    const free = key.startsWith('a:') ? this.o.freeFailuresPerAddress : this.o.freeFailures;
    if (f === undefined || f.count < free) return 0;
    return Math.min(this.o.baseDelayMs * 2 ** Math.min(f.count - free, 30), this.o.maxDelayMs);
  }

  #get(key: string, now: number): Failures | undefined {
    const f = this.#byKey.get(key);
    if (f !== undefined && now - f.last > this.o.forgetAfterMs) {
      this.#byKey.delete(key);
      return undefined;
    }
    return f;
  }

  /** Milliseconds until an attempt for `username` from `address` may be checked (0: now). */
  waitMs(username: string, address: string): number {
    const now = this.clock.now().getTime();
    let wait = 0;
    for (const key of [`u:${username}`, `a:${address}`]) {
      const f = this.#get(key, now);
      if (f !== undefined) wait = Math.max(wait, f.last + this.#delay(key, f) - now);
    }
    return Math.max(0, wait);
  }

  failed(username: string, address: string): void {
    const now = this.clock.now().getTime();
    if (this.#byKey.size >= MAX_TRACKED) this.#forgetOld(now);
    for (const key of [`u:${username}`, `a:${address}`]) {
      const f = this.#get(key, now) ?? { count: 0, last: now };
      this.#byKey.set(key, { count: f.count + 1, last: now });
    }
  }

  succeeded(username: string): void {
    this.#byKey.delete(`u:${username}`);
  }

  #forgetOld(now: number): void {
    for (const [k, f] of this.#byKey) if (now - f.last > this.o.forgetAfterMs) this.#byKey.delete(k);
    // Still full: an attack from many names or addresses; dropping the oldest half keeps memory bounded.
    if (this.#byKey.size >= MAX_TRACKED) {
      let n = 0;
      for (const k of this.#byKey.keys()) if (n++ < MAX_TRACKED / 2) this.#byKey.delete(k);
    }
  }
}
