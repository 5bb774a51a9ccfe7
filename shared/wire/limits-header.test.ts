import { describe, expect, it } from 'vitest';
import { validateLimits } from './limits.ts';
import { formatLimitsHeader, parseLimitsHeader } from './limits-header.ts';

describe('limits header', () => {
  it('round-trips announced limits', () => {
    const limits = validateLimits({ maxFramePayload: 128 * 1024, initialWindow: 512 * 1024, maxStreams: 10 });
    const header = formatLimitsHeader(limits);
    expect(header).toContain('maxFramePayload=131072');
    expect(parseLimitsHeader(header)).toEqual(limits);
  });

  it('gives the defaults when the proxy announced nothing', () => {
    expect(parseLimitsHeader(undefined)).toEqual(validateLimits());
  });

  it.each([
    'maxFramePayload=abc',
    'maxFramePayload=0',
    'bogus=1',
    'maxStreams=1, maxStreams=2',
    'initialWindow=2000000000',
    `maxStreams=1,${' '.repeat(600)}`,
  ])('refuses %j', (header) => {
    expect(() => parseLimitsHeader(header)).toThrow(TypeError);
  });
});
