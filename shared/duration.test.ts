import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isZerogateError } from './errors.ts';
import { DURATION_PATTERN, formatDuration, parseDuration, tryParseDuration } from './duration.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['90s', 90 * S],
    ['10m', 10 * M],
    ['1h', H],
    ['7d', 7 * D],
    ['1h30m', H + 30 * M],
    ['250ms', 250],
    ['10ms', 10],
    ['1m500ms', M + 500],
    ['1d2h3m4s5ms', D + 2 * H + 3 * M + 4 * S + 5],
    ['0s', 0],
    ['397d', 397 * D],
    ['007m', 7 * M],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    '',
    '10',
    'h',
    '1x',
    '1H',
    '1h1h',
    '30m1h',
    '1s1m',
    ' 1h',
    '1h ',
    '1h 30m',
    '-1h',
    '+1h',
    '1.5h',
    '1e3s',
    '1w',
    '1y',
    'ms',
    '99999999999999999999d',
    '1'.repeat(70) + 's',
  ])('rejects %j with ZG_ERR_CONFIG_INVALID', (text) => {
    expect(tryParseDuration(text)).toBeUndefined();
    let caught: unknown;
    try {
      parseDuration(text);
    } catch (error) {
      caught = error;
    }
    expect(isZerogateError(caught, 'ZG_ERR_CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toMatch(/^expected a duration such as 90s, 10m, 1h30m or 7d, found "/);
  });

  it('shows at most 60 characters of a rejected value', () => {
    try {
      parseDuration('x'.repeat(500));
      expect.unreachable();
    } catch (error) {
      const found = (error as { detail: { found: string } }).detail.found;
      expect(found.length).toBeLessThanOrEqual(60);
      expect(found.endsWith('...')).toBe(true);
    }
  });

  it('throws TypeError when called with a non-string (API misuse)', () => {
    expect(() => parseDuration(3600 as unknown as string)).toThrow(TypeError);
    expect(() => tryParseDuration(undefined as unknown as string)).toThrow(TypeError);
  });

  it('agrees with DURATION_PATTERN on what is well-formed', () => {
    const re = new RegExp(DURATION_PATTERN, 'u');
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9dhms .-]{0,12}$/), (text) => {
        expect(tryParseDuration(text) !== undefined).toBe(re.test(text));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1, '1ms'],
    [90 * S, '1m30s'],
    [H + 30 * M, '1h30m'],
    [7 * D, '7d'],
    [D + 500, '1d500ms'],
  ])('formats %d as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips every non-negative safe integer through parseDuration', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('throws TypeError for %d', (ms) => {
    expect(() => formatDuration(ms)).toThrow(TypeError);
  });
});
