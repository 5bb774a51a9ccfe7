/**
 * Properties of every win32 parser: registered under its DESIGN.md §5 tool id, total (never throws,
 * always a well-formed ToolFacts) on arbitrary strings, on tool-shaped noise and on cut or spliced
 * fixtures, and linear on long adversarial lines and line counts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseToolOutput, toolParser } from '../index.ts';
import type { ToolFacts, ToolParser } from '../types.ts';
import { fixtureCases, readFixture } from './fixture-files.fixture.ts';
import { WIN32_PARSERS } from './index.ts';

const TOOL_IDS = [
  'manage-bde-status',
  'get-bitlockervolume-fl',
  'get-mpcomputerstatus',
  'get-hotfix',
  'systeminfo',
  'wmic-qfe',
  'netsh-advfirewall',
  'reg-query-screensaver',
];

const ON_OFF = ['on', 'off', 'unknown'];

/** A ToolFacts a consumer can rely on, and that prints as the same JSON it holds. */
function expectWellFormed(facts: ToolFacts): void {
  expect(typeof facts.detail).toBe('object');
  if (facts.diskEncryption !== undefined) expect(ON_OFF).toContain(facts.diskEncryption);
  if (facts.firewall !== undefined) expect(ON_OFF).toContain(facts.firewall);
  if (facts.screenLock !== undefined) expect([true, false, 'unknown']).toContain(facts.screenLock.enabled);
  if (facts.lastUpdateAt !== undefined) expect(new Date(facts.lastUpdateAt).toISOString()).toBe(facts.lastUpdateAt);
  for (const agent of facts.edr ?? []) expect(typeof agent.running).toBe('boolean');
  expect(JSON.parse(JSON.stringify(facts))).toStrictEqual(facts);
}

const TOKENS = [
  'Volume C: [OS]', '[OS Volume]', 'Conversion Status:', 'Fully Encrypted', 'Protection On', 'Protection Off', 'Key Protectors:',
  'Konvertierungsstatus:', 'Vollständig verschlüsselt', 'Schutzstatus:', 'MountPoint', 'VolumeStatus', 'ProtectionStatus', ' : ',
  'FullyEncrypted', 'AMServiceEnabled', 'AntivirusEnabled', 'RealTimeProtectionEnabled', 'AMRunningMode', 'True', 'False',
  'Source  HotFixID  InstalledOn', '-------- --------', 'HotFixID=', 'InstalledOn=', 'KB5046613', '11/14/2024', '14.11.2024', '2024-11-14',
  '13/13/2024', '01cbdf7a5bc9e200', 'Hotfix(s):', '3 Hotfix(s) Installed.', '[01]: KB1', '[02]', 'OS Version:', '10.0.19045 N/A Build 19045',
  'Domain Profile Settings:', 'State', 'ON', 'OFF', 'Status', 'EIN', 'AUS', 'HKEY_CURRENT_USER\\Control Panel\\Desktop',
  '    ScreenSaveActive    REG_SZ    1', 'REG_DWORD', '0x258', 'ERROR:', 'FEHLER:', '+ CategoryInfo', ',', '=', ':', '\t',
  ' ', '    ', '\n', '\r\n', '\r\r\n', '\r', '\u0000', '\uFEFF', '\uFFFD', 'ä', '„', 'Ã¤',
];
const toolNoise = fc.array(fc.constantFrom(...TOKENS), { maxLength: 120 }).map((parts) => parts.join(''));

function spliced(parser: ToolParser): fc.Arbitrary<string> {
  const texts = fixtureCases(parser.id).map((name) => readFixture(parser.id, name));
  return fc
    .tuple(fc.constantFrom(...texts), fc.nat(), fc.nat(), fc.string({ unit: 'binary', maxLength: 40 }))
    .map(([text, a, b, insert]) => {
      const [from, to] = [a % (text.length + 1), b % (text.length + 1)].sort((x, y) => x - y);
      return text.slice(0, from) + insert + text.slice(to ?? from);
    });
}

describe('win32 parsers', () => {
  it('are registered under exactly the tool ids of DESIGN.md §5, as win32 parsers', () => {
    expect(WIN32_PARSERS.map((parser) => parser.id).sort()).toEqual([...TOOL_IDS].sort());
    for (const id of TOOL_IDS) {
      expect(toolParser(id)?.platform).toBe('win32');
      expect(toolParser(id)?.command.length).toBeGreaterThan(0);
    }
    expect(parseToolOutput('netsh-advfirewall', 'Public Profile Settings:\nState ON\n').firewall).toBe('unknown');
  });

  it('print every fixture result as the JSON they hold (no undefined, NaN or Date inside)', () => {
    for (const parser of WIN32_PARSERS) {
      for (const name of fixtureCases(parser.id)) expectWellFormed(parser.parse(readFixture(parser.id, name)));
    }
  });

  describe.each(WIN32_PARSERS.map((parser) => [parser.id, parser] as const))('%s', (_id, parser) => {
    it('is total on arbitrary strings, lone surrogates included', () => {
      fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (text) => expectWellFormed(parser.parse(text))), { numRuns: 300 });
    });

    it('is total on noise made of its own tool vocabulary', () => {
      fc.assert(fc.property(toolNoise, (text) => expectWellFormed(parser.parse(text))), { numRuns: 400 });
    });

    it('is total on its fixtures cut and spliced anywhere', () => {
      fc.assert(fc.property(spliced(parser), (text) => expectWellFormed(parser.parse(text))), { numRuns: 300 });
    });

    // A quadratic path on half a megabyte takes minutes; the budget only has to catch that, not
    // time a linear one on a busy CI machine.
    it('stays linear on half a megabyte of adversarial input', () => {
      const size = 1 << 19;
      const inputs = [
        ' '.repeat(size), ':'.repeat(size), '\r'.repeat(size), '\n'.repeat(size), '1'.repeat(size), '1/1/'.repeat(size / 4),
        '1.'.repeat(size / 2), 'a '.repeat(size / 2), ' REG_'.repeat(size / 5), 'KB1 '.repeat(size / 4), '-'.repeat(size),
        `HotFixID InstalledOn\n${'-- '.repeat(size / 3)}\n${'KB1 1/1/2024 '.repeat(size / 13)}`, `Hotfix(s): 1\n${' [1]'.repeat(size / 4)}`,
        `${'ä„'.repeat(size / 2)}:`, `10.0.1 ${' '.repeat(size)}x`, '\u0000a'.repeat(size / 2), `Volume C:\n${'    Key Protectors:\n'.repeat(size / 20)}`,
        'HotFixID '.repeat(size / 9), `HotFixID\n${' x'.repeat(size / 2)}\n`,
      ];
      for (const input of inputs) {
        const started = performance.now();
        expectWellFormed(parser.parse(input));
        expect(performance.now() - started, `${parser.id} on ${JSON.stringify(input.slice(0, 12))}…`).toBeLessThan(5_000);
      }
    });
  });
});
