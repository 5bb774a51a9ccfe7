/**
 * Microsoft Defender for Endpoint on macOS, `mdatp health --field real_time_protection_enabled`
 * or `--field healthy`: one value, `true` / `false`, with ` [managed]` appended when an MDM
 * profile sets it. Also reads the whole `mdatp health` listing (`healthy : true`,
 * `real_time_protection_enabled : true [managed]`, `licensed : true`, `app_version :
 * "101.98.30"` ...), where running means healthy, licensed and real-time protection on (each one
 * that the listing shows). "No license found" and an unreachable daemon are not running; any other
 * output (a version, a status word, an error) names no running state and gives no `edr` entry.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, contentLines, explainUnknown, keyValue, parseBoolWord } from './text.ts';

const MANAGED_SUFFIX = '[managed]';
const DAEMON_DOWN = /not running|could not connect|unable to connect|connectivity|not reachable/i;
const FIELDS = ['healthy', 'licensed', 'real_time_protection_enabled', 'passive_mode_enabled'] as const;

/** `value` without a trailing ` [managed]`, and whether it had one. */
function unmanaged(value: string): { value: string; managed: boolean } {
  const managed = value.toLowerCase().endsWith(MANAGED_SUFFIX);
  return { value: managed ? value.slice(0, -MANAGED_SUFFIX.length).trimEnd() : value, managed };
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

export function parseMdatpHealthField(text: string): ToolFacts {
  const detail: Record<string, unknown> = {};
  const lines = contentLines(text);
  const defender = (running: boolean, why: string): ToolFacts => ({ edr: [{ vendor: 'defender', running, detail: why }], detail });

  for (const line of lines) {
    if (/no license found/i.test(line)) {
      detail['error'] = clip(line);
      detail['licensed'] = false;
      return defender(false, 'no license');
    }
    if (/daemon/i.test(line) && DAEMON_DOWN.test(line)) {
      detail['error'] = clip(line);
      return defender(false, 'daemon not reachable');
    }
  }

  if (lines.length === 1 && keyValue(lines[0]!) === undefined) {
    const { value: bare, managed } = unmanaged(lines[0]!);
    const value = unquote(bare);
    const flag = parseBoolWord(value);
    if (managed) detail['managed'] = true;
    if (flag === undefined || !/^(?:true|false)$/i.test(value)) {
      detail['value'] = clip(value);
      return { detail };
    }
    detail['value'] = flag;
    return defender(flag, flag ? 'field is true' : 'field is false');
  }

  const values = new Map<string, string>();
  for (const line of lines) {
    const pair = keyValue(line);
    if (pair !== undefined && !values.has(pair.key)) values.set(pair.key, unquote(unmanaged(pair.value).value));
  }
  for (const field of FIELDS) {
    const flag = parseBoolWord(values.get(field) ?? '');
    if (flag !== undefined) detail[field] = flag;
  }
  for (const [field, key] of [['app_version', 'appVersion'], ['definitions_status', 'definitionsStatus']] as const) {
    const value = values.get(field);
    if (value !== undefined) detail[key] = clip(value);
  }
  const shown = (['healthy', 'licensed', 'real_time_protection_enabled'] as const).filter((field) => detail[field] !== undefined);
  if (shown.length === 0) {
    explainUnknown(lines, detail);
    return { detail };
  }
  const off = shown.filter((field) => detail[field] === false);
  return defender(off.length === 0, off.length === 0 ? `${shown.join(', ')}: true` : `${off.join(', ')}: false`);
}

export const mdatpHealthFieldParser: ToolParser = {
  id: 'mdatp-health-field',
  platform: 'darwin',
  command: 'mdatp health --field real_time_protection_enabled',
  parse: parseMdatpHealthField,
};
