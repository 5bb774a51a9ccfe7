import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { ufwStatus } from './ufw-status.ts';

describeFixtures(ufwStatus, {
  'active-no-rules': { firewall: 'on', detail: { status: 'active', rules: 0, blockingRules: 0 } },
  'active-with-rules': { firewall: 'on', detail: { status: 'active', rules: 6, blockingRules: 2 } },
  'crlf-extra-whitespace': { firewall: 'on', detail: { status: 'active', rules: 1, blockingRules: 0 } },
  'empty': { firewall: 'unknown', detail: { note: 'empty output' } },
  'error-not-root': { firewall: 'unknown', detail: { error: 'ERROR: You need to be root to run this script' } },
  'french-inactive': { firewall: 'off', detail: { status: 'inactif' } },
  'german-active': { firewall: 'on', detail: { status: 'aktiv', rules: 3, blockingRules: 2 } },
  'inactive': { firewall: 'off', detail: { status: 'inactive' } },
});
