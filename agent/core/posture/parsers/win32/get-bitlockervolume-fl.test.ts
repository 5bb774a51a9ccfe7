import { describe, expect, it } from 'vitest';
import type { ToolFacts } from '../types.ts';
import { fixtureCases, readFixture } from './fixture-files.fixture.ts';
import { getBitLockerVolumeFl } from './get-bitlockervolume-fl.ts';

const ID = 'get-bitlockervolume-fl';

const C_ON = {
  volume: 'C:',
  reason: 'encrypted-and-protected',
  volumeStatus: 'FullyEncrypted',
  protectionStatus: 'On',
  encryptionPercentage: 100,
  encryptionMethod: 'XtsAes128',
  lockStatus: 'Unlocked',
  volumeType: 'OperatingSystem',
  keyProtector: '{Tpm, RecoveryPassword}',
};

const C_DECRYPTED = {
  ...C_ON,
  reason: 'not-encrypted',
  volumeStatus: 'FullyDecrypted',
  protectionStatus: 'Off',
  encryptionPercentage: 0,
  encryptionMethod: 'None',
  keyProtector: '{}',
};

const CASES: Record<string, ToolFacts> = {
  'fully-encrypted': { diskEncryption: 'on', detail: C_ON },
  // A free-space wipe after the encryption finished: the data is encrypted.
  'wipe-in-progress': { diskEncryption: 'on', detail: { ...C_ON, volumeStatus: 'FullyEncryptedWipeInProgress' } },
  'protection-suspended': { diskEncryption: 'off', detail: { ...C_ON, reason: 'protection-suspended', protectionStatus: 'Off' } },
  'encryption-in-progress': {
    diskEncryption: 'off',
    detail: { ...C_ON, reason: 'encryption-in-progress', volumeStatus: 'EncryptionInProgress', protectionStatus: 'Off', encryptionPercentage: 43.5 },
  },
  'encryption-suspended': {
    diskEncryption: 'off',
    detail: { ...C_ON, reason: 'encryption-paused', volumeStatus: 'EncryptionSuspended', protectionStatus: 'Off', encryptionPercentage: 20 },
  },
  'fully-decrypted': { diskEncryption: 'off', detail: C_DECRYPTED },
  'multi-volume-crlf': {
    diskEncryption: 'on',
    detail: {
      ...C_ON,
      volumes: [
        { mountPoint: 'C:', volumeStatus: 'FullyEncrypted', protectionStatus: 'On' },
        { mountPoint: 'D:', volumeStatus: 'FullyDecrypted', protectionStatus: 'Off' },
      ],
    },
  },
  // An encrypted data drive listed first does not hide a decrypted system drive.
  'system-drive-decides': {
    diskEncryption: 'off',
    detail: {
      ...C_DECRYPTED,
      volumes: [
        { mountPoint: 'D:', volumeStatus: 'FullyEncrypted', protectionStatus: 'On' },
        { mountPoint: 'C:', volumeStatus: 'FullyDecrypted', protectionStatus: 'Off' },
      ],
    },
  },
  'utf16le-bom': { diskEncryption: 'on', detail: C_ON },
  'error-access-denied': {
    diskEncryption: 'unknown',
    detail: { reason: 'no-volume-status', error: 'Get-BitLockerVolume : Access denied' },
  },
  'german-error': {
    diskEncryption: 'unknown',
    detail: { reason: 'no-volume-status', error: 'Get-BitLockerVolume : Zugriff verweigert' },
  },
};

describe('get-bitlockervolume-fl parser', () => {
  it('has an expectation for every fixture and a fixture for every expectation', () => {
    expect(fixtureCases(ID)).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))('%s', (name, expected) => {
    expect(getBitLockerVolumeFl.parse(readFixture(ID, name))).toEqual(expected);
  });

  it('falls back to the OperatingSystem volume when no volume is C:', () => {
    const text = [
      'MountPoint       : E:\nVolumeStatus     : FullyDecrypted\nProtectionStatus : Off\nVolumeType       : Data',
      'MountPoint       : W:\nVolumeStatus     : FullyEncrypted\nProtectionStatus : On\nVolumeType       : OperatingSystem',
    ].join('\n\n');
    expect(getBitLockerVolumeFl.parse(text)).toMatchObject({ diskEncryption: 'on', detail: { volume: 'W:' } });
  });

  it('is unknown for a volume status it does not know, even with protection on', () => {
    const text = 'MountPoint       : C:\nVolumeStatus     : SomethingNew\nProtectionStatus : On\n';
    expect(getBitLockerVolumeFl.parse(text)).toMatchObject({ diskEncryption: 'unknown', detail: { reason: 'conversion-status-unknown' } });
  });

  it('joins a value that Format-List wrapped onto the next line', () => {
    const text = 'MountPoint       : C:\nVolumeStatus     : FullyEncrypted\nProtectionStatus : On\nKeyProtector     : {Tpm, RecoveryPass\n                   word}\n';
    expect(getBitLockerVolumeFl.parse(text).detail).toMatchObject({ keyProtector: '{Tpm, RecoveryPassword}' });
  });
});
