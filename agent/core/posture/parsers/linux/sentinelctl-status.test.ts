import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { sentinelctlStatus } from './sentinelctl-status.ts';

describeFixtures(sentinelctlStatus, {
  'agent-not-running': {
    edr: [{ vendor: 'sentinelone', running: false, detail: 'Agent is not running' }],
    detail: { agentVersion: '23.4.2.14', error: 'Agent is not running' },
  },
  'command-not-found': { detail: { error: 'bash: /opt/sentinelone/bin/sentinelctl: No such file or directory' } },
  'crlf-pipe-process-table': {
    edr: [{ vendor: 'sentinelone', running: true, detail: 'agent state Enabled' }],
    detail: { agentState: 'Enabled', connectivity: 'Off', processes: 3 },
  },
  'disabled-by-user': {
    edr: [{ vendor: 'sentinelone', running: false, detail: 'agent state Disabled' }],
    detail: { agentVersion: '23.4.2.14', agentState: 'Disabled', antiTamper: 'Off', connectivity: 'On' },
  },
  'empty': { detail: { note: 'empty output' } },
  'enabled-connected': {
    edr: [{ vendor: 'sentinelone', running: true, detail: 'agent state Enabled' }],
    detail: {
      agentVersion: '24.2.2.20',
      rangerVersion: '24.2.1.3',
      agentState: 'Enabled',
      antiTamper: 'On',
      connectivity: 'On',
      deviceType: 'desktop',
      processes: 5,
    },
  },
  'macos-protection-disabled': {
    edr: [{ vendor: 'sentinelone', running: false, detail: 'protection disabled' }],
    detail: {
      agentVersion: '24.2.3.7601',
      agentState: 'enabled',
      protection: 'disabled',
      infected: true,
      networkQuarantine: false,
      managementConnected: false,
    },
  },
  'macos-protection-enabled': {
    edr: [{ vendor: 'sentinelone', running: true, detail: 'agent state enabled' }],
    detail: {
      agentVersion: '24.2.3.7601',
      agentState: 'enabled',
      protection: 'enabled',
      infected: false,
      networkQuarantine: false,
      managementConnected: true,
    },
  },
});
