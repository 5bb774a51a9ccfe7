import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { veracryptListVerbose } from './veracrypt-list-verbose.ts';

describeFixtures(veracryptListVerbose, {
  'command-not-found': { diskEncryption: 'unknown', detail: { error: 'bash: veracrypt: command not found' } },
  'crlf-one-volume': {
    diskEncryption: 'unknown',
    detail: {
      volumes: [
        {
          slot: 2,
          volume: '/dev/sdb2',
          virtualDevice: '/dev/mapper/veracrypt2',
          mountDirectory: '/mnt/usb',
          type: 'Normal',
          readOnly: false,
          algorithm: 'AES',
        },
      ],
      note: 'VeraCrypt data volumes only: they say nothing about the system volume',
    },
  },
  'empty': { diskEncryption: 'unknown', detail: { note: 'empty output' } },
  'hidden-read-only': {
    diskEncryption: 'unknown',
    detail: {
      volumes: [
        {
          slot: 3,
          volume: '/dev/sdc1',
          virtualDevice: '/dev/mapper/veracrypt3',
          mountDirectory: '/media/veracrypt3',
          type: 'Hidden',
          readOnly: true,
          algorithm: 'Serpent',
        },
      ],
      note: 'VeraCrypt data volumes only: they say nothing about the system volume',
    },
  },
  'no-volumes-mounted': { diskEncryption: 'unknown', detail: { volumes: [], note: 'no VeraCrypt volume mounted' } },
  'one-volume': {
    diskEncryption: 'unknown',
    detail: {
      volumes: [
        {
          slot: 1,
          volume: '/home/alice/secrets.hc',
          virtualDevice: '/dev/mapper/veracrypt1',
          mountDirectory: '/media/veracrypt1',
          type: 'Normal',
          readOnly: false,
          algorithm: 'AES(Twofish(Serpent))',
        },
      ],
      note: 'VeraCrypt data volumes only: they say nothing about the system volume',
    },
  },
});
