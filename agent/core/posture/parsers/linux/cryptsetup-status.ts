/**
 * `cryptsetup status <name>`: one dm-crypt mapping (cryptsetup(8), `action_status` in
 * src/cryptsetup.c). The header says whether the mapping is open; indented `key: value` lines
 * follow (type, cipher, keysize, key location, device, sector size, offset, size, mode, flags,
 * and since 2.x `reencryption:  in-progress` and `encryption: HW OPAL only`).
 *
 * An open mapping with a real cipher is `on`. Suspended (`mode: read/write (suspended)`), being
 * re-encrypted, or using `cipher_null` (LUKS2 formatted for later encryption) is `off`
 * (DESIGN.md §5). An inactive mapping says nothing about the disk: `unknown`.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, compact, toCount, toLines, unrecognised } from './text.ts';

const HEADER = /^(\S.*?) is (active(?: and is in use)?|inactive)\.$/;
/** Mapping types that encrypt; anything else (VERITY, INTEGRITY, `n/a`) is a plain mapping. */
const ENCRYPTING_TYPES = new Set(['LUKS1', 'LUKS2', 'PLAIN', 'LOOPAES', 'TCRYPT', 'BITLK', 'FVAULT2']);

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  const headerIndex = lines.findIndex((line) => line.trim() !== '');
  const header = headerIndex < 0 ? null : HEADER.exec(lines[headerIndex]!.trim());
  if (header === null) return { diskEncryption: 'unknown', detail: unrecognised(lines) };
  const device = clip(header[1]!);
  if (header[2] === 'inactive') {
    return { diskEncryption: 'unknown', detail: { device, active: false, note: 'mapping not open: says nothing about the disk under it' } };
  }

  const fields = new Map<string, string>();
  for (const line of lines.slice(headerIndex + 1)) {
    const colon = line.indexOf(':');
    if (colon < 0 || !/^\s/.test(line)) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    if (!fields.has(key)) fields.set(key, line.slice(colon + 1).trim());
  }
  const type = fields.get('type');
  const cipher = fields.get('cipher');
  const mode = fields.get('mode');
  const hardware = fields.get('encryption');
  const suspended = mode !== undefined && mode.includes('(suspended)');
  const reencrypting = fields.get('reencryption')?.includes('progress') === true;

  let reason: string | undefined;
  let state: ToolFacts['diskEncryption'] = 'unknown';
  if (reencrypting) [state, reason] = ['off', 're-encryption in progress'];
  else if (suspended) [state, reason] = ['off', 'mapping suspended (luksSuspend): key wiped, I/O blocked'];
  else if (cipher?.startsWith('cipher_null') === true) [state, reason] = ['off', 'cipher_null: data is not encrypted'];
  else if (hardware !== undefined && /OPAL/i.test(hardware)) state = 'on';
  else if (cipher !== undefined && cipher !== '') state = 'on';
  else if (type !== undefined && !ENCRYPTING_TYPES.has(type.toUpperCase())) [state, reason] = ['off', `not an encrypting mapping (type ${clip(type, 32)})`];

  const keysize = fields.get('keysize');
  return {
    diskEncryption: state,
    detail: compact({
      device,
      active: true,
      inUse: header[2] !== 'active',
      type: type === undefined ? undefined : clip(type),
      cipher: cipher === undefined ? undefined : clip(cipher),
      keysizeBits: keysize === undefined ? undefined : toCount(keysize.split(' ')[0]),
      keyLocation: optional(fields.get('key location')),
      hardwareEncryption: optional(hardware),
      integrity: optional(fields.get('integrity')),
      underlyingDevice: optional(fields.get('device')),
      loopFile: optional(fields.get('loop')),
      mode: optional(mode),
      suspended: suspended ? true : undefined,
      reencryption: reencrypting ? 'in-progress' : undefined,
      reason,
    }),
  };
}

const optional = (value: string | undefined): string | undefined => (value === undefined ? undefined : clip(value));

export const cryptsetupStatus: ToolParser = {
  id: 'cryptsetup-status',
  platform: 'linux',
  command: 'cryptsetup status <mapping-name>',
  parse,
};
