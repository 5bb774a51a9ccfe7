/**
 * `veracrypt --text --list --verbose`: one block per mounted volume, `Slot: 1`, `Volume:
 * /dev/sdb1`, `Virtual Device: /dev/mapper/veracrypt1`, `Mount Directory: /home/bob/mnt`,
 * `Type: Normal`, `Encryption Algorithm: AES`, `PKCS-5 PRF: HMAC-SHA-512`, ...; with nothing
 * mounted: `Error: No volumes mounted.`
 *
 * VeraCrypt on Linux encrypts data volumes, not the system: mounted volumes do not say whether
 * `/` is encrypted, so the answer is `unknown` (with the volumes in `detail`), unless one of them
 * is mounted on `/`.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, compact, MAX_DETAIL_ENTRIES, toCount, toLines, unrecognised } from './text.ts';

interface Volume {
  slot?: number | undefined;
  volume?: string;
  virtualDevice?: string;
  mountDirectory?: string;
  type?: string;
  algorithm?: string;
  readOnly?: boolean;
}

const FIELDS = new Map<string, keyof Volume>([
  ['volume', 'volume'],
  ['virtual device', 'virtualDevice'],
  ['mount directory', 'mountDirectory'],
  ['type', 'type'],
  ['encryption algorithm', 'algorithm'],
]);

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  const volumes: Volume[] = [];
  let current: Volume | undefined;
  for (const line of lines) {
    const trimmed = line.trim();
    const colon = trimmed.indexOf(':');
    if (colon <= 0) continue;
    const key = trimmed.slice(0, colon).trim().toLowerCase();
    const value = clip(trimmed.slice(colon + 1).trim());
    if (key === 'slot') {
      current = { slot: toCount(value) };
      volumes.push(current);
    } else if (current !== undefined && key === 'read-only') {
      current.readOnly = value.toLowerCase() === 'yes';
    } else if (current !== undefined) {
      const field = FIELDS.get(key);
      if (field !== undefined && field !== 'slot' && field !== 'readOnly' && current[field] === undefined) current[field] = value;
    }
  }
  if (volumes.length === 0) {
    const none = lines.some((l) => /No volumes mounted/i.test(l));
    return { diskEncryption: 'unknown', detail: none ? { volumes: [], note: 'no VeraCrypt volume mounted' } : unrecognised(lines) };
  }
  const root = volumes.find((v) => v.mountDirectory === '/');
  return {
    diskEncryption: root === undefined ? 'unknown' : 'on',
    detail: compact({
      volumes: volumes.slice(0, MAX_DETAIL_ENTRIES).map((v) => compact({ ...v })),
      note: root === undefined ? 'VeraCrypt data volumes only: they say nothing about the system volume' : undefined,
    }),
  };
}

export const veracryptListVerbose: ToolParser = {
  id: 'veracrypt-list-verbose',
  platform: 'linux',
  command: 'veracrypt --text --list --verbose',
  parse,
};
