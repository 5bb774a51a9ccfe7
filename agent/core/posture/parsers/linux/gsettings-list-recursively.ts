/**
 * `gsettings list-recursively` (gsettings(1)): every key of every schema, one per line,
 * `<schema> <key> <GVariant value>` (`org.gnome.desktop.session idle-delay uint32 300`). Run in
 * the user's session: as root, or without a D-Bus session, it shows defaults or fails. The keys
 * that matter and how they combine are in gnome-screen-lock.ts.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { judgeScreenLock, readGVariant, type GnomeLockKeys } from './gnome-screen-lock.ts';
import { toLines, unrecognised } from './text.ts';

const FIELDS: Record<string, keyof GnomeLockKeys> = {
  'org.gnome.desktop.screensaver lock-enabled': 'lockEnabled',
  'org.gnome.desktop.screensaver lock-delay': 'lockDelaySeconds',
  'org.gnome.desktop.screensaver idle-activation-enabled': 'idleActivationEnabled',
  'org.gnome.desktop.screensaver ubuntu-lock-on-suspend': 'lockOnSuspend',
  'org.gnome.desktop.session idle-delay': 'idleDelaySeconds',
  'org.gnome.desktop.lockdown disable-lock-screen': 'lockScreenDisabledByLockdown',
};

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  const keys: Record<string, boolean | number> = {};
  let schemaLines = 0;
  for (const line of lines) {
    const first = line.indexOf(' ');
    const second = first < 0 ? -1 : line.indexOf(' ', first + 1);
    if (second < 0 || !/^[a-z][\w.-]*\.[\w-]+$/i.test(line.slice(0, first))) continue;
    schemaLines++;
    const field = Object.hasOwn(FIELDS, line.slice(0, second)) ? FIELDS[line.slice(0, second)] : undefined;
    if (field === undefined || Object.hasOwn(keys, field)) continue;
    const value = readGVariant(line.slice(second + 1));
    const numeric = field === 'lockDelaySeconds' || field === 'idleDelaySeconds';
    if (numeric ? typeof value === 'number' : typeof value === 'boolean') keys[field] = value as boolean | number;
  }
  if (schemaLines === 0) return { screenLock: { enabled: 'unknown' }, detail: unrecognised(lines) };
  return judgeScreenLock(keys as GnomeLockKeys);
}

export const gsettingsListRecursively: ToolParser = {
  id: 'gsettings-list-recursively',
  platform: 'linux',
  command: 'gsettings list-recursively',
  parse,
};
