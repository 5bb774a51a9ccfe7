/**
 * `firewall-cmd --state` (firewall-cmd(1)): prints `running` (exit 0) or `not running` (exit
 * 252); other firewall-cmd calls print `FirewallD is not running`. Running is `on`: firewalld
 * always applies its zones, and the default zone's target is not visible here. An error
 * (`Authorization failed.`, D-Bus errors) or anything else is `unknown`.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { toLines, unrecognised } from './text.ts';

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  for (const line of lines) {
    const state = line.trim().toLowerCase();
    if (state === 'running') return { firewall: 'on', detail: { state: 'running' } };
    if (state === 'not running' || state === 'firewalld is not running') return { firewall: 'off', detail: { state: 'not running' } };
  }
  return { firewall: 'unknown', detail: unrecognised(lines) };
}

export const firewallCmdState: ToolParser = {
  id: 'firewall-cmd-state',
  platform: 'linux',
  command: 'firewall-cmd --state',
  parse,
};
