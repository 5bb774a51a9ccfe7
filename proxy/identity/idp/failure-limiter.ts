import { isIPv4, isIPv6 } from 'node:net';
import type { RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';

/**
 * Keys (usernames or source addresses) tracked at most. Past it the oldest key is forgotten, so
 * a flood of distinct names cannot grow memory without bound; a spraying attacker still meets
 * the per-source limit.
 */
export const FAILURE_LIMITER_MAX_KEYS = 100_000;

/**
 * Sign-in attempts (password or code) one source may have running at once. A person types one
 * password at a time; more in parallel is a script. Past it: 429 with a short Retry-After.
 */
export const MAX_CONCURRENT_ATTEMPTS_PER_SOURCE = 4;

/**
 * scrypt password checks (about 50 ms of a libuv thread and 16 MiB each) running at once in
 * this process, whoever asks. Past it a sign-in is answered 503 with Retry-After, so a flood of
 * posts from many sources cannot take the thread pool (and with it the proxy's file and DNS
 * work) or the memory.
 */
export const MAX_CONCURRENT_PASSWORD_CHECKS = 8;

export interface FailureLimiterOptions {
  /** Failures allowed within the window; the next attempt is refused. */
  limit: number;
  windowMs: number;
  now: () => number;
  maxKeys?: number;
}

/**
 * One attempt reserved with {@link FailureLimiter.begin}: it counts like a failure until it is
 * settled, as a failure ({@link fail}) or not ({@link release}). Only the first call counts.
 */
export interface Attempt {
  fail(): void;
  release(): void;
}

/**
 * Counts failed sign-ins per key in a sliding window (OWASP authentication cheat sheet:
 * throttle per account and per source). Only failures count, so a person who types the
 * password right is never slowed down by their own successful sign-ins.
 *
 * Attempts still being checked (scrypt runs for tens of milliseconds) count as failures from
 * the moment they are reserved with {@link begin}: check and reservation happen in one
 * synchronous step, so a burst of concurrent attempts cannot all pass the check before the
 * first of them is counted.
 */
export class FailureLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #maxKeys: number;
  /** Failure times per key, oldest first; Map order is least recently failed first. */
  readonly #failures = new Map<string, number[]>();
  /** Attempts reserved and not yet settled, per key (absent: none). */
  readonly #inFlight = new Map<string, number>();

  constructor(options: FailureLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new TypeError('limit must be a positive integer');
    if (!Number.isInteger(options.windowMs) || options.windowMs < 1) throw new TypeError('windowMs must be a positive integer');
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#now = options.now;
    this.#maxKeys = options.maxKeys ?? FAILURE_LIMITER_MAX_KEYS;
  }

  /**
   * Milliseconds until `key` may try again; 0 when it may now. Attempts in flight count as
   * failures made now (the answer is then an upper bound: some of them may yet succeed).
   */
  retryAfterMs(key: string): number {
    const times = this.#recent(key);
    const pending = this.#inFlight.get(key) ?? 0;
    if (times.length + pending < this.#limit) return 0;
    const now = this.#now();
    // Failures oldest first, then the pending attempts (as of now): the `limit`-th newest decides.
    const index = times.length + pending - this.#limit;
    const oldestThatCounts = index < times.length ? (times[index] ?? now) : now;
    return Math.max(1, oldestThatCounts + this.#windowMs - now);
  }

  /** Attempts of `key` reserved and not yet settled. */
  inFlight(key: string): number {
    return this.#inFlight.get(key) ?? 0;
  }

  /** Reserves an attempt for `key` (no check: call {@link retryAfterMs} first, in the same tick). */
  begin(key: string): Attempt {
    this.#inFlight.set(key, this.inFlight(key) + 1);
    let settled = false;
    const settle = (failed: boolean): void => {
      if (settled) return;
      settled = true;
      const left = this.inFlight(key) - 1;
      if (left > 0) this.#inFlight.set(key, left);
      else this.#inFlight.delete(key);
      if (failed) this.recordFailure(key);
    };
    return { fail: () => settle(true), release: () => settle(false) };
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

  /** Forgets the failures of `key` (after a complete, successful sign-in); attempts in flight still count. */
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

/** A counting semaphore that never waits: a slot is taken now or refused. */
export class ConcurrencyGate {
  readonly #max: number;
  #used = 0;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new TypeError('max must be a positive integer');
    this.#max = max;
  }

  get inUse(): number {
    return this.#used;
  }

  /** A release function (idempotent), or undefined when every slot is taken. */
  tryAcquire(): (() => void) | undefined {
    if (this.#used >= this.#max) return undefined;
    this.#used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#used--;
    };
  }
}

/** The process-wide gate of scrypt password checks ({@link MAX_CONCURRENT_PASSWORD_CHECKS}). */
export const passwordChecks = new ConcurrencyGate(MAX_CONCURRENT_PASSWORD_CHECKS);

/**
 * Route config for @fastify/rate-limit (registered with `global: false`, as the proxy does):
 * at most `max` requests a minute from one source ({@link sourceKey}). In an app without the
 * plugin the config is inert.
 */
export function perSourceRateLimit(max: number): { rateLimit: RateLimitOptions } {
  return { rateLimit: { max, timeWindow: 60_000, keyGenerator: (request: FastifyRequest) => sourceKey(request.ip) } };
}

/**
 * The key a source address is limited by: an IPv4 address itself (IPv4-mapped IPv6 addresses
 * as IPv4), an IPv6 address by its /64 (one subscriber's or host's prefix: RFC 6177, RFC 7934),
 * since anyone with a /64 can pick new addresses from it at will. Anything else as it is.
 */
export function sourceKey(ip: string): string {
  const address = ip.replace(/%.*$/, '');
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return ip;
  const groups = expandIPv6(address);
  if (groups === undefined) return ip;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (with `::` and a dotted IPv4 tail). */
function expandIPv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 !== null) {
    const octets = v4[2]!.split('.').map(Number);
    text = `${v4[1]}${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}
