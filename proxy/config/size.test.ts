import { describe, expect, it } from 'vitest';
import { formatSize, SIZE_PATTERN, tryParseSize } from './size.ts';

describe('config sizes', () => {
  it('reads binary units and plain byte counts', () => {
    expect(tryParseSize('1MiB')).toBe(1024 * 1024);
    expect(tryParseSize('512KiB')).toBe(512 * 1024);
    expect(tryParseSize('100MiB')).toBe(100 * 1024 * 1024);
    expect(tryParseSize('2048')).toBe(2048);
    expect(tryParseSize('7B')).toBe(7);
    expect(tryParseSize(4096)).toBe(4096);
  });

  it('refuses decimal units, fractions, signs and spaces', () => {
    for (const bad of ['1MB', '1.5MiB', '-1KiB', '1 MiB', 'MiB', '', '1mib', '9999999999999999TiB']) {
      expect(tryParseSize(bad), bad).toBeUndefined();
    }
    expect(tryParseSize(-1)).toBeUndefined();
    expect(tryParseSize(1.5)).toBeUndefined();
  });

  it('formats sizes back to what it reads', () => {
    for (const bytes of [1024, 1024 * 1024, 100 * 1024 * 1024, 1000, 3 * 1024 ** 3]) {
      expect(tryParseSize(formatSize(bytes))).toBe(bytes);
    }
    expect(formatSize(1024 * 1024)).toBe('1MiB');
    expect(new RegExp(SIZE_PATTERN, 'u').test('1MiB')).toBe(true);
  });
});
