import { describe, expect, it } from 'vitest';
import { compareVersions, isAtLeast, parseVersion } from './version.ts';

describe('parseVersion', () => {
  it.each([
    ['14.6', [14, 6]],
    ['14.6.1', [14, 6, 1]],
    ['10.0.22631', [10, 0, 22631]],
    ['10.0.22631.3447', [10, 0, 22631, 3447]],
    ['6.1.0-18-amd64', [6, 1, 0]],
    ['5.15.0-105-generic', [5, 15, 0]],
    ['6.8.0+rpt-rpi-v8', [6, 8, 0]],
    ['14.6.1 (23G93)', [14, 6, 1]],
    [' 22.04 ', [22, 4]],
    ['v1.2', [1, 2]],
    ['14.', [14]],
  ])('%s → %j', (text, parts) => {
    expect(parseVersion(text)).toEqual(parts);
  });

  it.each([undefined, '', 'Sonoma', '-1', '.5', '14.1234567890', '1234567890', 'x'.repeat(200)])('%j is unknown', (text) => {
    expect(parseVersion(text)).toBeUndefined();
  });
});

describe('compareVersions', () => {
  it.each([
    ['14.10', '14.6', 1],
    ['14.6', '14.10', -1],
    ['10.0.22631', '10.0.19045', 1],
    ['14.6', '14.6.0', 0],
    ['14.6.0.0', '14.6', 0],
    ['6.1.0-18-amd64', '6.1', 0],
    ['6.0.9', '6.1', -1],
    ['2', '10', -1],
  ])('%s vs %s → %i', (a, b, sign) => {
    expect(compareVersions(parseVersion(a) ?? [], parseVersion(b) ?? [])).toBe(sign);
  });
});

describe('isAtLeast', () => {
  it('answers true, false, or undefined when either side is not a version', () => {
    expect(isAtLeast('14.10', '14.6')).toBe(true);
    expect(isAtLeast('14.5.9', '14.6')).toBe(false);
    expect(isAtLeast(undefined, '14.6')).toBeUndefined();
    expect(isAtLeast('14.6', 'latest')).toBeUndefined();
  });
});
