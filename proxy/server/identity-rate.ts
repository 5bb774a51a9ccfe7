/**
 * Per-identity rate limits (issue 5, item 4). The per-source limits of @fastify/rate-limit stop
 * one address; these stop one *identity* spread over many addresses (a stolen ID token replayed
 * from a botnet, a script enrolling devices in a loop). They count only requests whose identity
 * was verified, so nobody can spend someone else's budget by naming them.
 *
 * Fixed windows per key, in memory per process (like the other limiters; several nodes each
 * count separately). The map is bounded: expired windows are swept, and when it is full a new
 * key is refused rather than an old one forgotten (fail closed).
 */
import { ZerogateError } from '../../shared/errors.ts';

/** Devices one user may enrol per hour (a person has a few computers; re-enrolling is rare). */
export const ENROLL_PER_USER_PER_HOUR = 10;
/** Sign-ins and renewals one user may make per minute, over all their devices. */
export const SESSION_PER_USER_PER_MINUTE = 30;
/** Most identities tracked at once per limiter; beyond it new identities are refused until windows expire. */
export const IDENTITY_RATE_MAX_KEYS = 100_000;

interface Window {
  count: number;
  resetAt: number;
}

export interface IdentityRateLimit {
  /** Requests allowed per window. */
  max: number;
  windowMs: number;
  /** What the limit protects, for the error message (e.g. "device enrolments"). */
  what: string;
  /** Whose budget it is, for the error message: "for this user" by default. */
  whose?: string;
  maxKeys?: number;
}

export class IdentityRateLimiter {
  readonly #limit: IdentityRateLimit;
  readonly #windows = new Map<string, Window>();
  readonly #maxKeys: number;

  constructor(limit: IdentityRateLimit) {
    if (!Number.isInteger(limit.max) || limit.max < 1) throw new TypeError('max must be a positive integer');
    if (!Number.isInteger(limit.windowMs) || limit.windowMs < 1) throw new TypeError('windowMs must be a positive integer');
    this.#limit = limit;
    this.#maxKeys = limit.maxKeys ?? IDENTITY_RATE_MAX_KEYS;
  }

  /**
   * Counts one request of `identity`; throws 429 ZG_ERR_RATE_LIMITED (with
   * `detail.retryAfterSeconds`, sent as `Retry-After`) when its window is used up.
   */
  take(identity: string, now = Date.now()): void {
    let window = this.#windows.get(identity);
    if (window === undefined || window.resetAt <= now) {
      if (window === undefined && this.#windows.size >= this.#maxKeys) this.#sweep(now);
      if (window === undefined && this.#windows.size >= this.#maxKeys) this.#refuse(this.#limit.windowMs);
      window = { count: 0, resetAt: now + this.#limit.windowMs };
      this.#windows.set(identity, window);
    }
    if (window.count >= this.#limit.max) this.#refuse(window.resetAt - now);
    window.count += 1;
  }

  /**
   * Throws (like {@link take}) when `key`'s window is used up, without counting: for limits that
   * count only some outcomes, e.g. refused tunnel upgrades per source, checked before the work.
   */
  check(key: string, now = Date.now()): void {
    const window = this.#windows.get(key);
    if (window !== undefined && window.resetAt > now && window.count >= this.#limit.max) this.#refuse(window.resetAt - now);
  }

  /** Counts one event of `key` without refusing it (the outcome is known only afterwards). */
  count(key: string, now = Date.now()): void {
    try {
      this.take(key, now);
    } catch {
      // Already over the limit, or the map is full: the next check() refuses.
    }
  }

  /** Identities currently tracked (for tests and metrics). */
  get size(): number {
    return this.#windows.size;
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key);
  }

  #refuse(waitMs: number): never {
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    throw new ZerogateError('ZG_ERR_RATE_LIMITED', `too many ${this.#limit.what} ${this.#limit.whose ?? 'for this user'}: retry in ${retryAfterSeconds} s`, {
      reasons: ['rate-limited'],
      detail: { retryAfterSeconds },
    });
  }
}

/** The per-identity limiters of one proxy node. */
export interface IdentityLimiters {
  enroll: IdentityRateLimiter;
  session: IdentityRateLimiter;
}

export function identityLimiters(overrides: { enrollPerHour?: number; sessionPerMinute?: number } = {}): IdentityLimiters {
  return {
    enroll: new IdentityRateLimiter({ max: overrides.enrollPerHour ?? ENROLL_PER_USER_PER_HOUR, windowMs: 60 * 60_000, what: 'device enrolments' }),
    session: new IdentityRateLimiter({ max: overrides.sessionPerMinute ?? SESSION_PER_USER_PER_MINUTE, windowMs: 60_000, what: 'sign-ins and renewals' }),
  };
}
