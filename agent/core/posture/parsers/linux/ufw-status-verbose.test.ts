import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { ufwStatusVerbose } from './ufw-status-verbose.ts';

describeFixtures(ufwStatusVerbose, {
  'crlf-reject-default-no-rules': {
    firewall: 'on',
    detail: {
      status: 'active',
      logging: 'on (low)',
      defaultIncoming: 'reject',
      defaultOutgoing: 'allow',
      defaultRouted: 'disabled',
      rules: 0,
      blockingRules: 0,
    },
  },
  'default-allow-no-blocking-rule': {
    firewall: 'off',
    detail: {
      status: 'active',
      logging: 'off',
      defaultIncoming: 'allow',
      defaultOutgoing: 'allow',
      defaultRouted: 'disabled',
      rules: 2,
      blockingRules: 0,
      reason: 'active but allows all incoming traffic (default allow, no deny/reject/limit rule)',
    },
  },
  'default-allow-with-deny-rules': {
    firewall: 'on',
    detail: {
      status: 'active',
      logging: 'on (medium)',
      defaultIncoming: 'allow',
      defaultOutgoing: 'allow',
      defaultRouted: 'deny',
      rules: 4,
      blockingRules: 4,
    },
  },
  'default-deny-incoming': {
    firewall: 'on',
    detail: {
      status: 'active',
      logging: 'on (low)',
      defaultIncoming: 'deny',
      defaultOutgoing: 'allow',
      defaultRouted: 'disabled',
      rules: 2,
      blockingRules: 0,
    },
  },
  'error-not-root': { firewall: 'unknown', detail: { error: 'ERROR: You need to be root to run this script' } },
  'german': {
    firewall: 'on',
    detail: {
      status: 'aktiv',
      defaultIncoming: 'deny',
      defaultOutgoing: 'allow',
      defaultRouted: 'disabled',
      rules: 2,
      blockingRules: 0,
    },
  },
  'inactive': { firewall: 'off', detail: { status: 'inactive' } },
});
