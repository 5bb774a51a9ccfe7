/**
 * `defaults read /Library/Preferences/com.apple.alf globalstate`: the Application Firewall's
 * preference, one integer. 0 is off, 1 on (for specific services), 2 on (essential services
 * only, i.e. block all incoming). Any other output — the "domain/default pair ... does not exist"
 * error, other numbers, text — is `unknown`. On macOS 15 and later this file is no longer
 * authoritative (the firewall moved to a managed setting); prefer `socketfilterfw` there.
 */
import type { OnOffUnknown, ToolFacts, ToolParser } from '../types.ts';
import { contentLines, explainUnknown } from './text.ts';

const MODES: Readonly<Record<number, { firewall: OnOffUnknown; mode: string }>> = {
  0: { firewall: 'off', mode: 'off' },
  1: { firewall: 'on', mode: 'on (specific services)' },
  2: { firewall: 'on', mode: 'on (essential services only, block all incoming)' },
};

export function parseDefaultsReadAlfGlobalstate(text: string): ToolFacts {
  const lines = contentLines(text);
  const detail: Record<string, unknown> = {};
  if (lines.length === 1 && /^[0-9]{1,3}$/.test(lines[0]!)) {
    const globalState = Number(lines[0]);
    detail['globalState'] = globalState;
    const known = MODES[globalState];
    if (known !== undefined) {
      detail['mode'] = known.mode;
      return { firewall: known.firewall, detail };
    }
    return { firewall: 'unknown', detail };
  }
  explainUnknown(lines, detail);
  return { firewall: 'unknown', detail };
}

export const defaultsReadAlfGlobalstateParser: ToolParser = {
  id: 'defaults-read-alf-globalstate',
  platform: 'darwin',
  command: 'defaults read /Library/Preferences/com.apple.alf globalstate',
  parse: parseDefaultsReadAlfGlobalstate,
};
