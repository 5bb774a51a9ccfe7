import { describe, expect, it } from 'vitest';
import { isZerogateError } from '../../shared/errors.ts';
import { IdentityRateLimiter } from './identity-rate.ts';

function refusal(fn: () => void): { code: string; retryAfterSeconds: unknown; message: string } {
  try {
    fn();
  } catch (error) {
    if (!isZerogateError(error)) throw error;
    return { code: error.code, retryAfterSeconds: error.detail?.retryAfterSeconds, message: error.message };
  }
  throw new Error('expected a refusal');
}

describe('IdentityRateLimiter', () => {
  it('allows max requests per window per identity, then refuses with the time left', () => {
    const limiter = new IdentityRateLimiter({ max: 3, windowMs: 60_000, what: 'sign-ins' });
    for (let i = 0; i < 3; i++) limiter.take('alice', 1_000 + i);
    const refused = refusal(() => limiter.take('alice', 31_000));
    expect(refused.code).toBe('ZG_ERR_RATE_LIMITED');
    expect(refused.retryAfterSeconds).toBe(30);
    expect(refused.message).toContain('too many sign-ins');
    // Another identity has its own budget.
    limiter.take('bob', 31_000);
  });

  it('starts a fresh window once the old one has passed', () => {
    const limiter = new IdentityRateLimiter({ max: 1, windowMs: 1_000, what: 'x' });
    limiter.take('alice', 0);
    expect(refusal(() => limiter.take('alice', 999)).retryAfterSeconds).toBe(1);
    limiter.take('alice', 1_000);
  });

  it('is bounded: sweeps expired identities, and refuses new ones when still full', () => {
    const limiter = new IdentityRateLimiter({ max: 5, windowMs: 1_000, what: 'x', maxKeys: 2 });
    limiter.take('a', 0);
    limiter.take('b', 0);
    expect(refusal(() => limiter.take('c', 500)).code).toBe('ZG_ERR_RATE_LIMITED');
    limiter.take('a', 600); // a known identity still counts in its window
    limiter.take('c', 1_000); // a and b expired: swept
    expect(limiter.size).toBe(1);
  });

  it('rejects a nonsensical configuration', () => {
    expect(() => new IdentityRateLimiter({ max: 0, windowMs: 1, what: 'x' })).toThrow(TypeError);
    expect(() => new IdentityRateLimiter({ max: 1, windowMs: 0, what: 'x' })).toThrow(TypeError);
  });
});

describe('IdentityRateLimiter.check and count (limits on outcomes)', () => {
  it('counts without refusing, and check refuses once the window is full', () => {
    const limiter = new IdentityRateLimiter({ max: 2, windowMs: 10_000, what: 'refused upgrades' });
    limiter.check('10.0.0.1', 0);
    limiter.count('10.0.0.1', 1);
    limiter.count('10.0.0.1', 2);
    limiter.count('10.0.0.1', 3); // over: counted quietly
    expect(refusal(() => limiter.check('10.0.0.1', 4)).retryAfterSeconds).toBe(10);
    limiter.check('10.0.0.2', 4);
    limiter.check('10.0.0.1', 10_001); // the window has passed
  });
});
