import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { systemctlStatusFalconSensor } from './systemctl-status-falcon-sensor.ts';

describeFixtures(systemctlStatusFalconSensor, {
  'auto-restart': {
    edr: [{ vendor: 'crowdstrike', running: false, detail: 'falcon-sensor activating (auto-restart)' }],
    detail: {
      unit: 'falcon-sensor.service',
      description: 'CrowdStrike Falcon Sensor',
      installed: true,
      loaded: 'loaded',
      enabledAtBoot: true,
      unitFileState: 'enabled',
      active: 'activating (auto-restart)',
      since: 'Tue 2024-11-05 09:10:03 UTC',
    },
  },
  'crlf-running-old-systemd': {
    edr: [{ vendor: 'crowdstrike', running: true, detail: 'falcon-sensor active (running)' }],
    detail: {
      unit: 'falcon-sensor.service',
      description: 'CrowdStrike Falcon Sensor',
      installed: true,
      loaded: 'loaded',
      enabledAtBoot: true,
      unitFileState: 'enabled',
      active: 'active (running)',
      since: 'Thu 2023-03-02 14:11:09 EST',
      mainPid: 988,
    },
  },
  'empty': { detail: { note: 'empty output' } },
  'error-bus': { detail: { error: 'Failed to connect to bus: No such file or directory' } },
  'inactive-disabled': {
    edr: [{ vendor: 'crowdstrike', running: false, detail: 'falcon-sensor inactive (dead)' }],
    detail: {
      unit: 'falcon-sensor.service',
      description: 'CrowdStrike Falcon Sensor',
      installed: true,
      loaded: 'loaded',
      enabledAtBoot: false,
      unitFileState: 'disabled',
      active: 'inactive (dead)',
    },
  },
  'running': {
    edr: [{ vendor: 'crowdstrike', running: true, detail: 'falcon-sensor active (running)' }],
    detail: {
      unit: 'falcon-sensor.service',
      description: 'CrowdStrike Falcon Sensor',
      installed: true,
      loaded: 'loaded',
      enabledAtBoot: true,
      unitFileState: 'enabled',
      active: 'active (running)',
      since: 'Mon 2024-11-04 08:58:20 UTC',
      mainPid: 1215,
    },
  },
  'unit-not-found': { edr: [], detail: { unit: 'falcon-sensor.service', installed: false } },
});
