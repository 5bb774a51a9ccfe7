/**
 * Keys (usernames or source addresses) tracked at most. Past it the oldest key is forgotten, so
 * a flood of distinct names cannot grow memory without bound; a spraying attacker still meets
 * the per-source limit.
 */
export const FAILURE_LIMITER_MAX_KEYS = 100_000;

export interface FailureLimiterOptions {
  /** Failures allowed within the window; the next attempt is refused. */
  limit: number;
  windowMs: number;
  now: () => number;
  maxKeys?: number;
}

/**
 * Counts failed sign-ins per key in a sliding window (OWASP authentication cheat sheet:
 * throttle per account and per source). Only failures count, so a person who types the
 * password right is never slowed down by their own successful sign-ins.
 */
export class FailureLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #maxKeys: number;
  /** Failure times per key, oldest first; Map order is least recently failed first. */
  readonly #failures = new Map<string, number[]>();

  constructor(options: FailureLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new TypeError('limit must be a positive integer');
    if (!Number.isInteger(options.windowMs) || options.windowMs < 1) throw new TypeError('windowMs must be a positive integer');
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#now = options.now;
    this.#maxKeys = options.maxKeys ?? FAILURE_LIMITER_MAX_KEYS;
  }

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfterMs(key: string): number {
    const times = this.#recent(key);
    if (times.length < this.#limit) return 0;
    const oldestThatCounts = times[times.length - this.#limit] ?? this.#now();
    return Math.max(1, oldestThatCounts + this.#windowMs - this.#now());
  }

  recordFailure(key: string): void {
    const times = this.#recent(key);
    times.push(this.#now());
    // Only the newest `limit` failures matter for the decision.
    if (times.length > this.#limit) times.splice(0, times.length - this.#limit);
    this.#failures.delete(key);
    this.#failures.set(key, times);
    if (this.#failures.size > this.#maxKeys) {
      const oldest = this.#failures.keys().next();
      if (oldest.done !== true) this.#failures.delete(oldest.value);
    }
  }

  /** Forgets the failures of `key` (after a complete, successful sign-in). */
  reset(key: string): void {
    this.#failures.delete(key);
  }

  #recent(key: string): number[] {
    const times = this.#failures.get(key);
    if (times === undefined) return [];
    const cutoff = this.#now() - this.#windowMs;
    const recent = times.filter((t) => t > cutoff);
    if (recent.length === 0) this.#failures.delete(key);
    return recent;
  }
}
