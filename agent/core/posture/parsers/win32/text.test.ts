import { describe, expect, it } from 'vitest';
import { summariseHotfixes } from './dates.ts';
import { findError, fold, windowsLines } from './text.ts';

describe('windowsLines', () => {
  it('undoes CRLF, CR CR LF, lone CR and UTF-16 NULs', () => {
    expect(windowsLines('a\r\nb\r\r\nc\rd\n')).toEqual(['a', 'b', 'c', 'd', '']);
    expect(windowsLines('S\u0000t\u0000a\u0000t\u0000e\u0000\r\u0000\n\u0000')).toEqual(['State', '']);
  });

  it.each([
    ['UTF-8 BOM', '\uFEFFState'],
    ['UTF-16LE BOM read as UTF-8', '\uFFFD\uFFFDState'],
    ['UTF-16LE BOM read as Latin-1', '\u00FF\u00FEState'],
    ['UTF-8 BOM read as Windows-1252', '\u00EF\u00BB\u00BFState'],
    ['two BOMs (a file converted twice)', '\uFEFF\uFEFFState'],
  ])('strips a leading %s', (_name, text) => {
    expect(windowsLines(text)).toEqual(['State']);
  });
});

describe('fold', () => {
  it('folds umlauts and their mojibake to one letter each', () => {
    for (const text of ['Vollständig', 'Vollst„ndig', 'VollstÃ¤ndig', 'Vollst\uFFFDndig']) expect(fold(text)).toMatch(/^vollst.ndig$/);
    expect(fold('Öffentliches')).toBe('offentliches');
  });
});

describe('findError', () => {
  it.each([
    ['ERROR: Access denied', 'Access denied'],
    ['Node - PC1\nERROR:\nDescription = Access is denied.', 'Access is denied.'],
    ['FEHLER: Zugriff verweigert', 'Zugriff verweigert'],
    ['Get-Foo : bad thing\nAt line:1 char:1\n    + CategoryInfo          : NotSpecified', 'Get-Foo : bad thing'],
    ['all good', undefined],
  ])('%j', (text, expected) => {
    expect(findError(windowsLines(text))).toBe(expected);
  });
});

describe('summariseHotfixes dates', () => {
  const newest = (...dates: string[]) => summariseHotfixes(dates.map((installedOn, index) => ({ id: `KB${index}`, installedOn }))).lastUpdateAt;

  it('reads two-digit years as 20xx and rejects dates that do not exist', () => {
    expect(newest('14.11.24')).toBe('2024-11-14T00:00:00.000Z');
    expect(newest('31.02.2024')).toBeUndefined();
    expect(newest('2/30/2024')).toBeUndefined();
  });

  it('ignores version numbers and SIDs that look like dates', () => {
    expect(newest('10.0.19041.1')).toBeUndefined();
    expect(newest('S-1-5-18')).toBeUndefined();
  });

  it('reads FILETIME hex exactly and ignores hex out of range', () => {
    expect(newest('01cbdf7a5bc9e200')).toBe('2011-03-10T00:00:00.000Z');
    expect(newest('ffffffffffffffff')).toBeUndefined();
  });
});
