/**
 * `reg query "HKCU\Control Panel\Desktop"` (optionally with the policy key
 * `HKCU\Software\Policies\Microsoft\Windows\Control Panel\Desktop`, whose values win, as Group
 * Policy's do). Lines are `    Name    REG_TYPE    data`; value names and types are never
 * localised, errors are ("ERROR:"/"FEHLER:"). The screen locks when ScreenSaveActive = 1 and
 * ScreenSaverIsSecure = 1, after ScreenSaveTimeOut seconds, provided a screen saver is chosen:
 * with "(None)" Windows removes SCRNSAVE.EXE, so a full listing of the key without it is off.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { compact, findError, fold, isIndented, parseCount, windowsLines } from './text.ts';

const ACTIVE = 'screensaveactive';
const SECURE = 'screensaverissecure';
const TIMEOUT = 'screensavetimeout';
const EXE = 'scrnsave.exe';
const SCREENSAVER_VALUES = new Set([ACTIVE, SECURE, TIMEOUT, EXE]);
const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  [ACTIVE]: 'ScreenSaveActive',
  [SECURE]: 'ScreenSaverIsSecure',
  [TIMEOUT]: 'ScreenSaveTimeOut',
  [EXE]: 'SCRNSAVE.EXE',
};

// The name is whatever precedes the first " REG_xxx" (names may hold spaces).
const REG_TYPE = /\sREG_[A-Z0-9_]+/;

interface Values {
  user: Map<string, string>;
  policy: Map<string, string>;
  /** The Control Panel\Desktop key was listed with values other than the screen saver's. */
  fullListing: boolean;
}

function readValues(lines: readonly string[]): Values {
  const values: Values = { user: new Map(), policy: new Map(), fullListing: false };
  let target = values.user;
  let desktopKey = false;
  for (const line of lines) {
    if (!isIndented(line)) {
      const folded = fold(line.trim());
      if (folded.startsWith('hkey_') || folded.startsWith('hkcu\\')) {
        desktopKey = folded.endsWith('\\control panel\\desktop');
        target = folded.includes('\\policies\\') ? values.policy : values.user;
      }
      continue;
    }
    const type = REG_TYPE.exec(line);
    if (type === null) continue;
    const after = line.slice(type.index + type[0].length);
    if (after !== '' && !isIndented(after)) continue; // "REG_SZX": not a type
    const name = line.slice(0, type.index).trim().toLowerCase();
    if (name === '') continue;
    if (desktopKey && !SCREENSAVER_VALUES.has(name) && target === values.user) values.fullListing = true;
    if (SCREENSAVER_VALUES.has(name)) target.set(name, after.trim());
  }
  return values;
}

function flag(value: string | undefined): boolean | undefined {
  const number = parseCount(value);
  return number === undefined ? undefined : number !== 0;
}

export function parseRegQueryScreensaver(text: string): ToolFacts {
  const lines = windowsLines(text);
  const { user, policy, fullListing } = readValues(lines);
  const get = (name: string): string | undefined => policy.get(name) ?? user.get(name);
  const active = flag(get(ACTIVE));
  const secure = flag(get(SECURE));
  const timeoutSeconds = parseCount(get(TIMEOUT));
  const screenSaver = get(EXE);
  let enabled: boolean | 'unknown';
  let reason: string;
  if (active === false) [enabled, reason] = [false, 'screen-saver-inactive'];
  else if (secure === false) [enabled, reason] = [false, 'screen-saver-not-secure'];
  else if (screenSaver === '' || (screenSaver === undefined && fullListing)) [enabled, reason] = [false, 'no-screen-saver-chosen'];
  else if (active === true && secure === true) [enabled, reason] = [true, 'secure-screen-saver'];
  else if (fullListing) [enabled, reason] = [false, active === undefined ? 'screen-saver-inactive' : 'screen-saver-not-secure'];
  else [enabled, reason] = ['unknown', user.size + policy.size === 0 ? 'no-values-shown' : 'values-not-shown'];
  const policyValues = [...policy.keys()].map((name) => DISPLAY_NAMES[name] ?? name);
  return {
    screenLock: timeoutSeconds === undefined ? { enabled } : { enabled, timeoutSeconds },
    detail: compact({
      reason,
      screenSaveActive: get(ACTIVE),
      screenSaverIsSecure: get(SECURE),
      screenSaveTimeOut: get(TIMEOUT),
      screenSaver,
      setByPolicy: policyValues.length > 0 ? policyValues : undefined,
      error: enabled === 'unknown' ? findError(lines) : undefined,
    }),
  };
}

export const regQueryScreensaver: ToolParser = {
  id: 'reg-query-screensaver',
  platform: 'win32',
  command: 'reg query "HKCU\\Control Panel\\Desktop"',
  parse: parseRegQueryScreensaver,
};
