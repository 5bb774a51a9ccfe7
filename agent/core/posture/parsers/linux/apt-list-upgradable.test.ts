import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { aptListUpgradable } from './apt-list-upgradable.ts';

describeFixtures(aptListUpgradable, {
  'bookworm-with-cli-warning': {
    pendingUpdates: 3,
    pendingSecurityUpdates: 2,
    detail: { securityPackages: ['libssl3', 'openssl'] },
  },
  'crlf-extra-whitespace': { pendingUpdates: 2, pendingSecurityUpdates: 1, detail: { securityPackages: ['sudo'] } },
  'empty': { detail: { note: 'empty output' } },
  'error-sources-list': {
    detail: {
      error: 'E: Type \'deb-src\' is not known on line 4 in source list /etc/apt/sources.list.d/vendor.list',
    },
  },
  'german': {
    pendingUpdates: 2,
    pendingSecurityUpdates: 1,
    detail: { securityPackages: ['linux-firmware'] },
  },
  'noble-security-pending': {
    pendingUpdates: 5,
    pendingSecurityUpdates: 2,
    detail: { securityPackages: ['curl', 'libcurl4t64'] },
  },
  'up-to-date': { pendingUpdates: 0, pendingSecurityUpdates: 0, detail: {} },
});
