/**
 * VMware Carbon Black Cloud's `repcli status`: sections `General Info:`, `Sensor Status:` (macOS:
 * `Sensor State:`), `Cloud Status:`, `Rules Status:`, each followed by indented `Key: Value` lines
 * (tabs on Linux, four spaces on macOS; `Sensor Version: 2.14.0.1234321`, `State: Enabled`,
 * `Registered: Yes`; `Details:` and the macOS queue counters nest one level deeper). The tool id
 * is shared with the macOS sensor, whose output has the same shape.
 *
 * The `carbonblack` agent runs when the sensor `State` is `Enabled`; `Disabled`, `Bypass` or a
 * state that is not shown is not running. Device hash and server address are not copied.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, compact, toLines, unrecognised } from './text.ts';

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  const values = new Map<string, string>();
  let section = '';
  for (const line of lines) {
    const trimmed = line.trim();
    const colon = trimmed.indexOf(':');
    if (colon <= 0) continue;
    const key = trimmed.slice(0, colon).trim();
    const value = trimmed.slice(colon + 1).trim();
    if (!/^\s/.test(line)) {
      if (value === '') section = key.toLowerCase();
      continue;
    }
    const qualified = `${section}/${key.toLowerCase()}`;
    if (!values.has(qualified)) values.set(qualified, clip(value, 64));
  }
  const state = values.get('sensor status/state') ?? values.get('sensor state/state');
  const version = values.get('general info/sensor version');
  if (state === undefined && version === undefined) return { detail: unrecognised(lines) };
  const registered = values.get('cloud status/registered')?.toLowerCase();
  const running = state?.toLowerCase() === 'enabled';
  return {
    edr: [{ vendor: 'carbonblack', running, detail: state === undefined ? 'sensor state not shown' : `sensor state ${state}` }],
    detail: compact({
      sensorVersion: version,
      state,
      registered: registered === 'yes' ? true : registered === 'no' ? false : undefined,
      quarantined: values.get('general info/quarantine')?.toLowerCase() === 'yes' ? true : undefined,
      policyName: values.get('rules status/policy name'),
    }),
  };
}

export const carbonblackRepcliStatus: ToolParser = {
  id: 'carbonblack-repcli-status',
  platform: 'linux',
  command: '/opt/carbonblack/psc/bin/repcli status',
  parse,
};
