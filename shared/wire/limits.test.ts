import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, LIMIT_BOUNDS, resolveLimits, validateLimits } from './limits.ts';

describe('DEFAULT_LIMITS', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxFramePayload: 65_536,
      maxJsonPayload: 16_384,
      maxControlPayload: 65_536,
      maxStreams: 1024,
      initialWindow: 262_144,
      maxWindow: 16_777_216,
    });
  });

  it('is frozen', () => {
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true);
  });
});

describe('validateLimits', () => {
  it('overrides the defaults it is given and keeps the rest', () => {
    const limits = validateLimits({ maxFramePayload: 1024 * 1024, maxStreams: 16 });
    expect(limits).toEqual({ ...DEFAULT_LIMITS, maxFramePayload: 1024 * 1024, maxStreams: 16 });
    expect(Object.isFrozen(limits)).toBe(true);
  });

  it('treats undefined values as absent', () => {
    expect(validateLimits({ maxStreams: undefined })).toEqual(DEFAULT_LIMITS);
  });

  it('returns an already validated object unchanged', () => {
    const limits = validateLimits({ maxStreams: 8 });
    expect(validateLimits(limits)).toBe(limits);
  });

  it('accepts each bound inclusively', () => {
    for (const [key, [min, max]] of Object.entries(LIMIT_BOUNDS)) {
      const windows = key === 'initialWindow' ? { maxWindow: max } : key === 'maxWindow' ? { initialWindow: min } : {};
      expect(validateLimits({ ...windows, [key]: min })).toHaveProperty(key, min);
      expect(validateLimits({ ...windows, [key]: max })).toHaveProperty(key, max);
    }
  });

  it.each([
    ['zero', { maxFramePayload: 0 }],
    ['negative', { maxStreams: -1 }],
    ['fractional', { maxJsonPayload: 1.5 }],
    ['NaN', { maxControlPayload: Number.NaN }],
    ['Infinity', { maxWindow: Number.POSITIVE_INFINITY }],
    ['a string', { maxStreams: '8' as unknown as number }],
    ['above the bound', { maxFramePayload: 16 * 1024 * 1024 + 1 }],
    ['initialWindow above maxWindow', { initialWindow: 2048, maxWindow: 1024 }],
  ])('throws TypeError for %s', (_name, partial) => {
    expect(() => validateLimits(partial)).toThrow(TypeError);
  });

  it('throws TypeError for an unknown key, so a typo does not silently keep a default', () => {
    expect(() => validateLimits({ maxFramePayLoad: 1 } as never)).toThrow(/unknown wire limit "maxFramePayLoad"/);
  });

  it('throws TypeError for a __proto__ key from parsed JSON', () => {
    const partial = JSON.parse('{"__proto__": {"maxStreams": 1}}') as object;
    expect(() => validateLimits(partial)).toThrow(TypeError);
  });

  it('throws TypeError when not given an object', () => {
    expect(() => validateLimits(null as never)).toThrow(TypeError);
    expect(() => validateLimits(5 as never)).toThrow(TypeError);
  });
});

describe('resolveLimits', () => {
  it('accepts a complete, valid object that did not come from validateLimits', () => {
    const limits = { ...DEFAULT_LIMITS, maxStreams: 3 };
    expect(resolveLimits(limits)).toBe(limits);
  });

  it('throws TypeError for an incomplete or invalid object', () => {
    expect(() => resolveLimits({ maxFramePayload: 10 } as never)).toThrow(TypeError);
    expect(() => resolveLimits({ ...DEFAULT_LIMITS, maxFramePayload: Number.NaN })).toThrow(TypeError);
  });
});
