/**
 * A token bucket: `ratePerSecond` tokens refill continuously up to `burst`. Used for the
 * per-device stream-open rate (DESIGN.md §4).
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;

  constructor(ratePerSecond: number, burst: number, now = Date.now()) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new TypeError('rate must be > 0 and burst >= 1');
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#tokens = burst;
    this.#last = now;
  }

  /** True when the bucket has refilled to its burst: forgetting it changes nothing. */
  isFull(now = Date.now()): boolean {
    return this.#tokens + (Math.max(0, now - this.#last) / 1000) * this.#rate >= this.#burst;
  }

  take(now = Date.now()): boolean {
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#rate);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
