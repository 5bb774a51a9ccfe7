import { describe, expect, it } from 'vitest';
import { HOUR, NOW, decisionInput } from '../test-helpers.ts';
import { checkMaxAuthAge } from './max-auth-age.ts';

describe('checkMaxAuthAge', () => {
  it('passes a sign-in within the limit, and exactly at it', () => {
    const { identity } = decisionInput({ identity: { authTime: NOW - HOUR } });
    expect(checkMaxAuthAge(identity, NOW, 12 * HOUR)).toEqual({ pass: true, reasons: [], data: { authAgeMs: HOUR, maxAuthAgeMs: 12 * HOUR } });
    expect(checkMaxAuthAge(identity, NOW, HOUR).pass).toBe(true);
  });

  it('fails a sign-in older than the limit', () => {
    const { identity } = decisionInput({ identity: { authTime: NOW - 13 * HOUR } });
    expect(checkMaxAuthAge(identity, NOW, 12 * HOUR)).toEqual({
      pass: false,
      reasons: ['auth-too-old'],
      data: { authAgeMs: 13 * HOUR, maxAuthAgeMs: 12 * HOUR },
    });
  });

  it('fails closed on an unknown time, and counts a time in the future as now', () => {
    const unknown = decisionInput({ identity: { authTime: Number.NaN } }).identity;
    expect(checkMaxAuthAge(unknown, NOW, HOUR)).toEqual({ pass: false, reasons: ['auth-too-old'], data: { authAgeMs: null, maxAuthAgeMs: HOUR } });
    const skewed = decisionInput({ identity: { authTime: NOW + 2000 } }).identity;
    expect(checkMaxAuthAge(skewed, NOW, HOUR)).toEqual({ pass: true, reasons: [], data: { authAgeMs: 0, maxAuthAgeMs: HOUR } });
  });
});
