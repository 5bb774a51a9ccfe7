/**
 * Real outputs of the linux tools, gathered from public projects' test data into
 * `../shared/fixtures/posture/linux/<tool-id>/<case>.txt`, each with a `.json` whose `meaning`
 * says what a parser must conclude (README there). They are third-party data and are not copied
 * into this repository: the test reads them when the folder is present.
 *
 * Two layers of checks: the machine-readable keys of `meaning` are mapped to ToolFacts generically
 * (`diskEncryption`, `firewall`, `pendingUpdates`, `pendingSecurityUpdates`, `screenLock`, the EDR
 * vendor), and every fixture has an explicit expectation below that also covers the prose keys
 * (`"partial/unknown"`, `"present-but-permissive"`, `"on (runtime)"`) and the helpdesk facts that
 * land in `detail`. A fixture without an expectation fails, so a new one gets looked at.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ToolFacts } from '../types.ts';
import { LINUX_PARSERS } from './index.ts';

const ROOT = resolve(import.meta.dirname, '../../../../..');
const DIR = join(ROOT, '..', 'shared', 'fixtures', 'posture', 'linux');

type Expectation = Partial<Omit<ToolFacts, 'detail'>> & { detail?: Record<string, unknown> };

/** The `meaning.edr`/`meaning.antivirus` names of the fixtures, as our vendor ids. */
const VENDORS: Record<string, string> = {
  crowdstrike: 'crowdstrike',
  sentinelone: 'sentinelone',
  carbonblack: 'carbonblack',
  microsoft_defender_for_endpoint: 'defender',
  palo_alto_cortex_xdr: 'cortex',
  bitdefender_gravityzone: 'bitdefender',
};

const crowdstrike = (running: boolean): Expectation['edr'] => [expect.objectContaining({ vendor: 'crowdstrike', running })];

