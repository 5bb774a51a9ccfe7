import { describe, expect, it } from 'vitest';
import { checkLabel, formatTime, parsePolicyText, splitList, statusText, unique } from './format.ts';

describe('formatTime', () => {
  it('prints local date and time to the second', () => {
    const d = new Date(2025, 2, 1, 14, 5, 9);
    expect(formatTime(d.toISOString())).toBe('2025-03-01 14:05:09');
  });

  it('shows a dash for nothing and the text for something unparseable', () => {
    expect(formatTime(undefined)).toBe('—');
    expect(formatTime('soon')).toBe('soon');
  });
});

describe('labels', () => {
  it('names every posture check in words, and passes unknown names through', () => {
    expect(checkLabel('diskEncryption')).toBe('Disk encryption');
    expect(checkLabel('newCheck')).toBe('newCheck');
  });

  it('gives every status a word and a symbol', () => {
    expect(statusText('pass')).toEqual({ symbol: '✓', text: 'pass' });
    expect(statusText('fail')).toEqual({ symbol: '✗', text: 'fail' });
    expect(statusText('unknown')).toEqual({ symbol: '?', text: 'unknown' });
  });
});

describe('lists', () => {
  it('splits on commas and whitespace, drops empties and repeats', () => {
    expect(splitList(' alice, bob\ncarol,,alice ')).toEqual(['alice', 'bob', 'carol']);
    expect(splitList('  ')).toEqual([]);
  });

  it('keeps the first of repeated texts in order', () => {
    expect(unique(['b', 'a', 'b'])).toEqual(['b', 'a']);
  });
});

describe('parsePolicyText', () => {
  it('accepts a JSON object', () => {
    expect(parsePolicyText('{"allow":[]}')).toEqual({ ok: true, value: { allow: [] } });
  });

  it.each(['{', '[]', 'null', '"x"', ''])('refuses %j', (text) => {
    const parsed = parsePolicyText(text);
    expect(parsed.ok).toBe(false);
  });
});
