/**
 * Real macOS tool outputs from public projects' test data (`../shared/fixtures/posture/macos`,
 * outside the repository; see its README): each `<tool-id>/<case>.txt` is parsed through the
 * registry and checked against the `meaning` of the `.json` beside it. Every case has its own
 * explicit expectation, so a new file there fails here until someone decides what it means.
 * Four tools are the same on Linux and macOS and are parsed by the linux parsers under the same id.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseToolOutput, type ToolFacts } from '../index.ts';
import { ROOT } from './darwin-fixtures.fixture.ts';

const DIR = join(ROOT, '..', 'shared', 'fixtures', 'posture', 'macos');
type Meaning = Record<string, unknown>;

const running = (vendor: string) => (facts: ToolFacts): void => {
  expect(facts.edr).toEqual(expect.arrayContaining([expect.objectContaining({ vendor, running: true })]));
};
const labels = (meaning: Meaning): string[] =>
  Array.isArray(meaning['pendingUpdates']) ? (meaning['pendingUpdates'] as { label: string }[]).map((update) => update.label) : [];
const updateLabels = (facts: ToolFacts): string[] => ((facts.detail['updates'] as { label: string }[] | undefined) ?? []).map((u) => u.label);

const EXPECTATIONS: Readonly<Record<string, (facts: ToolFacts, meaning: Meaning) => void>> = {
  'carbonblack-repcli-status/enabled-registered': running('carbonblack'),
  'cortex-xdr-cytool-runtime-query/all-running': running('cortex'),
  'mdatp-health-json/healthy-rtp-on-uptodate': running('defender'),
  'sentinelctl-status/protection-enabled-connected': running('sentinelone'),
  'defaults-read-alf-globalstate/on-1': (facts, meaning) => {
    expect(facts.firewall).toBe(meaning['firewall']);
    expect(facts.detail['globalState']).toBe(meaning['globalState']);
  },
  'diskutil-apfs-list-plist/filevault-on-data-volume': (facts, meaning) => {
    expect(facts.diskEncryption).toBe(meaning['diskEncryption']);
    expect(facts.detail['fileVaultVolumes']).toEqual(meaning['fileVaultVolumes']);
    expect(facts.detail['systemContainers']).toEqual([{ container: 'disk3', state: 'on', volumes: ['Data (disk3s5)'] }]);
  },
  'mdmclient-QuerySecurityInfo/fde-on-firewall-on': (facts, meaning) => {
    expect(facts.diskEncryption).toBe(meaning['diskEncryption']);
    expect(facts.firewall).toBe(meaning['firewall']);
    expect(facts.mdmEnrolled).toBe(meaning['mdmEnrolledViaDEP']);
    expect(facts.detail).toMatchObject({
      fdePersonalRecoveryKey: meaning['fdePersonalRecoveryKey'],
      fdeInstitutionalRecoveryKey: meaning['fdeInstitutionalRecoveryKey'],
      blockAllIncoming: meaning['blockAllIncoming'],
      stealthMode: meaning['stealthMode'],
      sip: meaning['sip'],
      firmwarePassword: meaning['firmwarePassword'],
      enrolledViaDep: meaning['mdmEnrolledViaDEP'],
    });
  },
  'sentinelctl-version/version-line': (facts, meaning) => {
    expect(facts.edr).toBeUndefined(); // a version says installed, not running
    expect(facts.detail).toEqual({ vendor: meaning['edr'], installed: meaning['installed'], version: meaning['version'] });
  },
  'socketfilterfw/enabled-stealth-on': (facts, meaning) => {
    expect(facts.firewall).toBe(meaning['firewall']);
    expect(facts.detail).toEqual({
      globalState: meaning['globalState'],
      blockAll: meaning['blockAll'],
      allowBuiltInSigned: meaning['allowBuiltInSigned'],
      allowDownloadedSigned: meaning['allowDownloadedSigned'],
      stealthMode: meaning['stealthMode'],
      logging: meaning['logging'],
      loggingOption: meaning['loggingOption'],
    });
  },
  'socketfilterfw/listapps': (facts, meaning) => {
    expect(facts.firewall).toBe(meaning['firewall']);
    expect(facts.detail['appCount']).toBe(meaning['appCount']);
  },
  // A beta is listed but not pending (never required): "outdated (beta only)" is zero pending.
  'softwareupdate-list/beta-update-scan-leading-blank-line': (facts, meaning) => {
    expect(facts).toMatchObject({ pendingUpdates: 0, pendingSecurityUpdates: 0, detail: { betaUpdates: 1 } });
    expect(updateLabels(facts)).toEqual(labels(meaning));
  },
  'softwareupdate-list/error-network': (facts, meaning) => {
    expect(meaning['osPatch']).toBe('unknown');
    expect(facts.pendingUpdates).toBeUndefined();
    expect(facts.pendingSecurityUpdates).toBeUndefined();
    expect(facts.detail['error']).toMatch(/^Scan finished with error: .*NSURLErrorDomain Code=-1005/);
  },
  'softwareupdate-list/multiple-updates-incl-beta': (facts, meaning) => {
    expect(facts).toMatchObject({ pendingUpdates: 1, pendingSecurityUpdates: 0, detail: { betaUpdates: 1 } });
    expect(updateLabels(facts)).toEqual(labels(meaning));
  },
  'softwareupdate-list/no-update-noscan': (facts, meaning) => {
    expect(facts).toEqual({ pendingUpdates: meaning['pendingUpdates'], pendingSecurityUpdates: 0, detail: {} });
  },
  'softwareupdate-list/no-update-scan': (facts, meaning) => {
    expect(facts).toEqual({ pendingUpdates: meaning['pendingUpdates'], pendingSecurityUpdates: 0, detail: {} });
  },
  // A macOS point release is pending but not named as security content (see softwareupdate-list.ts).
  'softwareupdate-list/os-update-available': (facts, meaning) => {
    expect(facts).toMatchObject({ pendingUpdates: 1, pendingSecurityUpdates: 0 });
    expect(facts.detail['updates']).toEqual([
      { label: labels(meaning)[0], title: 'macOS Ventura 13.3.1', version: '13.3.1', recommended: true, restartRequired: true, security: false },
    ]);
  },
};

function sharedCases(): string[] {
  return readdirSync(DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((tool) =>
      readdirSync(join(DIR, tool.name))
        .filter((name) => name.endsWith('.txt'))
        .map((name) => `${tool.name}/${name.slice(0, -'.txt'.length)}`),
    )
    .sort();
}

describe.skipIf(!existsSync(DIR))('shared macOS fixtures', () => {
  it('has an explicit expectation for every shared macOS fixture', () => {
    expect(Object.keys(EXPECTATIONS).sort()).toEqual(sharedCases());
  });

  it.each(Object.keys(EXPECTATIONS).sort())('%s', (name) => {
    const [toolId] = name.split('/') as [string];
    const text = readFileSync(join(DIR, `${name}.txt`), 'utf8');
    const meaning = (JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as { meaning: Meaning }).meaning;
    EXPECTATIONS[name]!(parseToolOutput(toolId, text), meaning);
  });
});
