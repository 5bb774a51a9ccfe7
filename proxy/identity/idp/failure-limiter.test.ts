import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './failure-limiter.ts';

describe('FailureLimiter', () => {
  const make = (options: { limit?: number; maxKeys?: number } = {}) => {
    let now = 1_000_000;
    const limiter = new FailureLimiter({ limit: options.limit ?? 3, windowMs: 60_000, now: () => now, maxKeys: options.maxKeys });
    return { limiter, advance: (ms: number) => (now += ms) };
  };

  it('allows `limit` failures in the window and then says how long to wait', () => {
    const { limiter, advance } = make();
    limiter.recordFailure('alice');
    advance(10_000);
    limiter.recordFailure('alice');
    expect(limiter.retryAfterMs('alice')).toBe(0);
    advance(10_000);
    limiter.recordFailure('alice');
    // The first of the three counting failures leaves the window 40 s from now.
    expect(limiter.retryAfterMs('alice')).toBe(40_000);
    expect(limiter.retryAfterMs('bob')).toBe(0);
    advance(40_000);
    expect(limiter.retryAfterMs('alice')).toBe(0);
  });

  it('slides: failures older than the window stop counting', () => {
    const { limiter, advance } = make();
    limiter.recordFailure('k');
    limiter.recordFailure('k');
    advance(61_000);
    limiter.recordFailure('k');
    limiter.recordFailure('k');
    expect(limiter.retryAfterMs('k')).toBe(0);
    limiter.recordFailure('k');
    expect(limiter.retryAfterMs('k')).toBe(60_000);
  });

  it('forgets a key on reset', () => {
    const { limiter } = make({ limit: 1 });
    limiter.recordFailure('alice');
    expect(limiter.retryAfterMs('alice')).toBeGreaterThan(0);
    limiter.reset('alice');
    expect(limiter.retryAfterMs('alice')).toBe(0);
  });

  it('tracks at most maxKeys keys, forgetting the least recently failed', () => {
    const { limiter } = make({ limit: 1, maxKeys: 2 });
    limiter.recordFailure('a');
    limiter.recordFailure('b');
    limiter.recordFailure('c');
    expect(limiter.retryAfterMs('a')).toBe(0);
    expect(limiter.retryAfterMs('b')).toBeGreaterThan(0);
    expect(limiter.retryAfterMs('c')).toBeGreaterThan(0);
  });

  it('rejects nonsense limits as programming errors', () => {
    expect(() => new FailureLimiter({ limit: 0, windowMs: 1000, now: Date.now })).toThrow(TypeError);
    expect(() => new FailureLimiter({ limit: 1, windowMs: 0.5, now: Date.now })).toThrow(TypeError);
  });
});
