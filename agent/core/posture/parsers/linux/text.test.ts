import { describe, expect, it } from 'vitest';
import { clip, localIso, parseJson, parseLocalDateTime, splitKeyValue, toLines, unrecognised } from './text.ts';

describe('linux parser text helpers', () => {
  it('splits lines across CRLF, CR and LF, without BOM, colours or trailing space', () => {
    expect(toLines('\uFEFFa  \r\n\x1b[1;32mb\x1b[0m\rc\n')).toEqual(['a', 'b', 'c', '']);
  });

  it('keeps local date-times without inventing an offset, and rejects impossible ones', () => {
    expect(parseLocalDateTime('2024-03-01  10:12:41')).toBe('2024-03-01T10:12:41');
    expect(parseLocalDateTime('2024-03-04 09:20')).toBe('2024-03-04T09:20:00');
    expect(parseLocalDateTime('2023-02-29 10:00')).toBeUndefined();
    expect(localIso(2024, 2, 29, 23, 59, 59)).toBe('2024-02-29T23:59:59');
    expect(localIso(2024, 13, 1, 0, 0, 0)).toBeUndefined();
  });

  it('splits key/value lines at a colon or a column gap', () => {
    expect(splitKeyValue('Agent version: 24.2.2.20')).toEqual(['Agent version', '24.2.2.20']);
    expect(splitKeyValue('Anti Tamper                      On')).toEqual(['Anti Tamper', 'On']);
    expect(splitKeyValue('URL   https://x.example:443')).toEqual(['URL', 'https://x.example:443']);
    expect(splitKeyValue('single words only')).toBeUndefined();
  });

  it('parses JSON after warning lines and never throws', () => {
    expect(parseJson('WARNING: x\n{"a":1}')).toEqual({ a: 1 });
    expect(parseJson('{"a":')).toBeUndefined();
    expect(parseJson('no json')).toBeUndefined();
  });

  it('describes unrecognised output by its error line or its first line', () => {
    expect(unrecognised(['', 'bash: x: command not found'])).toEqual({ error: 'bash: x: command not found' });
    expect(unrecognised(['hello'])).toEqual({ note: 'output not recognised', firstLine: 'hello' });
    expect(unrecognised([''])).toEqual({ note: 'empty output' });
    expect(clip('x'.repeat(300)).length).toBe(201);
  });
});
