import { describe, expect, it } from 'vitest';
import type { ToolFacts } from '../types.ts';
import { fixtureCases, readFixture } from './fixture-files.fixture.ts';
import { manageBdeStatus } from './manage-bde-status.ts';

const ID = 'manage-bde-status';

const C_ON = {
  volume: 'C:',
  label: 'Windows',
  role: 'os',
  reason: 'encrypted-and-protected',
  conversionStatus: 'Fully Encrypted',
  protectionStatus: 'Protection On',
  percentageEncrypted: 100,
  encryptionMethod: 'XTS-AES 128',
  lockStatus: 'Unlocked',
  keyProtectors: ['TPM', 'Numerical Password'],
  bitlockerVersion: '2.0',
  size: '476.04 GB',
};

const C_ON_DE = {
  ...C_ON,
  conversionStatus: 'Vollständig verschlüsselt',
  protectionStatus: 'Der Schutz ist aktiviert.',
  lockStatus: 'Entsperrt',
  keyProtectors: ['TPM', 'Numerisches Kennwort'],
  size: '475,69 GB',
};

const CASES: Record<string, ToolFacts> = {
  'fully-encrypted-protection-on': { diskEncryption: 'on', detail: C_ON },
  'used-space-only-encrypted': {
    diskEncryption: 'on',
    detail: { ...C_ON, conversionStatus: 'Used Space Only Encrypted', keyProtectors: ['TPM And PIN', 'Numerical Password'] },
  },
  'protection-suspended': {
    diskEncryption: 'off',
    detail: { ...C_ON, reason: 'protection-suspended', protectionStatus: 'Protection Off (1 reboots left)', encryptionMethod: 'XTS-AES 256' },
  },
  'encryption-in-progress': {
    diskEncryption: 'off',
    detail: { ...C_ON, reason: 'encryption-in-progress', conversionStatus: 'Encryption in Progress', protectionStatus: 'Protection Off', percentageEncrypted: 37.2 },
  },
  'decryption-in-progress': {
    diskEncryption: 'off',
    detail: {
      ...C_ON,
      reason: 'decryption-in-progress',
      conversionStatus: 'Decryption in Progress',
      protectionStatus: 'Protection Off',
      percentageEncrypted: 64.9,
      keyProtectors: ['None Found'],
    },
  },
  'encryption-paused': {
    diskEncryption: 'off',
    detail: {
      ...C_ON,
      reason: 'encryption-paused',
      conversionStatus: 'Encryption Paused',
      protectionStatus: 'Protection Off',
      percentageEncrypted: 12.5,
      encryptionMethod: 'AES 128',
    },
  },
  'fully-decrypted': {
    diskEncryption: 'off',
    detail: {
      ...C_ON,
      reason: 'not-encrypted',
      conversionStatus: 'Fully Decrypted',
      protectionStatus: 'Protection Off',
      percentageEncrypted: 0,
      encryptionMethod: 'None',
      keyProtectors: ['None Found'],
      bitlockerVersion: 'None',
    },
  },
  // `manage-bde -status` (all volumes), CRLF and a UTF-8 BOM: the OS volume decides, not D:.
  'all-volumes-crlf-bom': { diskEncryption: 'on', detail: { ...C_ON, label: 'OS', otherVolumes: ['D:'] } },
  // A UTF-16LE file (BOM FF FE, a NUL after every ASCII character) read as UTF-8.
  'utf16le-bom': { diskEncryption: 'on', detail: C_ON },
  'error-access-denied': {
    diskEncryption: 'unknown',
    detail: { reason: 'no-volume-status', error: 'An attempt to access a required resource was denied.' },
  },
  'error-not-recognized': {
    diskEncryption: 'unknown',
    detail: { reason: 'no-volume-status', error: "'manage-bde' is not recognized as an internal or external command," },
  },
  'german-fully-encrypted': { diskEncryption: 'on', detail: C_ON_DE },
  'german-protection-suspended': {
    diskEncryption: 'off',
    detail: { ...C_ON_DE, reason: 'protection-suspended', protectionStatus: 'Der Schutz ist deaktiviert.' },
  },
  'german-encryption-in-progress': {
    diskEncryption: 'off',
    detail: {
      ...C_ON_DE,
      reason: 'encryption-in-progress',
      conversionStatus: 'Verschlüsselung wird durchgeführt',
      protectionStatus: 'Der Schutz ist deaktiviert.',
      percentageEncrypted: 58.3,
    },
  },
  // cmd.exe `> file` on a German system writes code page 850; read as UTF-8, umlauts become U+FFFD.
  'german-oem-cp850': {
    diskEncryption: 'on',
    detail: { ...C_ON_DE, conversionStatus: 'Vollst\uFFFDndig verschl\uFFFDsselt', size: '475,69 GB' },
  },
};

describe('manage-bde-status parser', () => {
  it('has an expectation for every fixture and a fixture for every expectation', () => {
    expect(fixtureCases(ID)).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))('%s', (name, expected) => {
    expect(manageBdeStatus.parse(readFixture(ID, name))).toEqual(expected);
  });

  it('takes C: when no volume is marked as the OS volume, and is unknown when several are unmarked', () => {
    const volume = (name: string, conversion: string) =>
      `Volume ${name} [Data]\n\n    Conversion Status:    ${conversion}\n    Protection Status:    Protection On\n\n`;
    expect(manageBdeStatus.parse(volume('D:', 'Fully Decrypted') + volume('C:', 'Fully Encrypted')).diskEncryption).toBe('on');
    expect(manageBdeStatus.parse(volume('D:', 'Fully Encrypted') + volume('E:', 'Fully Encrypted'))).toEqual({
      diskEncryption: 'unknown',
      detail: { reason: 'no-system-volume', volumes: ['D:', 'E:'] },
    });
  });

  it('never calls a volume encrypted whose protection status is unknown (a locked volume)', () => {
    const text = 'Volume C: [OS]\n    Conversion Status:    Fully Encrypted\n    Protection Status:    Protection Unknown\n';
    expect(manageBdeStatus.parse(text).diskEncryption).toBe('unknown');
  });
});
