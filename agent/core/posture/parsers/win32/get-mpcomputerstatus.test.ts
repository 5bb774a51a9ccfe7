import { describe, expect, it } from 'vitest';
import type { ToolFacts } from '../types.ts';
import { fixtureCases, readFixture } from './fixture-files.fixture.ts';
import { getMpComputerStatus } from './get-mpcomputerstatus.ts';

const ID = 'get-mpcomputerstatus';

const ACTIVE = {
  amRunningMode: 'Normal',
  amServiceEnabled: true,
  antivirusEnabled: true,
  antispywareEnabled: true,
  realTimeProtectionEnabled: true,
  behaviorMonitorEnabled: true,
  isTamperProtected: true,
  antivirusSignatureAge: 0,
  antispywareSignatureAge: 0,
  antivirusSignatureLastUpdated: '11/14/2024 3:22:05 AM',
  antivirusSignatureVersion: '1.421.1392.0',
  amProductVersion: '4.18.24090.11',
  amEngineVersion: '1.1.24090.11',
  quickScanAge: 0,
  fullScanAge: 'never',
};

const PASSIVE = { ...ACTIVE, realTimeProtectionEnabled: false, behaviorMonitorEnabled: false };

const CASES: Record<string, ToolFacts> = {
  'active-normal': {
    edr: [{ vendor: 'defender', running: true, detail: 'running mode Normal, real-time protection on, tamper protection on, signatures 0 day(s) old' }],
    detail: ACTIVE,
  },
  'passive-mode': {
    edr: [{ vendor: 'defender', running: false, detail: 'running mode Passive Mode, real-time protection off, tamper protection on, signatures 0 day(s) old' }],
    detail: { ...PASSIVE, amRunningMode: 'Passive Mode', reasons: ['real-time-protection-off', 'passive-mode'] },
  },
  'edr-block-mode': {
    edr: [{ vendor: 'defender', running: false, detail: 'running mode EDR Block Mode, real-time protection off, tamper protection on, signatures 0 day(s) old' }],
    detail: { ...PASSIVE, amRunningMode: 'EDR Block Mode', reasons: ['real-time-protection-off', 'edr-block-mode'] },
  },
  'real-time-protection-off': {
    edr: [{ vendor: 'defender', running: false, detail: 'running mode Normal, real-time protection off, tamper protection off, signatures 9 day(s) old' }],
    detail: {
      ...PASSIVE,
      reasons: ['real-time-protection-off'],
      warnings: ['tamper-protection-off', 'signatures-out-of-date', 'reboot-required'],
      isTamperProtected: false,
      antivirusSignatureAge: 9,
      antispywareSignatureAge: 9,
    },
  },
  'service-not-running-error': {
    edr: [{ vendor: 'defender', running: false, detail: 'Defender service not running (0x800106ba)' }],
    detail: { reason: 'service-not-running', error: 'Get-MpComputerStatus : Operation failed with the following error: 0x800106ba. Full error:' },
  },
  // No Defender module (Windows Server without the feature, or a trimmed image): nothing is known.
  'error-not-recognized': {
    detail: {
      reason: 'no-status',
      error:
        "Get-MpComputerStatus : The term 'Get-MpComputerStatus' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included,…",
    },
  },
  // Property names and True/False are never localised; dates are.
  'german-crlf-bom': {
    edr: [{ vendor: 'defender', running: true, detail: 'running mode Normal, real-time protection on, tamper protection on, signatures 1 day(s) old' }],
    detail: { ...ACTIVE, antivirusSignatureAge: 1, antispywareSignatureAge: 1, quickScanAge: 1, antivirusSignatureLastUpdated: '14.11.2024 03:22:05' },
  },
  'german-utf16le-bom': {
    edr: [{ vendor: 'defender', running: false, detail: 'running mode Passive Mode, real-time protection off, tamper protection on, signatures 0 day(s) old' }],
    detail: {
      ...PASSIVE,
      amRunningMode: 'Passive Mode',
      reasons: ['real-time-protection-off', 'passive-mode'],
      antivirusSignatureLastUpdated: '14.11.2024 03:22:05',
    },
  },
};

describe('get-mpcomputerstatus parser', () => {
  it('has an expectation for every fixture and a fixture for every expectation', () => {
    expect(fixtureCases(ID)).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))('%s', (name, expected) => {
    expect(getMpComputerStatus.parse(readFixture(ID, name))).toEqual(expected);
  });

  it('does not count Defender as running when a required switch is missing from a partial paste', () => {
    const facts = getMpComputerStatus.parse('AMServiceEnabled : True\nAntivirusEnabled : True\n');
    expect(facts.edr).toEqual([{ vendor: 'defender', running: false, detail: 'running mode not shown' }]);
    expect(facts.detail['reasons']).toEqual(['real-time-protection-not-shown']);
  });

  it('accepts builds without AMRunningMode when every switch is on', () => {
    const facts = getMpComputerStatus.parse('AMServiceEnabled : True\nAntivirusEnabled : True\nRealTimeProtectionEnabled : True\n');
    expect(facts.edr?.[0]?.running).toBe(true);
  });
});
