/**
 * `fdesetup status` (FileVault 2, macOS 10.8+; fdesetup(8)). Its output is English only:
 *
 * ```
 * FileVault is On.
 * FileVault is Off.
 * FileVault is On.\nEncryption in progress: Percent completed = 42.5
 * FileVault is On.\nDecryption in progress: Percent completed = 12
 * FileVault is Off, but will be enabled after the next restart.
 * FileVault is Off.\nDeferred enablement appears to be active for user 'alice'.
 * ```
 *
 * Only a plain "On" with no conversion under way is `on` (DESIGN.md §5: encryption in progress,
 * paused, pending a restart or deferred to a logout counts as not encrypted); "On" and "Off"
 * together, or neither, is `unknown`.
 */
import type { OnOffUnknown, ToolFacts, ToolParser } from '../types.ts';
import { clip, contentLines, explainUnknown } from './text.ts';

const HEADLINE = /^FileVault is (On|Off)\b(.*)$/i;
const PROGRESS = /^(Encryption|Decryption) (in progress|paused)\b(?:.*?Percent completed\s*=\s*([0-9]+(?:\.[0-9]+)?))?/i;
const DEFERRED = /^Deferred enablement appears to be active(?: for user '([^']*)')?/i;

export function parseFdesetupStatus(text: string): ToolFacts {
  const detail: Record<string, unknown> = {};
  const states = new Set<'on' | 'off'>();
  let converting = false;
  let deferred = false;

  const lines = contentLines(text);
  for (const line of lines) {
    const headline = HEADLINE.exec(line);
    if (headline !== null) {
      const state = headline[1]!.toLowerCase() === 'on' ? 'on' : 'off';
      states.add(state);
      if (/will be enabled after the next restart/i.test(headline[2]!)) {
        detail['pendingRestart'] = true;
        deferred = true;
      }
      continue;
    }
    const progress = PROGRESS.exec(line);
    if (progress !== null) {
      converting = true;
      detail['conversion'] = progress[1]!.toLowerCase();
      if (/paused/i.test(progress[2]!)) detail['paused'] = true;
      if (progress[3] !== undefined) detail['percentCompleted'] = Number(progress[3]);
      continue;
    }
    const deferral = DEFERRED.exec(line);
    if (deferral !== null) {
      deferred = true;
      detail['deferredEnablement'] = true;
      if (deferral[1] !== undefined) detail['deferredUser'] = clip(deferral[1]);
      continue;
    }
    if (/master keychain appears to be installed/i.test(line)) detail['masterKeychain'] = true;
  }

  let diskEncryption: OnOffUnknown = 'unknown';
  if (states.size === 2) detail['conflict'] = 'both "FileVault is On" and "FileVault is Off"';
  else if (converting || deferred) diskEncryption = 'off';
  else if (states.has('on')) diskEncryption = 'on';
  else if (states.has('off')) diskEncryption = 'off';
  if (states.size === 1) detail['fileVault'] = [...states][0];
  if (diskEncryption === 'unknown' && states.size < 2) explainUnknown(lines, detail);
  return { diskEncryption, detail };
}

export const fdesetupStatusParser: ToolParser = {
  id: 'fdesetup-status',
  platform: 'darwin',
  command: 'fdesetup status',
  parse: parseFdesetupStatus,
};