const EXPECTED: Record<string, Expectation> = {
  // pendingSecurityUpdates: "lines whose origin contains jammy-security (e.g. openssl, sudo)": 9 of the 15.
  'apt-list-upgradable/jammy-security-updates-pending': {
    pendingUpdates: 15,
    pendingSecurityUpdates: 9,
    detail: { securityPackages: expect.arrayContaining(['openssl', 'sudo']) },
  },
  'bitdefender-bduitool-get-ps/antimalware-on-uptodate': {
    edr: [expect.objectContaining({ vendor: 'bitdefender', running: true })],
    detail: { productVersion: '7.0.3.2239', productUpToDate: true, signaturesUpToDate: true, features: expect.objectContaining({ Antimalware: 'On' }) },
  },
  'carbonblack-repcli-status/enabled-registered': {
    edr: [expect.objectContaining({ vendor: 'carbonblack', running: true })],
    detail: { state: 'Enabled', registered: true, sensorVersion: '2.14.0.1234321' },
  },
  'cortex-xdr-cytool-runtime-query/all-running': {
    edr: [expect.objectContaining({ vendor: 'cortex', running: true })],
    detail: { processes: expect.arrayContaining(['pmd Running', 'pyxd Running']) },
  },
  'cryptsetup-status/active-luks1-in-use': {
    diskEncryption: 'on',
    detail: { device: '/dev/mapper/dm-crypto-luks1', type: 'LUKS1', cipher: 'aes-xts-plain64', keysizeBits: 512, underlyingDevice: '/dev/sdc1', inUse: true },
  },
  'cryptsetup-status/active-luks2-in-use': {
    diskEncryption: 'on',
    detail: { type: 'LUKS2', cipher: 'aes-xts-plain64', keysizeBits: 512, keyLocation: 'keyring', underlyingDevice: '/dev/sdc2', inUse: true },
  },
  'cryptsetup-status/active-plain-not-in-use': {
    diskEncryption: 'on',
    detail: { type: 'PLAIN', cipher: 'aes-cbc-essiv:sha256', inUse: false },
  },
  'cryptsetup-status/error-device-not-found': { diskEncryption: 'unknown', detail: { error: 'Device sdc3 not found' } },
  'cryptsetup-status/inactive': { diskEncryption: 'unknown', detail: { active: false } },
  // "kernelRelated": perf is built from the kernel source package.
  'dnf-check-update/el7-updates-pending': { pendingUpdates: 15, detail: { kernelPackages: ['perf 3.10.0-1160.92.1.el7'] } },
  // "sensor likely in RFM / not protecting".
  'falcon-kernel-check/not-supported-after-kernel-upgrade': { edr: crowdstrike(false), detail: { kernelSupported: false, sensorVersion: '14006' } },
  // A supported kernel does not prove the sensor runs: running stays false (types.ts: true only on proof).
  'falcon-kernel-check/supported': { edr: crowdstrike(false), detail: { kernelSupported: true, sensorVersion: '14006' } },
  // "aid not set => sensor not yet registered with cloud": not running.
  'falconctl-g/all-options-rfm-not-set': {
    edr: crowdstrike(false),
    detail: { cidSet: true, aidSet: false, rfmState: 'not set', version: '6.38.13501.0' },
  },
  // "configured": false.
  'falconctl-g/error-cid-not-set': { edr: crowdstrike(false), detail: { cidSet: false, error: 'CID is not set' } },
  // "reducedFunctionalityMode": false, "healthy": true.
  'falconctl-g/rfm-state-false': { edr: crowdstrike(true), detail: { rfmState: 'false' } },
  'falconctl-g/rfm-state-reason-aph-tags': {
    edr: crowdstrike(true),
    detail: { rfmState: 'false', rfmReason: 'None', rfmReasonCode: '0x0', tags: ['kolide-test-1', 'kolide-test-2'] },
  },
  'gsettings-list-recursively/gnome-lock-enabled-idle-300-TRIMMED': {
    screenLock: { enabled: true, timeoutSeconds: 300 },
    detail: {
      lockEnabled: true,
      lockDelaySeconds: 0,
      idleDelaySeconds: 300,
      idleActivationEnabled: true,
      lockOnSuspend: true,
      lockScreenDisabledByLockdown: false,
    },
  },
  // "partial/unknown": LUKS containers exist but "/" is on the unencrypted /dev/sda3, so the
  // system volume is not encrypted: `off`, the containers listed in detail.
  'lsblk-json/fJp-luks-on-partition-and-lvm': {
    diskEncryption: 'off',
    detail: { rootDevice: '/dev/sda3', rootFstype: 'xfs', luksDevices: expect.arrayContaining(['/dev/sdb3', '/dev/mapper/LvmEncrypt-lvmcryptroot']) },
  },
  // healthy, but RTP off and passive mode: the agent runs; the rest is detail for the policy.
  'mdatp-health-json/linux-101.23062': {
    edr: [expect.objectContaining({ vendor: 'defender', running: true })],
    detail: { healthy: true, licensed: true, realTimeProtection: false, passiveMode: true, definitionsStatus: 'upToDate', appVersion: '101.23062.0010' },
  },
  // "present-but-permissive": policy accept and only loopback accepts = accept-all, `off`.
  'nft-json-list-ruleset/ip-filter-accept-policies': {
    firewall: 'off',
    detail: {
      tables: ['ip filter'],
      baseChains: expect.arrayContaining(['ip filter INPUT: hook input, policy accept', 'ip filter OUTPUT: hook output, policy accept']),
    },
  },
  'sentinelctl-status/version-engines-control-management-combined': {
    edr: [expect.objectContaining({ vendor: 'sentinelone', running: true })],
    detail: { agentVersion: '30.1.1.10', agentState: 'Enabled', antiTamper: 'On', connectivity: 'On' },
  },
  // "on (runtime)": running now, disabled at boot ("will not survive reboot") in detail.
  'systemctl-status-firewalld/active-but-disabled-at-boot': {
    firewall: 'on',
    detail: { unit: 'firewalld.service', active: 'active (running)', enabledAtBoot: false },
  },
  'systemctl-status-firewalld/active-enabled': {
    firewall: 'on',
    detail: { unit: 'firewalld.service', active: 'active (running)', enabledAtBoot: true },
  },
  'ufw-status/active-plain-status-deny-rules': { firewall: 'on', detail: { status: 'active', rules: 6 } },
  'ufw-status/inactive-jc-fixture': { firewall: 'off', detail: { status: 'inactive' } },
  'ufw-status/inactive': { firewall: 'off', detail: { status: 'inactive' } },
  // The .json says "ruleCount": 16, but the file (and jc's original) has 15 rule lines under the
  // `--` line: 15 is what the output says.
  'ufw-status-verbose/active-ubuntu1804-many-rules-trailing-spaces': {
    firewall: 'on',
    detail: { status: 'active', defaultIncoming: 'deny', defaultOutgoing: 'allow', defaultRouted: 'disabled', rules: 15 },
  },
  // "partial (veracrypt data volumes mounted)": data volumes say nothing about "/": `unknown`.
  'veracrypt-list-verbose/two-mounted-volumes': {
    diskEncryption: 'unknown',
    detail: {
      volumes: [
        expect.objectContaining({ slot: 1, volume: '/dev/sdb1', virtualDevice: '/dev/mapper/veracrypt1', algorithm: 'AES' }),
        expect.objectContaining({ slot: 2, volume: '/dev/sdb2', virtualDevice: '/dev/mapper/veracrypt2', algorithm: 'AES' }),
      ],
    },
  },
};

