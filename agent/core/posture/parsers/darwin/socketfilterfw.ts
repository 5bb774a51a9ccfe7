/**
 * `/usr/libexec/ApplicationFirewall/socketfilterfw --getglobalstate` (the Application Firewall's
 * CLI; English only), alone or with `--getblockall --getallowsigned --getstealthmode
 * --getloggingmode --getloggingopt`:
 *
 * ```
 * Firewall is enabled. (State = 1)
 * Firewall has block all state set to disabled.
 * Automatically allow built-in signed software ENABLED.
 * Stealth mode enabled
 * Log mode is on
 * ```
 *
 * `State = 0` is off, 1 (on) and 2 (on, blocking all incoming) are on; without a number the word
 * decides. A number and a word that disagree, or no global-state line at all (`--listapps`
 * prints only per-application rules), give `unknown`.
 */
import type { OnOffUnknown, ToolFacts, ToolParser } from '../types.ts';
import { clip, contentLines, explainUnknown, parseBoolWord } from './text.ts';

const GLOBAL = /^Firewall is (enabled|disabled|blocking all)\b[^(]*(?:\(State\s*=\s*(-?[0-9]+)\))?/i;
const BLOCK_ALL = /^Firewall has block all state set to (enabled|disabled)/i;
const ALLOW_SIGNED = /^Automatically allow (built-in |downloaded )?signed software (enabled|disabled)/i;
const STEALTH = /^(?:Firewall )?stealth mode (?:is )?(enabled|disabled|on|off)\b/i;
const LOG_MODE = /^Log mode is (on|off)\b/i;
const LOG_OPTION = /^Log Option is (\S+)/i;
const APP_COUNT = /^Total number of apps = ([0-9]{1,9})\b/i;

function stateOf(word: string, number: number | undefined): OnOffUnknown {
  const byWord: OnOffUnknown = /^disabled$/i.test(word) ? 'off' : 'on';
  if (number === undefined) return byWord;
  const byNumber: OnOffUnknown = number === 0 ? 'off' : number === 1 || number === 2 ? 'on' : 'unknown';
  return byNumber === byWord ? byWord : 'unknown';
}

export function parseSocketfilterfw(text: string): ToolFacts {
  const detail: Record<string, unknown> = {};
  const lines = contentLines(text);
  const states = new Set<OnOffUnknown>();
  for (const line of lines) {
    let match = GLOBAL.exec(line);
    if (match !== null) {
      const number = match[2] === undefined ? undefined : Number(match[2]);
      if (number !== undefined) detail['globalState'] = number;
      if (/blocking all/i.test(match[1]!)) detail['blockAll'] = true;
      const state = stateOf(match[1]!, number);
      if (state === 'unknown') detail['conflict'] = clip(line);
      states.add(state);
      continue;
    }
    if ((match = BLOCK_ALL.exec(line)) !== null) detail['blockAll'] = parseBoolWord(match[1]!);
    else if ((match = ALLOW_SIGNED.exec(line)) !== null) {
      const which = (match[1] ?? '').trim().toLowerCase();
      const key = which === 'built-in' ? 'allowBuiltInSigned' : which === 'downloaded' ? 'allowDownloadedSigned' : 'allowSigned';
      detail[key] = parseBoolWord(match[2]!);
    } else if ((match = STEALTH.exec(line)) !== null) detail['stealthMode'] = parseBoolWord(match[1]!);
    else if ((match = LOG_MODE.exec(line)) !== null) detail['logging'] = match[1]!.toLowerCase();
    else if ((match = LOG_OPTION.exec(line)) !== null) detail['loggingOption'] = clip(match[1]!);
    else if ((match = APP_COUNT.exec(line)) !== null) detail['appCount'] = Number(match[1]);
  }

  let firewall: OnOffUnknown = 'unknown';
  if (states.size === 1) firewall = [...states][0]!;
  else if (states.size > 1) detail['conflict'] ??= 'more than one global state';
  if (firewall === 'unknown' && states.size === 0) {
    if (detail['appCount'] !== undefined) detail['reason'] = 'application list only; no global state';
    else explainUnknown(lines, detail);
  }
  return { firewall, detail };
}

export const socketfilterfwParser: ToolParser = {
  id: 'socketfilterfw',
  platform: 'darwin',
  command: '/usr/libexec/ApplicationFirewall/socketfilterfw --getglobalstate --getblockall --getstealthmode',
  parse: parseSocketfilterfw,
};
