import { describe, expect, it } from 'vitest';
import { ConcurrencyGate, FailureLimiter, sourceKey } from './failure-limiter.ts';

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

  it('counts attempts in flight as failures made now until they are settled (the limiter race)', () => {
    const { limiter, advance } = make();
    limiter.recordFailure('alice');
    advance(10_000);
    const first = limiter.begin('alice');
    expect(limiter.retryAfterMs('alice')).toBe(0);
    const second = limiter.begin('alice');
    expect(limiter.inFlight('alice')).toBe(2);
    // One failure 10 s ago and two pending: the failure leaves the window in 50 s.
    expect(limiter.retryAfterMs('alice')).toBe(50_000);
    first.release();
    first.fail();
    expect(limiter.inFlight('alice')).toBe(1);
    expect(limiter.retryAfterMs('alice')).toBe(0);
    second.fail();
    second.release();
    expect(limiter.inFlight('alice')).toBe(0);
    expect(limiter.retryAfterMs('alice')).toBe(0);
    limiter.begin('alice');
    expect(limiter.retryAfterMs('alice')).toBe(50_000);
  });

  it('counts pending attempts alone as a full window', () => {
    const { limiter } = make({ limit: 2 });
    limiter.begin('k');
    limiter.begin('k');
    expect(limiter.retryAfterMs('k')).toBe(60_000);
  });
});

describe('ConcurrencyGate', () => {
  it('hands out at most max slots and takes each back once', () => {
    const gate = new ConcurrencyGate(2);
    const a = gate.tryAcquire();
    const b = gate.tryAcquire();
    expect(gate.tryAcquire()).toBeUndefined();
    a!();
    a!();
    expect(gate.inUse).toBe(1);
    const c = gate.tryAcquire();
    expect(c).toBeDefined();
    expect(gate.tryAcquire()).toBeUndefined();
    b!();
    c!();
    expect(gate.inUse).toBe(0);
    expect(() => new ConcurrencyGate(0)).toThrow(TypeError);
  });
});

describe('sourceKey', () => {
  it('keys IPv4 by the address and IPv6 by its /64', () => {
    expect(sourceKey('198.51.100.7')).toBe('198.51.100.7');
    expect(sourceKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(sourceKey('::ffff:c633:6407')).toBe('198.51.100.7');
    expect(sourceKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:DB8:1:2::ffff')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('2001:db8:1:2::198.51.100.7')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('not an address')).toBe('not an address');
  });
});
