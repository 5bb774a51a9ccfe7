import { describeFixtures } from './darwin-fixtures.fixture.ts';
import { sysadminctlScreenlockParser } from './sysadminctl-screenlock.ts';

describeFixtures(sysadminctlScreenlockParser, {
  'delay-300-seconds': { screenLock: { enabled: true }, detail: { passwordDelaySeconds: 300 } },
  'delay-minus-one': { screenLock: { enabled: false }, detail: {} },
  empty: { screenLock: { enabled: 'unknown' }, detail: {} },
  'error-not-permitted': {
    screenLock: { enabled: 'unknown' },
    detail: {
      error: '2024-05-02 09:14:07.532 sysadminctl[812:4210] Operation is not permitted without secure token unlock.',
    },
  },
  immediate: { screenLock: { enabled: true }, detail: { passwordDelaySeconds: 0 } },
  'no-prefix-extra-whitespace': { screenLock: { enabled: true }, detail: { passwordDelaySeconds: 5 } },
  off: { screenLock: { enabled: false }, detail: {} },
  unrecognized: {
    screenLock: { enabled: 'unknown' },
    detail: {
      unrecognized: '2024-05-02 09:14:07.532 sysadminctl[812:4210] Usage: sysadminctl -screenLock <status|immediate|off|seconds> -password <password|->',
    },
  },
});
