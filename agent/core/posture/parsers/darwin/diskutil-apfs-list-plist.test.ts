import { describeFixtures } from './darwin-fixtures.fixture.ts';
import { diskutilApfsListPlistParser } from './diskutil-apfs-list-plist.ts';

describeFixtures(diskutilApfsListPlistParser, {
  'data-volume-off-hardware-encryption-only': {
    diskEncryption: 'off',
    detail: {
      containers: 2,
      fileVaultVolumes: [],
      systemContainers: [{ container: 'disk3', state: 'off', volumes: ['Macintosh HD - Data (disk3s5)'] }],
    },
  },
  'data-volume-on': {
    diskEncryption: 'on',
    detail: {
      containers: 2,
      fileVaultVolumes: ['Macintosh HD', 'Macintosh HD - Data'],
      systemContainers: [{ container: 'disk3', state: 'on', volumes: ['Macintosh HD - Data (disk3s5)'] }],
    },
  },
  'encryption-in-progress': {
    diskEncryption: 'off',
    detail: {
      containers: 2,
      fileVaultVolumes: ['Macintosh HD - Data'],
      systemContainers: [
        {
          container: 'disk3',
          state: 'off',
          volumes: ['Macintosh HD - Data (disk3s5, conversion in progress)'],
        },
      ],
    },
  },
  'error-not-a-plist': {
    diskEncryption: 'unknown',
    detail: {
      error: 'not an XML property list',
      output: 'Error beginning APFS listing: An error occurred while communicating with the storage system (-69876)',
    },
  },
  'external-macos-locked': {
    diskEncryption: 'on',
    detail: {
      containers: 3,
      fileVaultVolumes: ['Macintosh HD', 'Macintosh HD - Data'],
      systemContainers: [{ container: 'disk3', state: 'on', volumes: ['Macintosh HD - Data (disk3s5)'] }],
    },
  },
  'localized-names-crlf-comment': {
    diskEncryption: 'on',
    detail: {
      containers: 1,
      fileVaultVolumes: ['Tom & Jerry’s Mac', 'Tom & Jerry’s Mac - Données'],
      systemContainers: [{ container: 'disk3', state: 'on', volumes: ['Tom & Jerry’s Mac - Données (disk3s5)'] }],
    },
  },
  'mojave-no-roles': {
    diskEncryption: 'unknown',
    detail: {
      containers: 1,
      fileVaultVolumes: ['Macintosh HD'],
      systemContainers: [],
      reason: 'no container holds an unlocked System or Data volume',
    },
  },
  'no-containers': {
    diskEncryption: 'unknown',
    detail: {
      containers: 0,
      fileVaultVolumes: [],
      systemContainers: [],
      reason: 'no container holds an unlocked System or Data volume',
    },
  },
  truncated: {
    diskEncryption: 'unknown',
    detail: { error: 'not an XML property list', output: '<?xml version="1.0" encoding="UTF-8"?>' },
  },
  'two-unlocked-systems-disagree': {
    diskEncryption: 'unknown',
    detail: {
      containers: 3,
      fileVaultVolumes: ['Macintosh HD', 'Macintosh HD - Data'],
      systemContainers: [
        { container: 'disk3', state: 'on', volumes: ['Macintosh HD - Data (disk3s5)'] },
        { container: 'disk5', state: 'off', volumes: ['Sonoma Test - Data (disk5s5)'] },
      ],
      reason: 'system containers disagree; check fdesetup status',
    },
  },
});
