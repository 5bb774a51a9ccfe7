import { describe, expect, it } from 'vitest';
import { isZerogateError } from '../../../../../shared/errors.ts';
import { parseToolOutput, toolParser } from '../index.ts';
import { fixtureCases } from './darwin-fixtures.fixture.ts';
import { DARWIN_PARSERS } from './index.ts';

/** DESIGN.md §5's darwin tool ids, plus the extras that have real macOS outputs. */
const DESIGN_IDS = [
  'fdesetup-status',
  'diskutil-apfs-list-plist',
  'socketfilterfw',
  'defaults-read-alf-globalstate',
  'softwareupdate-list',
  'softwareupdate-history',
  'sysadminctl-screenlock',
  'falconctl-stats',
  'mdatp-health-field',
  'profiles-status-enrollment',
];
const EXTRA_IDS = ['mdmclient-QuerySecurityInfo', 'sentinelctl-version'];
/** Same tool on Linux and macOS: registered once, by the linux parsers. */
const SHARED_WITH_LINUX = ['mdatp-health-json', 'sentinelctl-status', 'carbonblack-repcli-status', 'cortex-xdr-cytool-runtime-query'];

describe('DARWIN_PARSERS', () => {
  it('registers exactly the darwin tool ids, each once, as darwin parsers with a command', () => {
    const ids = DARWIN_PARSERS.map((parser) => parser.id);
    expect([...ids].sort()).toEqual([...DESIGN_IDS, ...EXTRA_IDS].sort());
    for (const parser of DARWIN_PARSERS) {
      expect(parser.platform).toBe('darwin');
      expect(parser.command).not.toBe('');
    }
  });

  it('leaves the ids shared with Linux to the linux parsers', () => {
    for (const id of SHARED_WITH_LINUX) expect(DARWIN_PARSERS.map((parser) => parser.id)).not.toContain(id);
  });

  it('is reachable through the registry', () => {
    for (const parser of DARWIN_PARSERS) {
      expect(toolParser(parser.id)).toBe(parser);
      expect(parseToolOutput(parser.id, '')).toEqual(parser.parse(''));
    }
  });

  it('has at least four fixtures of its own for every tool', () => {
    for (const parser of DARWIN_PARSERS) expect(fixtureCases(parser.id).length, parser.id).toBeGreaterThanOrEqual(4);
  });

  it('rejects an unknown tool id with ZG_ERR_POSTURE_UNKNOWN_TOOL', () => {
    let error: unknown;
    try {
      parseToolOutput('fdesetup-statuz', 'FileVault is On.');
    } catch (caught) {
      error = caught;
    }
    expect(isZerogateError(error, 'ZG_ERR_POSTURE_UNKNOWN_TOOL')).toBe(true);
  });
});
