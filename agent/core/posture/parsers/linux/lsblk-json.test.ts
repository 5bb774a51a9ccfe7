import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { describe, expect, it } from 'vitest';
import { lsblkJson } from './lsblk-json.ts';

describeFixtures(lsblkJson, {
  'crlf-plain-dm-crypt-root': {
    diskEncryption: 'on',
    detail: {
      rootDevice: '/dev/mapper/root',
      rootFstype: 'ext4',
      rootCryptDevice: '/dev/mapper/root',
      cryptDevices: ['/dev/mapper/root'],
      devices: 3,
    },
  },
  'empty': { diskEncryption: 'unknown', detail: { note: 'empty output' } },
  'error-unknown-column': {
    diskEncryption: 'unknown',
    detail: { note: 'output not recognised', firstLine: 'lsblk: unknown column: MOUNTPOINTS' },
  },
  'fJp-luks-root-no-type-column': {
    diskEncryption: 'on',
    detail: {
      rootDevice: '/dev/mapper/luks-a1b2c3d4-e5f6-4711-8899-aabbccddeeff',
      rootFstype: 'btrfs',
      rootCryptDevice: '/dev/mapper/luks-a1b2c3d4-e5f6-4711-8899-aabbccddeeff',
      luksDevices: ['/dev/sda3'],
      devices: 5,
    },
  },
  'luks-lvm-root': {
    diskEncryption: 'on',
    detail: {
      rootDevice: '/dev/mapper/ubuntu--vg-ubuntu--lv',
      rootFstype: 'ext4',
      rootCryptDevice: '/dev/mapper/dm_crypt-0',
      cryptDevices: ['/dev/mapper/dm_crypt-0'],
      luksDevices: ['/dev/nvme0n1p3'],
      devices: 6,
    },
  },
  'no-root-in-container': {
    diskEncryption: 'unknown',
    detail: { note: 'no filesystem mounted on / in this listing', devices: 3 },
  },
  'old-lsblk-mountpoint-field': {
    diskEncryption: 'on',
    detail: {
      rootDevice: '/dev/mapper/vgubuntu-root',
      rootFstype: 'ext4',
      rootCryptDevice: '/dev/mapper/sda5_crypt',
      cryptDevices: ['/dev/mapper/sda5_crypt'],
      luksDevices: ['/dev/sda5'],
      devices: 7,
    },
  },
  'plain-root-encrypted-data-disk': {
    diskEncryption: 'off',
    detail: {
      rootDevice: '/dev/sda2',
      rootFstype: 'ext4',
      cryptDevices: ['/dev/mapper/data'],
      luksDevices: ['/dev/sdb1'],
      devices: 6,
    },
  },
});

describe('lsblk-json trees', () => {
  it('walks a tree deeper than the call stack', () => {
    const depth = 50_000;
    const leaf = '{"name":"/dev/mapper/root","type":"lvm","fstype":"ext4","mountpoints":["/"]}';
    let tree = leaf;
    for (let i = 0; i < depth; i++) tree = `{"name":"/dev/dm-${i}","type":"${i === depth - 1 ? 'crypt' : 'lvm'}","children":[${tree}]}`;
    expect(lsblkJson.parse(`{"blockdevices":[${tree}]}`)).toMatchObject({ diskEncryption: 'on', detail: { rootCryptDevice: `/dev/dm-${depth - 1}` } });
  });

  it('is off when any filesystem mounted on / is not on crypt', () => {
    const text = JSON.stringify({
      blockdevices: [
        { name: 'sda', type: 'disk', children: [{ name: 'sda1', type: 'part', fstype: 'crypto_LUKS', children: [{ name: 'root', type: 'crypt', mountpoints: ['/'] }] }] },
        { name: 'sdb', type: 'disk', mountpoints: ['/'] },
      ],
    });
    expect(lsblkJson.parse(text)).toMatchObject({ diskEncryption: 'off', detail: { rootDevice: 'sdb' } });
  });

  it('ignores keys inherited from Object.prototype', () => {
    expect(lsblkJson.parse('{"blockdevices":[{"constructor":1,"__proto__":{"mountpoints":["/"]}}]}').diskEncryption).toBe('unknown');
  });
});
