import { describe, expect, it } from 'vitest';
import { MINUTE, postureReport } from '../test-helpers.ts';
import { checkScreenLock } from './screen-lock.ts';

const lock = (status: 'pass' | 'fail' | 'unknown', timeoutSeconds: number | undefined) => postureReport({ screenLock: { status, timeoutSeconds } });

describe('checkScreenLock', () => {
  it('passes an enabled lock within maxTimeout (and at it)', () => {
    expect(checkScreenLock(lock('pass', 300), { maxTimeoutMs: 10 * MINUTE })).toEqual({
      pass: true,
      reasons: [],
      data: { status: 'pass', timeoutSeconds: 300, maxTimeoutSeconds: 600 },
    });
    expect(checkScreenLock(lock('pass', 600), { maxTimeoutMs: 10 * MINUTE }).pass).toBe(true);
  });

  it('fails a lock that waits longer than maxTimeout', () => {
    expect(checkScreenLock(lock('pass', 1800), { maxTimeoutMs: 10 * MINUTE })).toEqual({
      pass: false,
      reasons: ['screen-lock-off'],
      data: { status: 'pass', timeoutSeconds: 1800, maxTimeoutSeconds: 600 },
    });
  });

  it('fails a lock that is off, whatever its timeout', () => {
    expect(checkScreenLock(lock('fail', 60), true)).toEqual({
      pass: false,
      reasons: ['screen-lock-off'],
      data: { status: 'fail', timeoutSeconds: 60, maxTimeoutSeconds: null },
    });
  });

  it('with `true`, needs only an enabled lock; with a maximum, an unknown timeout fails closed', () => {
    expect(checkScreenLock(lock('pass', undefined), true)).toEqual({
      pass: true,
      reasons: [],
      data: { status: 'pass', timeoutSeconds: null, maxTimeoutSeconds: null },
    });
    expect(checkScreenLock(lock('pass', undefined), { maxTimeoutMs: 10 * MINUTE })).toEqual({
      pass: false,
      reasons: ['screen-lock-off'],
      data: { status: 'pass', timeoutSeconds: null, maxTimeoutSeconds: 600 },
    });
  });
});
