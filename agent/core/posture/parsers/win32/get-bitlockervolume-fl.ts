/**
 * `Get-BitLockerVolume | Format-List`: one record per volume. VolumeStatus and ProtectionStatus
 * are .NET enum names (never localised): FullyEncrypted, FullyDecrypted, EncryptionInProgress,
 * DecryptionInProgress, EncryptionSuspended, DecryptionSuspended, FullyEncryptedWipeInProgress,
 * FullyEncryptedWipeSuspended; On, Off, Unknown. The system drive C: decides (else the
 * OperatingSystem volume, else the only volume); see bitlocker.ts for the verdict.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { bitlockerVerdict, type Conversion, type Protection } from './bitlocker.ts';
import { type ListRecord, readFormatList } from './format-list.ts';
import { compact, findError, MAX_DETAIL_ENTRIES, windowsLines } from './text.ts';

const VOLUME_STATUS: Readonly<Record<string, Conversion>> = {
  fullyencrypted: 'encrypted',
  // Free-space wipe after a completed encryption: the data is already encrypted.
  fullyencryptedwipeinprogress: 'encrypted',
  fullyencryptedwipesuspended: 'encrypted',
  fullydecrypted: 'decrypted',
  encryptioninprogress: 'encrypting',
  decryptioninprogress: 'decrypting',
  encryptionsuspended: 'encryption-paused',
  decryptionsuspended: 'decryption-paused',
};

function conversionOf(value: string | undefined): Conversion {
  const key = value?.toLowerCase() ?? '';
  return Object.hasOwn(VOLUME_STATUS, key) ? (VOLUME_STATUS[key] ?? 'unknown') : 'unknown';
}

function protectionOf(value: string | undefined): Protection {
  const key = value?.toLowerCase();
  return key === 'on' ? 'on' : key === 'off' ? 'off' : 'unknown';
}

function mountPoint(record: ListRecord): string | undefined {
  const value = record.get('mountpoint');
  return value === undefined || value === '' ? undefined : value;
}

function systemVolume(volumes: readonly ListRecord[]): ListRecord | undefined {
  return (
    volumes.find((volume) => /^c:\\?$/i.test(mountPoint(volume) ?? '')) ??
    volumes.find((volume) => volume.get('volumetype')?.toLowerCase() === 'operatingsystem') ??
    (volumes.length === 1 ? volumes[0] : undefined)
  );
}

export function parseGetBitLockerVolume(text: string): ToolFacts {
  const lines = windowsLines(text);
  const volumes = readFormatList(lines).filter((record) => record.has('volumestatus') || record.has('protectionstatus'));
  const volume = systemVolume(volumes);
  const summary =
    volumes.length > 1
      ? volumes.slice(0, MAX_DETAIL_ENTRIES).map((other) =>
          compact({ mountPoint: mountPoint(other), volumeStatus: other.get('volumestatus'), protectionStatus: other.get('protectionstatus') }),
        )
      : undefined;
  if (volume === undefined) {
    return {
      diskEncryption: 'unknown',
      detail: compact({ reason: volumes.length > 1 ? 'no-system-volume' : 'no-volume-status', volumes: summary, error: findError(lines) }),
    };
  }
  const volumeStatus = volume.get('volumestatus');
  const protectionStatus = volume.get('protectionstatus');
  const { state, reason } = bitlockerVerdict(conversionOf(volumeStatus), protectionOf(protectionStatus));
  const percent = /^(\d{1,3})(?:[.,](\d{1,6}))?$/.exec(volume.get('encryptionpercentage') ?? '');
  const percentage = percent === null ? undefined : Number(`${percent[1] ?? ''}.${percent[2] ?? '0'}`);
  return {
    diskEncryption: state,
    detail: compact({
      volume: mountPoint(volume),
      reason,
      volumeStatus,
      protectionStatus,
      encryptionPercentage: percentage !== undefined && percentage <= 100 ? percentage : undefined,
      encryptionMethod: volume.get('encryptionmethod') || undefined,
      lockStatus: volume.get('lockstatus') || undefined,
      volumeType: volume.get('volumetype') || undefined,
      keyProtector: volume.get('keyprotector') || undefined,
      volumes: summary,
    }),
  };
}

export const getBitLockerVolumeFl: ToolParser = {
  id: 'get-bitlockervolume-fl',
  platform: 'win32',
  command: 'Get-BitLockerVolume | Format-List',
  parse: parseGetBitLockerVolume,
};
