import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { systemctlStatusFirewalld } from './systemctl-status-firewalld.ts';

describeFixtures(systemctlStatusFirewalld, {
  'active-enabled-systemd-255': {
    firewall: 'on',
    detail: {
      unit: 'firewalld.service',
      description: 'firewalld - dynamic firewall daemon',
      installed: true,
      loaded: 'loaded',
      enabledAtBoot: true,
      unitFileState: 'enabled',
      active: 'active (running)',
      since: 'Mon 2024-11-04 08:58:12 CET',
      mainPid: 1012,
    },
  },
  'crlf-ascii-bullet': {
    firewall: 'on',
    detail: {
      unit: 'firewalld.service',
      description: 'firewalld - dynamic firewall daemon',
      installed: true,
      loaded: 'loaded',
      enabledAtBoot: true,
      unitFileState: 'enabled',
      active: 'active (running)',
      since: 'Wed 2023-05-17 10:01:02 UTC',
      mainPid: 845,
    },
  },
  'empty': { firewall: 'unknown', detail: { note: 'empty output' } },
  'failed': {
    firewall: 'off',
    detail: {
      unit: 'firewalld.service',
      description: 'firewalld - dynamic firewall daemon',
      installed: true,
      loaded: 'loaded',
      enabledAtBoot: true,
      unitFileState: 'enabled',
      active: 'failed (Result: exit-code)',
      since: 'Tue 2024-11-05 07:15:40 CET',
      mainPid: 2231,
    },
  },
  'inactive-dead': {
    firewall: 'off',
    detail: {
      unit: 'firewalld.service',
      description: 'firewalld - dynamic firewall daemon',
      installed: true,
      loaded: 'loaded',
      enabledAtBoot: false,
      unitFileState: 'disabled',
      active: 'inactive (dead)',
    },
  },
  'masked': {
    firewall: 'off',
    detail: { unit: 'firewalld.service', installed: true, loaded: 'masked', active: 'inactive (dead)' },
  },
  'no-systemd': {
    firewall: 'unknown',
    detail: { error: 'System has not been booted with systemd as init system (PID 1). Can\'t operate.' },
  },
  'unit-not-found': { firewall: 'off', detail: { unit: 'firewalld.service', installed: false } },
});
