/**
 * `netsh advfirewall show allprofiles state`, English and German: a block per profile
 * ("Domain Profile Settings:" / "Domänenprofil Einstellungen:") with `State ON|OFF` or
 * `Status EIN|AUS`. The firewall is on only when all three profiles (domain, private, public) are
 * on; any profile off makes it off (a laptop changes network and so profile); a profile missing
 * or in another state ("NotConfigured" in the GPO store) leaves it unknown.
 */
import type { OnOffUnknown, ToolFacts, ToolParser } from '../types.ts';
import { compact, findError, fold, isIndented, quote, windowsLines } from './text.ts';

type Profile = 'domain' | 'private' | 'public';
const PROFILES: readonly Profile[] = ['domain', 'private', 'public'];

function profileOf(header: string): Profile | undefined {
  const folded = fold(header);
  if (folded.startsWith('dom')) return 'domain';
  if (folded.startsWith('priva')) return 'private';
  if (/^(?:public|.ffentlich)/.test(folded)) return 'public';
  return undefined;
}

function stateOf(value: string): OnOffUnknown {
  const lower = value.toLowerCase();
  if (lower === 'on' || lower === 'ein') return 'on';
  if (lower === 'off' || lower === 'aus') return 'off';
  return 'unknown';
}

export function parseNetshAdvfirewall(text: string): ToolFacts {
  const lines = windowsLines(text);
  const states = new Map<Profile, { state: OnOffUnknown; raw: string }>();
  let profile: Profile | undefined;
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('---')) continue;
    if (!isIndented(line) && trimmed.endsWith(':')) {
      profile = profileOf(trimmed);
      continue;
    }
    const state = /^(?:state|status)\s+(\S+)$/i.exec(trimmed);
    if (state !== null && profile !== undefined && !states.has(profile)) {
      const raw = state[1] ?? '';
      states.set(profile, { state: stateOf(raw), raw });
    }
  }
  const profiles = Object.fromEntries(PROFILES.flatMap((name) => {
    const found = states.get(name);
    return found === undefined ? [] : [[name, found.state === 'unknown' ? found.raw : found.state]];
  }));
  const off = PROFILES.filter((name) => states.get(name)?.state === 'off');
  const missing = PROFILES.filter((name) => !states.has(name));
  const firewall: OnOffUnknown = off.length > 0 ? 'off' : PROFILES.every((name) => states.get(name)?.state === 'on') ? 'on' : 'unknown';
  const errorLine = lines.find((line) => /error|fehler/i.test(line));
  return {
    firewall,
    detail: compact({
      reason: firewall === 'on' ? 'all-profiles-on' : off.length > 0 ? 'profile-off' : missing.length > 0 ? 'profile-state-not-shown' : 'profile-state-unrecognised',
      profiles: states.size > 0 ? profiles : undefined,
      offProfiles: off.length > 0 ? off : undefined,
      missingProfiles: missing.length > 0 && missing.length < PROFILES.length ? missing : undefined,
      error: findError(lines) ?? (errorLine === undefined ? undefined : quote(errorLine)),
    }),
  };
}

export const netshAdvfirewall: ToolParser = {
  id: 'netsh-advfirewall',
  platform: 'win32',
  command: 'netsh advfirewall show allprofiles state',
  parse: parseNetshAdvfirewall,
};
