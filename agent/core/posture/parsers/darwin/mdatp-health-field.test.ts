import { describeFixtures } from './darwin-fixtures.fixture.ts';
import { mdatpHealthFieldParser } from './mdatp-health-field.ts';

describeFixtures(mdatpHealthFieldParser, {
  'daemon-down': {
    edr: [{ vendor: 'defender', running: false, detail: 'daemon not reachable' }],
    detail: { error: 'ERROR: Could not connect to daemon. The daemon is not running.' },
  },
  empty: { detail: {} },
  'extra-whitespace': {
    edr: [{ vendor: 'defender', running: true, detail: 'field is true' }],
    detail: { managed: true, value: true },
  },
  false: {
    edr: [{ vendor: 'defender', running: false, detail: 'field is false' }],
    detail: { value: false },
  },
  'health-listing-rtp-off': {
    edr: [{ vendor: 'defender', running: false, detail: 'real_time_protection_enabled: false' }],
    detail: {
      healthy: true,
      licensed: true,
      real_time_protection_enabled: false,
      appVersion: '101.24032.0007',
    },
  },
  'health-listing-unhealthy': {
    edr: [{ vendor: 'defender', running: false, detail: 'healthy: false' }],
    detail: { healthy: false, licensed: true, real_time_protection_enabled: true },
  },
  'health-listing': {
    edr: [
      {
        vendor: 'defender',
        running: true,
        detail: 'healthy, licensed, real_time_protection_enabled: true',
      },
    ],
    detail: {
      healthy: true,
      licensed: true,
      real_time_protection_enabled: true,
      passive_mode_enabled: false,
      appVersion: '101.24032.0007',
      definitionsStatus: 'up_to_date',
    },
  },
  'no-license': {
    edr: [{ vendor: 'defender', running: false, detail: 'no license' }],
    detail: {
      error: 'ATTENTION: No license found. Contact your administrator for help.',
      licensed: false,
    },
  },
  'quoted-false': {
    edr: [{ vendor: 'defender', running: false, detail: 'field is false' }],
    detail: { value: false },
  },
  'true-managed': {
    edr: [{ vendor: 'defender', running: true, detail: 'field is true' }],
    detail: { managed: true, value: true },
  },
  true: {
    edr: [{ vendor: 'defender', running: true, detail: 'field is true' }],
    detail: { value: true },
  },
  'version-value': { detail: { value: '101.24032.0007' } },
});
