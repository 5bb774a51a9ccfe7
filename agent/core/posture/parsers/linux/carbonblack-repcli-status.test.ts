import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { carbonblackRepcliStatus } from './carbonblack-repcli-status.ts';

describeFixtures(carbonblackRepcliStatus, {
  'bypass-unregistered': {
    edr: [{ vendor: 'carbonblack', running: false, detail: 'sensor state Bypass' }],
    detail: { sensorVersion: '2.14.0.1234321', state: 'Bypass', registered: false },
  },
  'crlf-space-indented-quarantined': {
    edr: [{ vendor: 'carbonblack', running: true, detail: 'sensor state Enabled' }],
    detail: { sensorVersion: '2.15.2.2316032', state: 'Enabled', registered: true, quarantined: true },
  },
  'empty': { detail: { note: 'empty output' } },
  'enabled-registered': {
    edr: [{ vendor: 'carbonblack', running: true, detail: 'sensor state Enabled' }],
    detail: { sensorVersion: '2.15.2.2316032', state: 'Enabled', registered: true, policyName: 'Standard' },
  },
  'macos-sensor-state-section': {
    edr: [{ vendor: 'carbonblack', running: true, detail: 'sensor state Enabled' }],
    detail: { sensorVersion: '3.8.1.12', state: 'Enabled', registered: true, policyName: 'Laptops' },
  },
  'not-root': { detail: { error: 'Error: repcli must be run as root' } },
});
