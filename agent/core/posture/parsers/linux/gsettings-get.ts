/**
 * `gsettings get org.gnome.desktop.screensaver lock-enabled; gsettings get
 * org.gnome.desktop.session idle-delay`: two values, one per line (`true`, `uint32 300`), in
 * that order. Lines of the `<schema> <key> <value>` form (a paste of `list-recursively` or
 * of a script that echoes the key) are read by key. Errors (`No such schema
 * “org.gnome.desktop.screensaver”`, `No such key`) and dconf warnings are skipped; what is
 * missing is `unknown`. The keys are combined as in gnome-screen-lock.ts.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { judgeScreenLock, readGVariant, type GnomeLockKeys } from './gnome-screen-lock.ts';
import { compact, errorLine, toLines, unrecognised } from './text.ts';

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  const keys: GnomeLockKeys = {};
  let values = 0;
  for (const line of lines) {
    const trimmed = line.trim();
    const keyed = /^org\.gnome\.desktop\.(screensaver lock-enabled|session idle-delay)\s+(.*)$/.exec(trimmed);
    const value = readGVariant(keyed === null ? trimmed : keyed[2]!);
    if (typeof value === 'boolean' && (keyed === null || keyed[1] === 'screensaver lock-enabled') && keys.lockEnabled === undefined) {
      keys.lockEnabled = value;
      values++;
    } else if (typeof value === 'number' && (keyed === null || keyed[1] === 'session idle-delay') && keys.idleDelaySeconds === undefined) {
      keys.idleDelaySeconds = value;
      values++;
    }
  }
  if (values === 0) return { screenLock: { enabled: 'unknown' }, detail: unrecognised(lines) };
  const error = errorLine(lines.filter((l) => /No such (?:schema|key)|error/i.test(l)));
  return judgeScreenLock(keys, compact({ error }));
}

export const gsettingsGet: ToolParser = {
  id: 'gsettings-get',
  platform: 'linux',
  command: 'gsettings get org.gnome.desktop.screensaver lock-enabled; gsettings get org.gnome.desktop.session idle-delay',
  parse,
};
