/**
 * `lsblk -J -p -o NAME,TYPE,FSTYPE,MOUNTPOINTS` (or `lsblk -fJp`): the block device tree as
 * JSON (lsblk(8)). util-linux >= 2.37 prints `mountpoints` (an array), older versions a single
 * `mountpoint`; `-f` has no TYPE column.
 *
 * `on` only when every filesystem mounted on `/` sits on a dm-crypt device: somewhere on its
 * path to the disk there is a node of TYPE `crypt`, or a child of a `crypto_LUKS` container (how
 * the opened mapping shows up without TYPE). Root found but not on crypt: `off`. No `/` in the
 * listing (containers, ZFS root, a partial listing): `unknown`.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { asObject, clip, compact, MAX_DETAIL_ENTRIES, own, ownString, parseJson, toLines, unrecognised } from './text.ts';

interface Device {
  name: string;
  type: string | undefined;
  fstype: string | undefined;
  mounts: string[];
  /** Index of the nearest crypt device on the path from the disk to this node (itself included), or -1. */
  crypt: number;
}

/** How many block devices a listing may hold before the parser stops reading (bounds time and memory). */
const MAX_DEVICES = 100_000;

function mountsOf(node: unknown): string[] {
  const single = ownString(node, 'mountpoint');
  const many = own(node, 'mountpoints');
  const mounts = single === undefined ? [] : [single];
  if (Array.isArray(many)) for (const m of many) if (typeof m === 'string') mounts.push(m);
  return mounts;
}

function parse(text: string): ToolFacts {
  const roots = own(parseJson(text), 'blockdevices');
  if (!Array.isArray(roots)) return { diskEncryption: 'unknown', detail: unrecognised(toLines(text)) };

  const devices: Device[] = [];
  // Iterative depth-first walk: a hostile listing may nest deeper than the call stack.
  const stack: { node: unknown; parent: number }[] = roots.map((node) => ({ node, parent: -1 })).reverse();
  while (stack.length > 0 && devices.length < MAX_DEVICES) {
    const { node, parent } = stack.pop()!;
    if (asObject(node) === undefined) continue;
    const name = ownString(node, 'path') ?? ownString(node, 'name') ?? ownString(node, 'kname') ?? '?';
    const type = ownString(node, 'type');
    const fstype = ownString(node, 'fstype');
    const up = parent < 0 ? undefined : devices[parent];
    const isCrypt = type === 'crypt' || up?.fstype?.toLowerCase() === 'crypto_luks';
    const index = devices.length;
    devices.push({ name, type, fstype, mounts: mountsOf(node), crypt: isCrypt ? index : (up?.crypt ?? -1) });
    const children = own(node, 'children');
    if (Array.isArray(children)) for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], parent: index });
  }

  const rootDevices = devices.filter((d) => d.mounts.includes('/'));
  const cryptDevices = devices.filter((d) => d.type === 'crypt').map((d) => clip(d.name));
  const luksDevices = devices.filter((d) => d.fstype?.toLowerCase() === 'crypto_luks').map((d) => clip(d.name));
  const listing = {
    cryptDevices: cryptDevices.length > 0 ? cryptDevices.slice(0, MAX_DETAIL_ENTRIES) : undefined,
    luksDevices: luksDevices.length > 0 ? luksDevices.slice(0, MAX_DETAIL_ENTRIES) : undefined,
    devices: devices.length,
  };
  const root = rootDevices.find((d) => d.crypt < 0) ?? rootDevices[0];
  if (root === undefined) {
    return { diskEncryption: 'unknown', detail: compact({ note: 'no filesystem mounted on / in this listing', ...listing }) };
  }
  const onCrypt = root.crypt >= 0;
  return {
    diskEncryption: onCrypt ? 'on' : 'off',
    detail: compact({
      rootDevice: clip(root.name),
      rootFstype: root.fstype === undefined ? undefined : clip(root.fstype),
      rootCryptDevice: onCrypt ? clip(devices[root.crypt]!.name) : undefined,
      ...listing,
    }),
  };
}

export const lsblkJson: ToolParser = {
  id: 'lsblk-json',
  platform: 'linux',
  command: 'lsblk -J -p -o NAME,TYPE,FSTYPE,MOUNTPOINTS',
  parse,
};
