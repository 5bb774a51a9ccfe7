import { describe, expect, it } from 'vitest';
import type { PostureReport } from '../../../shared/posture/index.ts';
import { REASONS } from '../../../shared/reasons.ts';
import { postureChecklist } from './checklist.ts';

const base: PostureReport = {
  version: 1,
  collectedAt: '2026-11-29T10:00:00.000Z',
  agentVersion: '0.1.0',
  hostname: 'laptop-7',
  hardwareId: undefined,
  os: { status: 'pass', platform: 'linux', name: 'Ubuntu', version: '22.04', build: undefined, kernel: '6.5.0-35-generic' },
  patch: { status: 'pass', lastUpdateAt: '2026-11-20T09:12:30.000Z', pendingSecurityUpdates: 0 },
  diskEncryption: { status: 'pass', volumes: [{ volume: '/', state: 'on', method: 'LUKS/dm-crypt' }] },
  edr: { status: 'pass', agents: [{ vendor: 'crowdstrike', running: true }] },
  firewall: { status: 'pass', detail: 'ufw status: on' },
  screenLock: { status: 'pass', timeoutSeconds: 300 },
};

describe('postureChecklist', () => {
  it('says what passed in plain words, with no remediation', () => {
    expect(postureChecklist(base)).toEqual([
      { check: 'os', status: 'pass', summary: 'Operating system: Ubuntu 22.04 (kernel 6.5.0-35-generic)', remediation: undefined },
      { check: 'patch', status: 'pass', summary: 'Updates: last installed 2026-11-20 (9 days ago), no security updates pending', remediation: undefined },
      { check: 'diskEncryption', status: 'pass', summary: 'Disk encryption: on (/ LUKS/dm-crypt)', remediation: undefined },
      { check: 'edr', status: 'pass', summary: 'Endpoint security: CrowdStrike Falcon running', remediation: undefined },
      { check: 'firewall', status: 'pass', summary: 'Firewall: on', remediation: undefined },
      { check: 'screenLock', status: 'pass', summary: 'Screen lock: on, after 5 min', remediation: undefined },
    ]);
  });

  it('gives the catalogue remediation of the matching reason for each failing check', () => {
    const failing: PostureReport = {
      ...base,
      os: { ...base.os, status: 'fail', platform: 'win32', name: 'Microsoft Windows 10 Pro', version: '10.0.19044', build: '19044' },
      patch: { status: 'fail', lastUpdateAt: '2026-11-28T09:00:00.000Z', pendingSecurityUpdates: 1 },
      diskEncryption: { status: 'fail', volumes: [{ volume: 'C:', state: 'off' }] },
      edr: { status: 'fail', agents: [{ vendor: 'defender', running: false, detail: 'passive mode' }] },
      firewall: { status: 'fail' },
      screenLock: { status: 'fail', timeoutSeconds: undefined },
    };
    expect(postureChecklist(failing)).toEqual([
      { check: 'os', status: 'fail', summary: 'Operating system: Microsoft Windows 10 Pro 10.0.19044 build 19044: out of date', remediation: REASONS['os-outdated'].remediation },
      { check: 'patch', status: 'fail', summary: 'Updates: out of date: last installed 2026-11-28 (1 day ago), 1 security update pending', remediation: REASONS['patch-outdated'].remediation },
      { check: 'diskEncryption', status: 'fail', summary: 'Disk encryption: off (C:)', remediation: REASONS['disk-unencrypted'].remediation },
      { check: 'edr', status: 'fail', summary: 'Endpoint security: Microsoft Defender not running', remediation: REASONS['edr-missing'].remediation },
      { check: 'firewall', status: 'fail', summary: 'Firewall: off', remediation: REASONS['firewall-off'].remediation },
      { check: 'screenLock', status: 'fail', summary: 'Screen lock: off', remediation: REASONS['screen-lock-off'].remediation },
    ]);
    expect(postureChecklist({ ...failing, edr: { status: 'fail', agents: [] } })[3]!.summary).toBe('Endpoint security: none running');
  });

  it('says a check could not be checked, and why', () => {
    const items = postureChecklist({
      ...base,
      firewall: { status: 'unknown', detail: 'ufw status: not installed; nft -j list ruleset: not installed' },
      screenLock: { status: 'unknown', timeoutSeconds: undefined },
    });
    expect(items[4]).toEqual({ check: 'firewall', status: 'unknown', summary: 'Firewall: could not be checked: ufw status: not installed; nft -j list ruleset: not installed', remediation: undefined });
    expect(items[5]!.summary).toBe('Screen lock: could not be checked: no detail');
  });

  it('words durations and dates for people', () => {
    const lock = (timeoutSeconds: number) => postureChecklist({ ...base, screenLock: { status: 'pass', timeoutSeconds } })[5]!.summary;
    expect([lock(0), lock(45), lock(600), lock(5400)]).toEqual(['Screen lock: on, at once', 'Screen lock: on, after 45 s', 'Screen lock: on, after 10 min', 'Screen lock: on, after 1.5 h']);
    const today = postureChecklist({ ...base, patch: { status: 'pass', lastUpdateAt: '2026-11-29T08:00:00.000Z', pendingSecurityUpdates: undefined } })[1]!;
    expect(today.summary).toBe('Updates: last installed 2026-11-29 (today)');
  });
});
