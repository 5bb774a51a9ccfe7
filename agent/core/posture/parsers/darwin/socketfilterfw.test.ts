import { describeFixtures } from './darwin-fixtures.fixture.ts';
import { socketfilterfwParser } from './socketfilterfw.ts';

describeFixtures(socketfilterfwParser, {
  'block-all-all-flags': {
    firewall: 'on',
    detail: {
      globalState: 2,
      blockAll: true,
      allowBuiltInSigned: false,
      allowDownloadedSigned: false,
      stealthMode: false,
      logging: 'off',
      loggingOption: 'detail',
    },
  },
  'crlf-trailing-spaces': { firewall: 'on', detail: { globalState: 1, stealthMode: true } },
  'disabled-state-0': { firewall: 'off', detail: { globalState: 0 } },
  empty: { firewall: 'unknown', detail: {} },
  'enabled-state-1': { firewall: 'on', detail: { globalState: 1 } },
  'error-not-permitted': { firewall: 'unknown', detail: { error: 'socketfilterfw: Operation not permitted' } },
  'listapps-only': {
    firewall: 'unknown',
    detail: { appCount: 3, reason: 'application list only; no global state' },
  },
  'no-state-number': { firewall: 'off', detail: {} },
  'state-contradicts-word': {
    firewall: 'unknown',
    detail: { globalState: 0, conflict: 'Firewall is enabled. (State = 0)' },
  },
});