/** What the machine-readable keys of a fixture's `meaning` require of the facts. */
function expectMeaning(facts: ToolFacts, meaning: Record<string, unknown>): void {
  for (const key of ['diskEncryption', 'firewall'] as const) {
    const value = meaning[key];
    if (value === 'on' || value === 'off' || value === 'unknown') expect(facts[key]).toBe(value);
  }
  for (const key of ['pendingUpdates', 'pendingSecurityUpdates'] as const) {
    if (typeof meaning[key] === 'number') expect(facts[key]).toBe(meaning[key]);
  }
  if (meaning['osPatch'] === 'outdated') expect(facts.pendingUpdates).toBeGreaterThan(0);
  if (meaning['screenLock'] === 'on') expect(facts.screenLock?.enabled).toBe(true);
  if (meaning['screenLock'] === 'off') expect(facts.screenLock?.enabled).toBe(false);
  const vendor = meaning['edr'] ?? meaning['antivirus'];
  if (typeof vendor === 'string') {
    expect(VENDORS[vendor], `vendor ${vendor} mapped`).toBeDefined();
    expect(facts.edr?.map((e) => e.vendor)).toEqual([VENDORS[vendor]]);
  }
  if (meaning['allRunning'] === true || meaning['healthy'] === true || meaning['antimalware'] === 'On' || meaning['state'] === 'Enabled') {
    expect(facts.edr?.[0]?.running).toBe(true);
  }
}

const fixtures = existsSync(DIR)
  ? readdirSync(DIR).flatMap((tool) => readdirSync(join(DIR, tool)).filter((f) => f.endsWith('.txt')).map((f) => `${tool}/${f.slice(0, -4)}`)).sort()
  : [];

describe.skipIf(!existsSync(DIR))('shared real outputs (../shared/fixtures/posture/linux)', () => {
  it('has an explicit expectation for every fixture', () => {
    expect(fixtures).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(fixtures)('%s', (name) => {
    const [tool] = name.split('/') as [string];
    const parser = LINUX_PARSERS.find((p) => p.id === tool);
    expect(parser, `a parser for ${tool}`).toBeDefined();
    const facts = parser!.parse(readFileSync(join(DIR, `${name}.txt`), 'utf8'));
    const meaning = (JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as { meaning: Record<string, unknown> }).meaning;
    expectMeaning(facts, meaning);
    const { detail, ...rest } = EXPECTED[name] ?? {};
    expect(facts).toMatchObject(rest);
    expect(facts.detail).toMatchObject(detail ?? {});
  });
});
