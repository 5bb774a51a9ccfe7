import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { gsettingsGet } from './gsettings-get.ts';

describeFixtures(gsettingsGet, {
  'crlf-keyed-lines': {
    screenLock: { enabled: true, timeoutSeconds: 900 },
    detail: { lockEnabled: true, idleDelaySeconds: 900 },
  },
  'dconf-warning-then-values': {
    screenLock: { enabled: true, timeoutSeconds: 600 },
    detail: { lockEnabled: true, idleDelaySeconds: 600 },
  },
  'empty': { screenLock: { enabled: 'unknown' }, detail: { note: 'empty output' } },
  'enabled-300': {
    screenLock: { enabled: true, timeoutSeconds: 300 },
    detail: { lockEnabled: true, idleDelaySeconds: 300 },
  },
  'idle-key-missing': {
    screenLock: { enabled: 'unknown' },
    detail: { error: 'No such key “idle-delay”', lockEnabled: true, reason: 'not shown: idle-delay' },
  },
  'idle-never': {
    screenLock: { enabled: false },
    detail: { lockEnabled: true, idleDelaySeconds: 0, reason: 'idle-delay is 0: never' },
  },
  'lock-disabled': {
    screenLock: { enabled: false },
    detail: {
      lockEnabled: false,
      idleDelaySeconds: 300,
      reason: 'lock-enabled is false: the screen blanks but does not lock',
    },
  },
  'no-schema': {
    screenLock: { enabled: 'unknown' },
    detail: { error: 'No such schema “org.gnome.desktop.screensaver”' },
  },
});
