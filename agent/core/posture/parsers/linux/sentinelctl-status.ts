/**
 * SentinelOne's `sentinelctl`. Linux agent: `version` (`Agent version: 23.4.2.14`), `control
 * status` (`Agent state      Enabled` and a `Process Name  PID` table), `management status`
 * (`Connectivity  On`, `Anti Tamper  On`), `engines status`; collectors concatenate them, columns
 * padded with spaces, some lines with `: `. The macOS agent's `sentinelctl status` (same tool id)
 * is indented `Key:  value` under section titles: `Agent` / `Version:`, `Agent Operational State:
 * enabled`, `Protection: enabled`, `Infected: no`, `Network Quarantine: no`, and `Management` /
 * `Connected: yes`; some helper daemons are legitimately `not running`.
 *
 * The `sentinelone` agent runs when its state (`Agent state`, `Agent Operational State`) is
 * `Enabled` and, when shown, protection is enabled. Disabled, `Agent is not running`, or a state
 * that is not shown: not running. Site key, IDs, UUID and server are not copied.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, compact, splitKeyValue, toLines, unrecognised } from './text.ts';

const KEYS = new Map([
  ['agent version', 'agentVersion'],
  ['agent state', 'agentState'],
  ['anti tamper', 'antiTamper'],
  ['connectivity', 'connectivity'],
  ['dfi engine', 'dfiEngine'],
  ['dynamic engine', 'dynamicEngine'],
  ['device type', 'deviceType'],
  ['ranger version', 'rangerVersion'],
  ['version', 'agentVersion'],
  ['agent operational state', 'agentState'],
  ['protection', 'protection'],
  ['infected', 'infected'],
  ['network quarantine', 'networkQuarantine'],
  ['connected', 'managementConnected'],
]);
/** macOS answers these with yes/no: shown as booleans. */
const YES_NO = new Set(['infected', 'networkQuarantine', 'managementConnected']);
const PROCESS = /^\S+\s*(?:\|\s*)?\d+$/;

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  const values = new Map<string, string>();
  let notRunning: string | undefined;
  let processes = 0;
  let inProcesses = false;
  for (const line of lines) {
    const trimmed = line.trim();
    const lower = trimmed.toLowerCase();
    if (notRunning === undefined && lower.includes('agent') && lower.includes('not running')) notRunning = clip(trimmed);
    if (/^Process Name\b/.test(trimmed)) {
      inProcesses = true;
      continue;
    }
    if (inProcesses) {
      if (/^-+$/.test(trimmed)) continue;
      if (PROCESS.test(trimmed)) {
        processes++;
        continue;
      }
      inProcesses = false;
    }
    // `Agent state Enabled` is also printed with a single space.
    const state = /^Agent state:?\s+(\S+)/i.exec(trimmed);
    const pair: [string, string] | undefined = state !== null ? ['agent state', state[1]!] : splitKeyValue(trimmed);
    const name = pair === undefined ? undefined : KEYS.get(pair[0].toLowerCase());
    if (name !== undefined && !values.has(name)) values.set(name, clip(pair![1], 64));
  }
  if (values.size === 0 && notRunning === undefined) return { detail: unrecognised(lines) };
  const state = values.get('agentState');
  const protection = values.get('protection');
  const protecting = protection === undefined || /^enabled\b/i.test(protection);
  const running = state !== undefined && /^enabled\b/i.test(state) && protecting && notRunning === undefined;
  let why = running ? `agent state ${state}` : notRunning ?? (state === undefined ? 'agent state not shown' : `agent state ${state}`);
  if (!protecting && notRunning === undefined) why = `protection ${protection}`;
  const detail: Record<string, unknown> = {};
  for (const [key, value] of values) {
    const answer = value.toLowerCase();
    detail[key] = YES_NO.has(key) && (answer === 'yes' || answer === 'no') ? answer === 'yes' : value;
  }
  return {
    edr: [{ vendor: 'sentinelone', running, detail: clip(why) }],
    detail: compact({ ...detail, processes: processes > 0 ? processes : undefined, error: running ? undefined : notRunning }),
  };
}

export const sentinelctlStatus: ToolParser = {
  id: 'sentinelctl-status',
  platform: 'linux',
  command: '/opt/sentinelone/bin/sentinelctl version; /opt/sentinelone/bin/sentinelctl control status; /opt/sentinelone/bin/sentinelctl management status',
  parse,
};
