import { describe, expect, it } from 'vitest';
import { HttpRateLimiter } from './rate-limit.ts';

describe('HttpRateLimiter', () => {
  it('admits a burst of the per-identity limit, then refuses with the seconds until the next token', () => {
    const limiter = new HttpRateLimiter();
    const limits = { perIdentityPerMinute: 3, perAppPerMinute: 100 };
    for (let i = 0; i < 3; i++) expect(limiter.take('app', 'alice', limits, 0)).toEqual({ ok: true });
    expect(limiter.take('app', 'alice', limits, 0)).toEqual({ ok: false, retryAfterS: 20, scope: 'identity' });
    // Another identity has its own bucket.
    expect(limiter.take('app', 'bob', limits, 0)).toEqual({ ok: true });
    // 20 s later one token is back.
    expect(limiter.take('app', 'alice', limits, 20_000)).toEqual({ ok: true });
    expect(limiter.take('app', 'alice', limits, 20_000).ok).toBe(false);
  });

  it('applies the per-app limit across identities, per app', () => {
    const limiter = new HttpRateLimiter();
    const limits = { perIdentityPerMinute: 10, perAppPerMinute: 4 };
    for (const user of ['a', 'b', 'c', 'd']) expect(limiter.take('app', user, limits, 0).ok).toBe(true);
    expect(limiter.take('app', 'e', limits, 0)).toEqual({ ok: false, retryAfterS: 15, scope: 'app' });
    expect(limiter.take('other-app', 'e', limits, 0).ok).toBe(true);
  });

  it('sweeps idle buckets instead of growing without bound', () => {
    const limiter = new HttpRateLimiter();
    const limits = { perIdentityPerMinute: 10, perAppPerMinute: 1_000_000 };
    for (let i = 0; i < 10_001; i++) limiter.take('app', `u${i}`, limits, 0);
    limiter.take('app', 'late', limits, 120_000);
    expect(limiter.size).toBeLessThan(10);
  });
});
