import { describeFixtures } from './darwin-fixtures.fixture.ts';
import { mdmclientQuerySecurityInfoParser } from './mdmclient-query-security-info.ts';

describeFixtures(mdmclientQuerySecurityInfoParser, {
  empty: { diskEncryption: 'unknown', firewall: 'unknown', detail: {} },
  'error-not-root': {
    diskEncryption: 'unknown',
    firewall: 'unknown',
    detail: { error: 'mdmclient: This tool must be run as root.' },
  },
  'fde-off-firewall-off': {
    diskEncryption: 'off',
    firewall: 'off',
    detail: {
      fdePersonalRecoveryKey: false,
      fdeInstitutionalRecoveryKey: false,
      blockAllIncoming: false,
      stealthMode: true,
      firmwarePassword: false,
      enrolledViaDep: false,
      userApprovedEnrollment: true,
      remoteDesktop: false,
      sip: 'on',
    },
    mdmEnrolled: true,
  },
  'fde-on-firewall-on-dep': {
    diskEncryption: 'on',
    firewall: 'on',
    detail: {
      fdePersonalRecoveryKey: true,
      fdeInstitutionalRecoveryKey: false,
      blockAllIncoming: false,
      stealthMode: true,
      firmwarePassword: false,
      enrolledViaDep: true,
      userApprovedEnrollment: true,
      remoteDesktop: false,
      sip: 'on',
      secureBootLevel: 'full',
      firewallApplications: 2,
    },
    mdmEnrolled: true,
  },
  'not-enrolled-flags-zero': {
    diskEncryption: 'on',
    firewall: 'on',
    detail: {
      fdePersonalRecoveryKey: true,
      fdeInstitutionalRecoveryKey: false,
      blockAllIncoming: false,
      stealthMode: true,
      firmwarePassword: false,
      enrolledViaDep: false,
      userApprovedEnrollment: false,
      remoteDesktop: false,
      sip: 'off',
      firewallApplications: 2,
    },
  },
  truncated: {
    diskEncryption: 'unknown',
    firewall: 'unknown',
    detail: { unrecognized: 'Daemon response: {' },
  },
});
