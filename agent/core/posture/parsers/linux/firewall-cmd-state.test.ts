import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { firewallCmdState } from './firewall-cmd-state.ts';

describeFixtures(firewallCmdState, {
  'authorization-failed': { firewall: 'unknown', detail: { error: 'Authorization failed.' } },
  'crlf-padded': { firewall: 'on', detail: { state: 'running' } },
  'empty': { firewall: 'unknown', detail: { note: 'empty output' } },
  'firewalld-is-not-running': { firewall: 'off', detail: { state: 'not running' } },
  'not-running': { firewall: 'off', detail: { state: 'not running' } },
  'running': { firewall: 'on', detail: { state: 'running' } },
});
