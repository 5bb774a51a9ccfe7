import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { falconctlG } from './falconctl-g.ts';

describeFixtures(falconctlG, {
  'aid-not-set': {
    edr: [
      {
        vendor: 'crowdstrike',
        running: false,
        detail: 'AID not set: sensor never registered with the cloud; rfm-state not shown',
      },
    ],
    detail: { cidSet: true, aidSet: false, rfmState: 'not set', version: '7.18.17106.0' },
  },
  'cid-not-set-error': {
    edr: [
      {
        vendor: 'crowdstrike',
        running: false,
        detail: 'CID not set: sensor not configured; rfm-state not shown',
      },
    ],
    detail: { cidSet: false, error: 'CID is not set' },
  },
  'crlf-rfm-only': {
    edr: [
      {
        vendor: 'crowdstrike',
        running: true,
        detail: 'rfm-state=false: not in reduced functionality mode',
      },
    ],
    detail: { rfmState: 'false' },
  },
  'empty': { detail: { note: 'empty output' } },
  'permission-denied': { detail: { error: 'bash: /opt/CrowdStrike/falconctl: Permission denied' } },
  'reduced-functionality-mode': {
    edr: [{ vendor: 'crowdstrike', running: false, detail: 'reduced functionality mode' }],
    detail: {
      cidSet: true,
      aidSet: true,
      aid: 'fedcba9876543210fedcba9876543210',
      rfmState: 'true',
      rfmReason: 'Unsupported kernel version',
      rfmReasonCode: '0xC0000225',
      version: '7.14.16703.0',
    },
  },
  'registered-healthy': {
    edr: [
      {
        vendor: 'crowdstrike',
        running: true,
        detail: 'rfm-state=false: not in reduced functionality mode',
      },
    ],
    detail: {
      cidSet: true,
      aidSet: true,
      aid: 'fedcba9876543210fedcba9876543210',
      rfmState: 'false',
      rfmReason: 'None',
      rfmReasonCode: '0x0',
      version: '7.18.17106.0',
    },
  },
});
