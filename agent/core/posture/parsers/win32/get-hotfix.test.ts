import { describe, expect, it } from 'vitest';
import type { ToolFacts } from '../types.ts';
import { fixtureCases, readFixture } from './fixture-files.fixture.ts';
import { getHotFix } from './get-hotfix.ts';

const ID = 'get-hotfix';
const THREE = ['KB5044033', 'KB5046613', 'KB5045935'];
const NONE = { hotfixCount: 0, datedCount: 0, dateOrder: 'none', reason: 'no-hotfixes-shown' };

const CASES: Record<string, ToolFacts> = {
  'en-us': {
    lastUpdateAt: '2024-11-14T00:00:00.000Z',
    detail: {
      hotfixCount: 4,
      datedCount: 4,
      dateOrder: 'mdy',
      newestHotfix: 'KB5046613',
      newestInstalledOn: '11/14/2024 12:00:00 AM',
      hotfixes: [...THREE, 'KB5043130'],
    },
  },
  'de-de': {
    lastUpdateAt: '2024-11-14T00:00:00.000Z',
    detail: { hotfixCount: 3, datedCount: 3, dateOrder: 'dmy', newestHotfix: 'KB5046613', newestInstalledOn: '14.11.2024 00:00:00', hotfixes: THREE },
  },
  // 13/11/2024 settles day-month for the whole output: 09/10/2024 is 9 October, not 10 September.
  'en-gb': {
    lastUpdateAt: '2024-11-13T00:00:00.000Z',
    detail: { hotfixCount: 3, datedCount: 3, dateOrder: 'dmy', newestHotfix: 'KB5046613', newestInstalledOn: '13/11/2024 00:00:00', hotfixes: THREE },
  },
  // 10/9, 11/5 and 3/11: newest is 5 Nov read as M/D, 3 Nov read as D/M; the older one is kept.
  'ambiguous-day-month': {
    lastUpdateAt: '2024-11-03T00:00:00.000Z',
    detail: { hotfixCount: 3, datedCount: 3, dateOrder: 'ambiguous', newestHotfix: 'KB5045935', newestInstalledOn: '3/11/2024 12:00:00 AM', hotfixes: THREE },
  },
  'sv-se-iso': {
    lastUpdateAt: '2024-11-14T00:00:00.000Z',
    detail: { hotfixCount: 2, datedCount: 2, dateOrder: 'ymd', newestHotfix: 'KB5046613', newestInstalledOn: '2024-11-14 00:00:00', hotfixes: ['KB5044033', 'KB5046613'] },
  },
  // Old systems leave InstalledOn empty for some hotfixes: counted, not dated. 7/12 alone is ambiguous.
  'some-undated': {
    lastUpdateAt: '2016-07-12T00:00:00.000Z',
    detail: {
      hotfixCount: 3,
      datedCount: 1,
      dateOrder: 'ambiguous',
      newestHotfix: 'KB3151864',
      newestInstalledOn: '7/12/2016 12:00:00 AM',
      hotfixes: ['KB2919355', 'KB3151864', 'KB2975061'],
    },
  },
  'format-list': {
    lastUpdateAt: '2024-11-14T00:00:00.000Z',
    detail: { hotfixCount: 2, datedCount: 2, dateOrder: 'mdy', newestHotfix: 'KB5046613', newestInstalledOn: '11/14/2024 12:00:00 AM', hotfixes: ['KB5046613', 'KB5044033'] },
  },
  'utf16le-bom': {
    lastUpdateAt: '2024-11-14T00:00:00.000Z',
    detail: { hotfixCount: 2, datedCount: 2, dateOrder: 'mdy', newestHotfix: 'KB5046613', newestInstalledOn: '11/14/2024 12:00:00 AM', hotfixes: ['KB5046613', 'KB5044033'] },
  },
  'error-access-denied': {
    detail: { ...NONE, error: 'Get-HotFix : Access is denied. (Exception from HRESULT: 0x80070005 (E_ACCESSDENIED))' },
  },
  empty: { detail: NONE },
};

describe('get-hotfix parser', () => {
  it('has an expectation for every fixture and a fixture for every expectation', () => {
    expect(fixtureCases(ID)).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))('%s', (name, expected) => {
    expect(getHotFix.parse(readFixture(ID, name))).toEqual(expected);
  });

  it('reads a row whose spacing was changed by pasting, and never takes a SID for a date', () => {
    const text = [
      'Source Description HotFixID InstalledBy InstalledOn',
      '------ ----------- -------- ----------- -----------',
      'PC1 Security Update KB5046613 S-1-5-18 11/14/2024 12:00:00 AM',
      'PC1 Update KB5044033 S-1-5-18',
    ].join('\n');
    expect(getHotFix.parse(text)).toMatchObject({ lastUpdateAt: '2024-11-14T00:00:00.000Z', detail: { hotfixCount: 2, datedCount: 1 } });
  });

  it('gives no date when the dates of one output contradict each other', () => {
    const header = 'HotFixID   InstalledOn\n--------   -----------\n';
    expect(getHotFix.parse(`${header}KB1        11/14/2024\nKB2        14/11/2024\n`)).toEqual({
      detail: { hotfixCount: 2, datedCount: 2, dateOrder: 'inconsistent', hotfixes: ['KB1', 'KB2'], reason: 'no-install-dates' },
    });
  });
});
