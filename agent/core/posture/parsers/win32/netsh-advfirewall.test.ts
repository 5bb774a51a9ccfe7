import { describe, expect, it } from 'vitest';
import type { ToolFacts } from '../types.ts';
import { fixtureCases, readFixture } from './fixture-files.fixture.ts';
import { netshAdvfirewall } from './netsh-advfirewall.ts';

const ID = 'netsh-advfirewall';

const ALL_ON: ToolFacts = {
  firewall: 'on',
  detail: { reason: 'all-profiles-on', profiles: { domain: 'on', private: 'on', public: 'on' } },
};

const CASES: Record<string, ToolFacts> = {
  'all-on': ALL_ON,
  'all-on-crlf-bom': ALL_ON,
  'utf16le-bom': ALL_ON,
  'german-all-on': ALL_ON,
  // "Domänenprofil" / "Öffentliches Profil" written in code page 850 and read as UTF-8.
  'german-oem-cp850': ALL_ON,
  'public-off': {
    firewall: 'off',
    detail: { reason: 'profile-off', profiles: { domain: 'on', private: 'on', public: 'off' }, offProfiles: ['public'] },
  },
  'all-off': {
    firewall: 'off',
    detail: { reason: 'profile-off', profiles: { domain: 'off', private: 'off', public: 'off' }, offProfiles: ['domain', 'private', 'public'] },
  },
  'german-private-off': {
    firewall: 'off',
    detail: { reason: 'profile-off', profiles: { domain: 'on', private: 'off', public: 'on' }, offProfiles: ['private'] },
  },
  'gpo-not-configured': {
    firewall: 'unknown',
    detail: { reason: 'profile-state-unrecognised', profiles: { domain: 'NotConfigured', private: 'on', public: 'on' } },
  },
  // `show currentprofile`: one profile on says nothing about the other two.
  'current-profile-only': {
    firewall: 'unknown',
    detail: { reason: 'profile-state-not-shown', profiles: { private: 'on' }, missingProfiles: ['domain', 'public'] },
  },
  'service-error': {
    firewall: 'unknown',
    detail: {
      reason: 'profile-state-not-shown',
      error:
        'An error occurred while attempting to contact the Windows Defender Firewall service. Make sure that the service is running and try your request again.',
    },
  },
};

describe('netsh-advfirewall parser', () => {
  it('has an expectation for every fixture and a fixture for every expectation', () => {
    expect(fixtureCases(ID)).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))('%s', (name, expected) => {
    expect(netshAdvfirewall.parse(readFixture(ID, name))).toEqual(expected);
  });

  it('is off when one profile is off even if another is unreadable', () => {
    const text = 'Domain Profile Settings:\nState   ON\n\nPrivate Profile Settings:\nState   Weird\n\nPublic Profile Settings:\nState   OFF\n';
    expect(netshAdvfirewall.parse(text).firewall).toBe('off');
  });
});
