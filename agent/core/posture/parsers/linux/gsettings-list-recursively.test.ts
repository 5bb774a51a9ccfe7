import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { gsettingsListRecursively } from './gsettings-list-recursively.ts';

describeFixtures(gsettingsListRecursively, {
  'crlf-enabled-900': {
    screenLock: { enabled: true, timeoutSeconds: 900 },
    detail: { idleActivationEnabled: true, lockDelaySeconds: 0, lockEnabled: true, idleDelaySeconds: 900 },
  },
  'empty': { screenLock: { enabled: 'unknown' }, detail: { note: 'empty output' } },
  'headless-no-gnome-schemas': { screenLock: { enabled: 'unknown' }, detail: { reason: 'not shown: lock-enabled, idle-delay' } },
  'idle-never': {
    screenLock: { enabled: false },
    detail: {
      lockDelaySeconds: 0,
      lockEnabled: true,
      idleDelaySeconds: 0,
      reason: 'idle-delay is 0: never',
    },
  },
  'lock-disabled': {
    screenLock: { enabled: false },
    detail: {
      lockDelaySeconds: 0,
      lockEnabled: false,
      idleDelaySeconds: 300,
      reason: 'lock-enabled is false: the screen blanks but does not lock',
    },
  },
  'lockdown-disables-lock': {
    screenLock: { enabled: false },
    detail: {
      lockScreenDisabledByLockdown: true,
      lockEnabled: true,
      idleDelaySeconds: 300,
      reason: 'locking disabled by lockdown (disable-lock-screen)',
    },
  },
  'no-schemas-installed': {
    screenLock: { enabled: 'unknown' },
    detail: { note: 'output not recognised', firstLine: 'No schemas installed' },
  },
  'ubuntu-enabled-lock-delay-30': {
    screenLock: { enabled: true, timeoutSeconds: 630 },
    detail: {
      idleActivationEnabled: true,
      lockDelaySeconds: 30,
      lockEnabled: true,
      lockOnSuspend: true,
      idleDelaySeconds: 600,
      lockScreenDisabledByLockdown: false,
    },
  },
});
