/**
 * Every darwin parser is total (returns facts, never throws, on any string) and linear (a
 * quarter-megabyte of adversarial text — long runs that make a backtracking regex or a rescan
 * quadratic — is read well inside a time budget). `ToolParser` promises both; the registry relies
 * on them for text pasted by helpdesk staff.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ToolFacts } from '../types.ts';
import { DARWIN_PARSERS } from './index.ts';
import { parseAsciiPlist } from './plist-ascii.ts';
import { parsePlistXml } from './plist-xml.ts';

const ON_OFF = ['on', 'off', 'unknown'];

/** Pieces of every format the parsers read, so random text reaches their deeper branches. */
const TOKENS = [
  'FileVault is On.', 'FileVault is Off', 'Encryption in progress: Percent completed = ', 'Deferred enablement appears to be active',
  '<?xml version="1.0"?>', '<!DOCTYPE plist>', '<plist version="1.0">', '</plist>', '<dict>', '</dict>', '<array>', '</array>', '<array/>',
  '<key>', '</key>', '<string>', '</string>', '<integer>', '</integer>', '<true/>', '<false/>', '<real>', '</real>', '<!--', '-->', '<![CDATA[', ']]>',
  'Containers', 'Volumes', 'Roles', 'Data', 'System', 'FileVault', 'CryptoMigrationOn', 'Locked', '&amp;', '&#x110000;', '&#55296;',
  'Daemon response:', 'Agent response:', 'SecurityInfo', '"FDE_Enabled"', 'FirewallSettings', 'FirewallEnabled', 'ManagementStatus',
  '{', '}', '(', ')', '=', ';', ',', '"', '\\', '/*', '*/', '//', '<0a>', '1', '0', '-1', '2', '7',
  'Firewall is enabled. (State = 1)', 'Firewall is disabled.', 'State = ', 'Stealth mode enabled', 'Total number of apps = ',
  'Software Update found the following new or updated software:', 'No new software available.', '* Label: ', 'Title: ', 'Version: ',
  'Recommended: YES', 'Action: restart', '[recommended]', '[restart]', 'Security Update', '(a)', 'beta', 'XProtect', 'error',
  'Display Name', 'Version', 'Date', '------------', '04/10/2023, 10:12:40', '22.03.2024', '2024/01/23 12:05', 'PM', 'macOS Sonoma 14.4',
  'screenLock delay is ', 'screenLock is off', 'seconds', 'immediate', 'sysadminctl[812:4210]',
  'Sensor operational: ', 'true', 'false', 'agentID:', 'State: connected', 'Error: The sensor has not loaded.',
  ' [managed]', 'healthy : ', 'real_time_protection_enabled : ', 'No license found', 'daemon is not running',
  'MDM enrollment: Yes (User Approved)', 'Enrolled via DEP: No', 'SentinelOne ', 'Agent version: ',
  ':', ' ', '  ', '\t', '\n', '\r\n', '\r', '\u0000', '\uFEFF', '\ud800', 'é', '\u{1f600}',
];

const text = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 120 }).map((parts) => parts.join('')),
);

function assertShape(facts: ToolFacts): void {
  expect(typeof facts.detail).toBe('object');
  expect(() => JSON.stringify(facts)).not.toThrow();
  if (facts.diskEncryption !== undefined) expect(ON_OFF).toContain(facts.diskEncryption);
  if (facts.firewall !== undefined) expect(ON_OFF).toContain(facts.firewall);
  for (const agent of facts.edr ?? []) expect(typeof agent.running).toBe('boolean');
  for (const count of [facts.pendingUpdates, facts.pendingSecurityUpdates]) {
    if (count !== undefined) expect(Number.isInteger(count) && count >= 0).toBe(true);
  }
  if (facts.lastUpdateAt !== undefined) expect(facts.lastUpdateAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
}

describe('darwin parsers are total', () => {
  it.each(DARWIN_PARSERS.map((parser) => [parser.id, parser] as const))('%s never throws and returns well-formed facts', (_id, parser) => {
    fc.assert(fc.property(text, (input) => assertShape(parser.parse(input))), { numRuns: 400 });
  });

  it('the plist readers never throw', () => {
    fc.assert(
      fc.property(text, fc.nat({ max: 500 }), (input, start) => {
        parsePlistXml(input);
        parseAsciiPlist(input, start);
      }),
      { numRuns: 1000 },
    );
  });
});

const SIZE = 256 * 1024;
const fill = (unit: string, prefix = '', suffix = ''): string => prefix + unit.repeat(Math.ceil(SIZE / unit.length)) + suffix;
const ADVERSARIAL: readonly (readonly [string, string])[] = [
  ['a space run between words', fill(' ', 'a', 'b')],
  ['a tab and space run', fill(' \t', 'x', 'y')],
  ['open angle brackets', fill('<')],
  ['tags without a close', fill('<a')],
  ['comment openers', fill('<!--')],
  ['entities', fill('&#x', '<plist><string>', '</string></plist>')],
  ['open braces', fill('{')],
  ['quotes', fill('"')],
  ['comment starts', fill('/*')],
  ['colons', fill(':')],
  ['digits', fill('0')],
  ['dotted numbers', fill('1.', 'SentinelOne ')],
  ['dashes then text', fill('---- ', '', 'x')],
  ['repeated headlines', fill('FileVault is On. ')],
  ['percent lines', fill('Percent completed ', 'Encryption in progress: ')],
  ['update items', fill('* Label: x\n\tTitle: a, b, c, d\n')],
  ['commas', fill(',', '* Label: x\n\tTitle: ')],
  ['dates', fill('04/10/2023, 10:12:40  ')],
  ['daemon words', fill('daemon ', '', 'x')],
  ['screen lock phrases', fill('screenLock delay is 5       ')],
  ['unterminated ascii plist', fill('a = 1; ', 'Daemon response: {')],
  ['nested arrays', fill('<array>', '<plist>')],
  [
    'many volumes',
    fill(
      '<dict><key>Name</key><string>Data</string><key>Roles</key><array><string>Data</string></array><key>FileVault</key><true/></dict>',
      '<plist><dict><key>Containers</key><array><dict><key>Volumes</key><array>',
      '</array></dict></array></dict></plist>',
    ),
  ],
  ['a managed suffix after spaces', fill(' ', 'true', 'x')],
];

describe('darwin parsers are linear', () => {
  it.each(DARWIN_PARSERS.map((parser) => [parser.id, parser] as const))('%s reads 256 KiB of adversarial text quickly', (_id, parser) => {
    for (const [name, input] of ADVERSARIAL) {
      const started = performance.now();
      assertShape(parser.parse(input));
      const elapsed = performance.now() - started;
      expect(elapsed, `${parser.id} on ${name}`).toBeLessThan(1500);
    }
  });
});
