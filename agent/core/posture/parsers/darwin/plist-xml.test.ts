import { describe, expect, it } from 'vitest';
import { MAX_PLIST_DEPTH, parsePlistXml } from './plist-xml.ts';

const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n';
const doc = (body: string): string => `${HEAD}<plist version="1.0">\n${body}\n</plist>\n`;

describe('parsePlistXml', () => {
  it('reads every type of the subset', () => {
    const value = parsePlistXml(
      doc(
        '<dict><key>s</key><string>a &amp; b &lt;c&gt; &#x2019;&#233;</string><key>i</key><integer>-42</integer>' +
          '<key>r</key><real>1.5</real><key>t</key><true/><key>f</key><false/><key>d</key><date>2024-05-02T09:14:07Z</date>' +
          '<key>b</key><data>AAEC</data><key>a</key><array><string/><dict/><array/></array></dict>',
      ),
    );
    expect(value).toEqual(
      new Map<string, unknown>([
        ['s', 'a & b <c> ’é'],
        ['i', -42],
        ['r', 1.5],
        ['t', true],
        ['f', false],
        ['d', '2024-05-02T09:14:07Z'],
        ['b', 'AAEC'],
        ['a', ['', new Map(), []]],
      ]),
    );
  });

  it('keeps __proto__ and constructor as plain keys', () => {
    const value = parsePlistXml(doc('<dict><key>__proto__</key><string>x</string><key>constructor</key><true/></dict>'));
    expect(value).toBeInstanceOf(Map);
    expect((value as Map<string, unknown>).get('__proto__')).toBe('x');
    expect(Object.prototype).not.toHaveProperty('x');
  });

  it('skips comments, reads CDATA, tolerates CRLF and attributes', () => {
    const text = doc('<!-- a <dict> in a comment -->\r\n<array>\r\n <string><![CDATA[<raw> & ]]>tail</string>\r\n</array>');
    expect(parsePlistXml(text)).toEqual(['<raw> & tail']);
  });

  it('replaces invalid character references with U+FFFD instead of throwing', () => {
    expect(parsePlistXml(doc('<string>&#x110000;&#xD800;&#0;</string>'))).toBe('\ufffd\ufffd\ufffd');
  });

  it.each([
    ['empty text', ''],
    ['no plist element', '<dict></dict>'],
    ['an element outside the subset', doc('<dict><key>a</key><foo/></dict>')],
    ['mismatched close', doc('<dict><key>a</key><string>x</array></dict>')],
    ['a value without a key', doc('<dict><string>x</string></dict>')],
    ['a key without a value', doc('<dict><key>a</key></dict>')],
    ['two roots', doc('<string>a</string><string>b</string>')],
    ['stray text in a container', doc('<array>text</array>')],
    ['an integer that is not one', doc('<integer>12abc</integer>')],
    ['unterminated tag', `${HEAD}<plist version="1.0"><dict`],
    ['unterminated comment', doc('<!-- never closed')],
    ['truncated document', doc('<dict><key>a</key><array><string>x</string>').slice(0, -10)],
    ['a DOCTYPE inside the document', doc('<!DOCTYPE x><string>a</string>')],
  ])('gives undefined for %s', (_name, text) => {
    expect(parsePlistXml(text)).toBeUndefined();
  });

  it(`caps nesting at ${MAX_PLIST_DEPTH}`, () => {
    const nested = (depth: number): string => doc(`${'<array>'.repeat(depth)}${'</array>'.repeat(depth)}`);
    expect(parsePlistXml(nested(MAX_PLIST_DEPTH))).toBeDefined();
    expect(parsePlistXml(nested(MAX_PLIST_DEPTH + 1))).toBeUndefined();
    expect(parsePlistXml(nested(200_000))).toBeUndefined();
  });
});
