import { describe, expect, it } from 'vitest';
import { MAX_ASCII_PLIST_DEPTH, parseAsciiPlist } from './plist-ascii.ts';

describe('parseAsciiPlist', () => {
  it('reads dicts, arrays, quoted and bare strings, data and comments', () => {
    const text = 'Daemon response: {\n  "FDE_Enabled" = 1; /* comment */\n  Apps = ( { Name = "zoom.us"; }, sshd, );\n' +
      '  // line comment\n  Quote = "a \\"b\\" \\U00e9\\n";\n  Blob = <0fa1 b2>;\n}\ntrailing text';
    const start = text.indexOf('{');
    const result = parseAsciiPlist(text, start);
    expect(result?.value).toEqual(
      new Map<string, unknown>([
        ['FDE_Enabled', '1'],
        ['Apps', [new Map([['Name', 'zoom.us']]), 'sshd']],
        ['Quote', 'a "b" é\n'],
        ['Blob', '0fa1b2'],
      ]),
    );
    expect(text.slice(result?.end)).toBe('\ntrailing text');
  });

  it('reads a bare string as a whole value', () => {
    expect(parseAsciiPlist('  hello  ')).toEqual({ value: 'hello', end: 7 });
  });

  it.each([
    ['empty text', ''],
    ['an unterminated dict', '{ a = 1;'],
    ['a missing semicolon', '{ a = 1 }'],
    ['a missing equals sign', '{ a 1; }'],
    ['a dict as a key', '{ { a = 1; } = 2; }'],
    ['a stray closing bracket', ')'],
    ['a mismatched bracket', '{ a = ( 1 }; }'],
    ['an unterminated string', '{ a = "x; }'],
    ['an unterminated comment', '{ /* a = 1; }'],
    ['an unexpected character', '{ a = #; }'],
  ])('gives undefined for %s', (_name, text) => {
    expect(parseAsciiPlist(text)).toBeUndefined();
  });

  it(`caps nesting at ${MAX_ASCII_PLIST_DEPTH}`, () => {
    const nested = (depth: number): string => `${'('.repeat(depth)}${')'.repeat(depth)}`;
    expect(parseAsciiPlist(nested(MAX_ASCII_PLIST_DEPTH))).toBeDefined();
    expect(parseAsciiPlist(nested(MAX_ASCII_PLIST_DEPTH + 1))).toBeUndefined();
  });
});
