/**
 * `systemctl status falcon-sensor.service` (see systemd-unit.ts): CrowdStrike Falcon's sensor
 * service. `active (running)` is a running `crowdstrike` agent; any other state is not running;
 * a unit that does not exist shows no agent (`edr: []`). Output that is not `systemctl status`:
 * no `edr` fact.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { isRunning, readUnitStatus, unitDetail } from './systemd-unit.ts';
import { toLines, unrecognised } from './text.ts';

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  const status = readUnitStatus(lines);
  if (status === undefined) return { detail: unrecognised(lines) };
  if (!status.found) return { edr: [], detail: unitDetail(status) };
  const running = isRunning(status);
  const state = status.activeState === undefined ? 'state not shown' : `${status.activeState}${status.subState === undefined ? '' : ` (${status.subState})`}`;
  return { edr: [{ vendor: 'crowdstrike', running, detail: `falcon-sensor ${state}` }], detail: unitDetail(status) };
}

export const systemctlStatusFalconSensor: ToolParser = {
  id: 'systemctl-status-falcon-sensor',
  platform: 'linux',
  command: 'systemctl status falcon-sensor.service',
  parse,
};
