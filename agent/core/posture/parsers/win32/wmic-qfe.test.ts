import { describe, expect, it } from 'vitest';
import type { ToolFacts } from '../types.ts';
import { fixtureCases, readFixture } from './fixture-files.fixture.ts';
import { wmicQfe } from './wmic-qfe.ts';

const ID = 'wmic-qfe';

const NEWEST_NOV_14: ToolFacts = {
  lastUpdateAt: '2024-11-14T00:00:00.000Z',
  detail: {
    hotfixCount: 3,
    datedCount: 3,
    dateOrder: 'mdy',
    newestHotfix: 'KB5046613',
    newestInstalledOn: '11/14/2024',
    hotfixes: ['KB5044033', 'KB5046613', 'KB5045935'],
  },
};
const NONE = { hotfixCount: 0, datedCount: 0, dateOrder: 'none' };

const CASES: Record<string, ToolFacts> = {
  // wmic's own line ends: CR CR LF.
  'table-crcrlf': NEWEST_NOV_14,
  // `wmic ... > file` writes UTF-16LE with a BOM.
  'table-utf16le-bom': NEWEST_NOV_14,
  csv: NEWEST_NOV_14,
  list: NEWEST_NOV_14,
  'german-dmy': {
    lastUpdateAt: '2024-11-14T00:00:00.000Z',
    detail: { hotfixCount: 2, datedCount: 2, dateOrder: 'dmy', newestHotfix: 'KB5046613', newestInstalledOn: '14.11.2024', hotfixes: ['KB5044029', 'KB5046613'] },
  },
  // Windows XP / Server 2003 store InstalledOn as a FILETIME in hex: 01cbdf7a5bc9e200 is 2011-03-10 23:24 UTC.
  'filetime-hex': {
    lastUpdateAt: '2011-03-10T00:00:00.000Z',
    detail: {
      hotfixCount: 3,
      datedCount: 2,
      dateOrder: 'filetime',
      newestHotfix: 'KB2468871',
      newestInstalledOn: '01cbdf7a5bc9e200',
      hotfixes: ['KB2347290', 'KB2468871', 'KB898461'],
    },
  },
  'no-instances': { detail: { ...NONE, reason: 'no-instances' } },
  'error-access-denied': { detail: { ...NONE, reason: 'no-hotfixes-shown', error: 'Access is denied.' } },
  // wmic is removed from Windows 11 24H2 and later.
  'error-not-recognized': {
    detail: { ...NONE, reason: 'no-hotfixes-shown', error: "'wmic' is not recognized as an internal or external command," },
  },
};

describe('wmic-qfe parser', () => {
  it('has an expectation for every fixture and a fixture for every expectation', () => {
    expect(fixtureCases(ID)).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))('%s', (name, expected) => {
    expect(wmicQfe.parse(readFixture(ID, name))).toEqual(expected);
  });

  it('reads `wmic qfe get HotFixID,InstalledOn` (a narrower table)', () => {
    const text = 'HotFixID   InstalledOn  \r\r\nKB5046613  11/14/2024   \r\r\nKB5044033  10/9/2024    \r\r\n';
    expect(wmicQfe.parse(text)).toMatchObject({ lastUpdateAt: '2024-11-14T00:00:00.000Z', detail: { hotfixCount: 2 } });
  });
});
