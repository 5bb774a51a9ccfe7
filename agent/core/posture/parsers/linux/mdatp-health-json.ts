/**
 * `mdatp health --output json` (Microsoft Defender for Endpoint on Linux): one JSON object,
 * `healthy`, `licensed`, `healthIssues`, `appVersion`, `definitionsStatus: {"$type": "upToDate"}`,
 * and managed settings as `{"value": ..., "isManaged": ...}` (older versions: plain values),
 * e.g. `realTimeProtectionEnabled`, `passiveModeEnabled`. Errors are plain text (`ATTENTION: No
 * license found. Contact your administrator for help.`, daemon not reachable).
 *
 * The `defender` agent runs when it reports itself healthy and licensed. Real-time protection
 * off or passive mode (another AV is primary, EDR still on) do not stop the agent; they are in
 * `detail` for the policy and the helpdesk. Identifiers (org, machine) are not copied.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { asObject, clip, compact, MAX_DETAIL_ENTRIES, own, ownString, parseJson, toLines, unrecognised } from './text.ts';

/** A setting as `{"value": x}` or as the plain value. */
function setting(health: unknown, key: string): unknown {
  const field = own(health, key);
  return asObject(field) !== undefined ? own(field, 'value') : field;
}

const bool = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? clip(value) : undefined);

function parse(input: string): ToolFacts {
  const health = parseJson(input);
  const lines = toLines(input);
  if (asObject(health) === undefined || (own(health, 'healthy') === undefined && own(health, 'appVersion') === undefined)) {
    const error = lines.map((l) => l.trim()).find((l) => /license|daemon|not running|ATTENTION/i.test(l));
    if (error !== undefined) return { edr: [{ vendor: 'defender', running: false, detail: clip(error) }], detail: { error: clip(error) } };
    return { detail: unrecognised(lines) };
  }
  const healthy = bool(own(health, 'healthy'));
  const licensed = bool(own(health, 'licensed'));
  const rtp = bool(setting(health, 'realTimeProtectionEnabled'));
  const passive = bool(setting(health, 'passiveModeEnabled'));
  const definitions = own(health, 'definitionsStatus');
  const issues = own(health, 'healthIssues');
  const running = healthy === true && licensed !== false;
  const notes = [
    healthy !== true ? (healthy === false ? 'not healthy' : 'health not shown') : '',
    licensed === false ? 'not licensed' : '',
    rtp === false ? 'real-time protection off' : '',
    passive === true ? 'passive mode' : '',
  ].filter((n) => n !== '');
  return {
    edr: [{ vendor: 'defender', running, detail: notes.length > 0 ? notes.join('; ') : 'healthy, real-time protection on' }],
    detail: compact({
      appVersion: text(own(health, 'appVersion')),
      healthy,
      licensed,
      healthIssues: Array.isArray(issues) ? issues.slice(0, MAX_DETAIL_ENTRIES).map((i) => clip(typeof i === 'string' ? i : JSON.stringify(i))) : undefined,
      realTimeProtection: rtp,
      passiveMode: passive,
      behaviorMonitoring: text(setting(health, 'behaviorMonitoring')),
      definitionsStatus: text(ownString(definitions, '$type')) ?? text(definitions),
      definitionsVersion: text(own(health, 'definitionsVersion')),
      engineVersion: text(own(health, 'engineVersion')),
      releaseRing: text(own(health, 'releaseRing')),
      tamperProtection: text(setting(health, 'tamperProtection')),
    }),
  };
}

export const mdatpHealthJson: ToolParser = {
  id: 'mdatp-health-json',
  platform: 'linux',
  command: 'mdatp health --output json',
  parse,
};
