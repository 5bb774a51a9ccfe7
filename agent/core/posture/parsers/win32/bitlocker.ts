/**
 * The BitLocker verdict shared by `manage-bde -status` and `Get-BitLockerVolume`: a volume counts
 * as encrypted only when its conversion is complete AND its protectors are active. Suspended
 * protection (the key sits in the clear on the disk), a conversion in progress or paused, and a
 * decrypted volume are all `off` (DESIGN.md §5); anything the output does not settle is `unknown`.
 */
import type { OnOffUnknown } from '../types.ts';

export type Conversion =
  | 'encrypted'
  | 'decrypted'
  | 'encrypting'
  | 'decrypting'
  | 'encryption-paused'
  | 'decryption-paused'
  | 'unknown';

export type Protection = 'on' | 'off' | 'unknown';

/** Why a volume got its state; kebab-case, shown in `detail.reason`. */
export type BitlockerReason =
  | 'encrypted-and-protected'
  | 'protection-suspended'
  | 'protection-off'
  | 'not-encrypted'
  | 'encryption-in-progress'
  | 'decryption-in-progress'
  | 'encryption-paused'
  | 'decryption-paused'
  | 'protection-unknown'
  | 'conversion-status-unknown';

const CONVERSION_REASON: Record<Exclude<Conversion, 'encrypted' | 'unknown'>, BitlockerReason> = {
  decrypted: 'not-encrypted',
  encrypting: 'encryption-in-progress',
  decrypting: 'decryption-in-progress',
  'encryption-paused': 'encryption-paused',
  'decryption-paused': 'decryption-paused',
};

export function bitlockerVerdict(conversion: Conversion, protection: Protection): { state: OnOffUnknown; reason: BitlockerReason } {
  if (conversion === 'encrypted') {
    if (protection === 'on') return { state: 'on', reason: 'encrypted-and-protected' };
    if (protection === 'off') return { state: 'off', reason: 'protection-suspended' };
    return { state: 'unknown', reason: 'protection-unknown' };
  }
  if (conversion !== 'unknown') return { state: 'off', reason: CONVERSION_REASON[conversion] };
  if (protection === 'off') return { state: 'off', reason: 'protection-off' };
  return { state: 'unknown', reason: 'conversion-status-unknown' };
}
