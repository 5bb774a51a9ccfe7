import { describe, expect, it } from 'vitest';
import type { ToolFacts } from '../types.ts';
import { fixtureCases, readFixture } from './fixture-files.fixture.ts';
import { systeminfo } from './systeminfo.ts';

const ID = 'systeminfo';
const NOTE = 'systeminfo shows no install dates: run Get-HotFix for the last update';

const WIN11 = {
  hostName: 'LAPTOP-7QK2M',
  osName: 'Microsoft Windows 11 Enterprise',
  osVersion: '10.0.22631',
  osBuild: '22631',
  osConfiguration: 'Member Workstation',
  originalInstallDate: '3/4/2024, 10:15:40 AM',
  systemBootTime: '11/18/2024, 8:02:11 AM',
  domain: 'corp.example.com',
  hotfixCount: 4,
  hotfixesListed: 4,
  hotfixes: ['KB5045935', 'KB5046613', 'KB5044033', 'KB5043130'],
  note: NOTE,
};

// systeminfo never gives lastUpdateAt: its hotfix list has no dates.
const CASES: Record<string, ToolFacts> = {
  'windows-11-en': { detail: WIN11 },
  'utf16le-bom': { detail: WIN11 },
  'windows-81-crlf': {
    detail: {
      ...WIN11,
      osName: 'Microsoft Windows 8.1 Pro',
      osVersion: '6.3.9600',
      osBuild: '9600',
      endOfLife: true,
      osConfiguration: 'Standalone Workstation',
      domain: 'WORKGROUP',
      hotfixCount: 3,
      hotfixesListed: 3,
      hotfixes: ['KB2919355', 'KB2975061', 'KB3172614'],
    },
  },
  // The header says 12, the list stops after 5 with a dangling "[06]": the header is the count.
  'windows-7-sp1-truncated-list': {
    detail: {
      ...WIN11,
      osName: 'Microsoft Windows 7 Enterprise',
      osVersion: '6.1.7601',
      osBuild: '7601',
      servicePack: 'Service Pack 1',
      endOfLife: true,
      hotfixCount: 12,
      hotfixesListed: 5,
      hotfixListTruncated: true,
      hotfixes: ['KB2849697', 'KB2849696', 'KB2841134', 'KB2670838', 'KB2830477'],
    },
  },
  'no-hotfixes': {
    detail: {
      ...WIN11,
      osName: 'Microsoft Windows 11 Pro',
      osVersion: '10.0.26100',
      osBuild: '26100',
      domain: 'WORKGROUP',
      hotfixCount: 0,
      hotfixesListed: 0,
      hotfixes: undefined,
    },
  },
  'german-windows-10': {
    detail: {
      hostName: 'PC-BUCH-07',
      osName: 'Microsoft Windows 10 Pro',
      osVersion: '10.0.19045',
      osBuild: '19045',
      osConfiguration: 'Eigenständige Arbeitsstation',
      originalInstallDate: '12.01.2023, 09:41:17',
      systemBootTime: '18.11.2024, 07:55:02',
      domain: 'WORKGROUP',
      hotfixCount: 3,
      hotfixesListed: 3,
      hotfixes: ['KB5045594', 'KB5046613', 'KB5044029'],
      note: NOTE,
    },
  },
  'error-access-denied': { detail: { reason: 'no-system-information', error: 'Access denied' } },
};

describe('systeminfo parser', () => {
  it('has an expectation for every fixture and a fixture for every expectation', () => {
    expect(fixtureCases(ID)).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))('%s', (name, expected) => {
    const facts = systeminfo.parse(readFixture(ID, name));
    expect(facts).toEqual(expected);
    expect(Object.keys(facts)).toEqual(['detail']);
  });
});
