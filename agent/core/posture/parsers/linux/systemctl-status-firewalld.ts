/**
 * `systemctl status firewalld.service` (see systemd-unit.ts). `active (running)` is `on` (whether
 * it is enabled at boot goes in `detail.enabledAtBoot`: a running firewalld that is disabled will
 * not survive a reboot). Inactive, failed, activating or a unit that does not exist: `off`.
 * Output that is not `systemctl status` (no systemd, D-Bus errors): `unknown`.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { isRunning, readUnitStatus, unitDetail } from './systemd-unit.ts';
import { toLines, unrecognised } from './text.ts';

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  const status = readUnitStatus(lines);
  if (status === undefined) return { firewall: 'unknown', detail: unrecognised(lines) };
  return { firewall: isRunning(status) ? 'on' : 'off', detail: unitDetail(status) };
}

export const systemctlStatusFirewalld: ToolParser = {
  id: 'systemctl-status-firewalld',
  platform: 'linux',
  command: 'systemctl status firewalld.service',
  parse,
};
