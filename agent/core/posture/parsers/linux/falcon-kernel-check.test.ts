import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { falconKernelCheck } from './falcon-kernel-check.ts';

describeFixtures(falconKernelCheck, {
  'crlf-supported': {
    edr: [
      {
        vendor: 'crowdstrike',
        running: false,
        detail: 'kernel supported; this tool does not show whether the sensor runs',
      },
    ],
    detail: { kernelSupported: true, sensorVersion: '17106', kernel: '5.14.0-427.42.1.el9_4.x86_64' },
  },
  'empty': { detail: { note: 'empty output' } },
  'not-root': { detail: { error: 'falcon-kernel-check: Permission denied' } },
  'not-supported': {
    edr: [
      {
        vendor: 'crowdstrike',
        running: false,
        detail: 'kernel not supported by the sensor: reduced functionality mode',
      },
    ],
    detail: { kernelSupported: false, sensorVersion: '17106', kernel: '6.11.5-300.fc41.x86_64' },
  },
  'supported': {
    edr: [
      {
        vendor: 'crowdstrike',
        running: false,
        detail: 'kernel supported; this tool does not show whether the sensor runs',
      },
    ],
    detail: { kernelSupported: true, sensorVersion: '18106', kernel: '6.8.0-48-generic' },
  },
});
