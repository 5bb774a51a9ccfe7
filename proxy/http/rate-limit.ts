/**
 * Per-identity and per-app request rate limits of HTTP apps: token buckets refilled
 * continuously (a limit of N per minute admits a burst of N, then one every 60/N seconds), so
 * `Retry-After` can say exactly when the next request fits.
 */

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before idle (full) ones are swept; a full bucket is the same as no bucket. */
const SWEEP_ABOVE = 10_000;
const MINUTE_MS = 60_000;

export type Take = { ok: true } | { ok: false; retryAfterS: number; scope: 'identity' | 'app' };

export class HttpRateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  /**
   * Takes one request from both the identity's and the app's bucket, or from neither when
   * either is empty (a refused request costs nothing).
   */
  take(app: string, identity: string, limits: { perIdentityPerMinute: number; perAppPerMinute: number }, now = Date.now()): Take {
    const mine = this.#fill(`i\u0000${app}\u0000${identity}`, limits.perIdentityPerMinute, now);
    if (mine.tokens < 1) return { ok: false, retryAfterS: retryAfter(mine, limits.perIdentityPerMinute), scope: 'identity' };
    const all = this.#fill(`a\u0000${app}`, limits.perAppPerMinute, now);
    if (all.tokens < 1) return { ok: false, retryAfterS: retryAfter(all, limits.perAppPerMinute), scope: 'app' };
    mine.tokens -= 1;
    all.tokens -= 1;
    return { ok: true };
  }

  #fill(key: string, perMinute: number, now: number): Bucket {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= SWEEP_ABOVE) this.#sweep(now, perMinute);
      bucket = { tokens: perMinute, at: now };
      this.#buckets.set(key, bucket);
      return bucket;
    }
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(perMinute, bucket.tokens + (elapsed * perMinute) / MINUTE_MS);
    bucket.at = now;
    return bucket;
  }

  /** Drops buckets idle for a minute: they have refilled to their capacity (any limit). */
  #sweep(now: number, _perMinute: number): void {
    for (const [key, bucket] of this.#buckets) if (now - bucket.at >= MINUTE_MS) this.#buckets.delete(key);
  }

  get size(): number {
    return this.#buckets.size;
  }
}

/** Whole seconds until the bucket holds one token again (at least 1). */
function retryAfter(bucket: Bucket, perMinute: number): number {
  const missing = 1 - bucket.tokens;
  return Math.max(1, Math.ceil((missing * MINUTE_MS) / perMinute / 1000));
}
