import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { mdatpHealthJson } from './mdatp-health-json.ts';

describeFixtures(mdatpHealthJson, {
  'command-not-found': { detail: { error: 'bash: mdatp: command not found' } },
  'crlf-unlicensed-pretty': {
    edr: [
      {
        vendor: 'defender',
        running: false,
        detail: 'not healthy; not licensed; real-time protection off',
      },
    ],
    detail: {
      appVersion: '101.24092.0002',
      healthy: false,
      licensed: false,
      healthIssues: ['missing license'],
      realTimeProtection: false,
    },
  },
  'empty': { detail: { note: 'empty output' } },
  'healthy-rtp-on': {
    edr: [{ vendor: 'defender', running: true, detail: 'healthy, real-time protection on' }],
    detail: {
      appVersion: '101.24092.0002',
      healthy: true,
      licensed: true,
      healthIssues: [],
      realTimeProtection: true,
      passiveMode: false,
      behaviorMonitoring: 'enabled',
      definitionsStatus: 'upToDate',
      definitionsVersion: '1.421.12.0',
      engineVersion: '1.1.24090.3001',
      releaseRing: 'Production',
      tamperProtection: 'block',
    },
  },
  'no-license': {
    edr: [
      {
        vendor: 'defender',
        running: false,
        detail: 'ATTENTION: No license found. Contact your administrator for help.',
      },
    ],
    detail: { error: 'ATTENTION: No license found. Contact your administrator for help.' },
  },
  'older-plain-values-pretty': {
    edr: [{ vendor: 'defender', running: true, detail: 'healthy, real-time protection on' }],
    detail: {
      appVersion: '101.18.55',
      healthy: true,
      licensed: true,
      healthIssues: [],
      realTimeProtection: true,
      passiveMode: false,
      definitionsStatus: 'up_to_date',
      definitionsVersion: '1.317.1017.0',
      engineVersion: '1.1.17200.1',
      releaseRing: 'Production',
    },
  },
  'unhealthy-issues': {
    edr: [{ vendor: 'defender', running: false, detail: 'not healthy; real-time protection off' }],
    detail: {
      appVersion: '101.24092.0002',
      healthy: false,
      licensed: true,
      healthIssues: ['no active event provider', 'definitions out of date'],
      realTimeProtection: false,
      passiveMode: false,
      behaviorMonitoring: 'enabled',
      definitionsStatus: 'outdated',
      definitionsVersion: '1.421.12.0',
      engineVersion: '1.1.24090.3001',
      releaseRing: 'Production',
      tamperProtection: 'block',
    },
  },
});
