/**
 * GNOME's screen lock from its GSettings keys (shared by the two gsettings parsers):
 *
 *   org.gnome.desktop.screensaver lock-enabled             lock when the screensaver starts
 *   org.gnome.desktop.screensaver lock-delay (uint32)      seconds between blanking and locking
 *   org.gnome.desktop.screensaver idle-activation-enabled  blank the screen when idle (GNOME 3.x)
 *   org.gnome.desktop.session idle-delay (uint32)          idle seconds before blanking; 0 = never
 *   org.gnome.desktop.lockdown disable-lock-screen         administrator switched locking off
 *
 * Enabled when lock-enabled is true and idle-delay is above 0 (and neither idle activation nor
 * lockdown turns it off); the timeout is idle-delay plus lock-delay. Any of those keys saying
 * no makes it not enabled; a key that is missing leaves it `unknown`.
 */
import type { ToolFacts } from '../types.ts';
import { compact } from './text.ts';

export interface GnomeLockKeys {
  lockEnabled?: boolean | undefined;
  lockDelaySeconds?: number | undefined;
  idleActivationEnabled?: boolean | undefined;
  idleDelaySeconds?: number | undefined;
  lockOnSuspend?: boolean | undefined;
  lockScreenDisabledByLockdown?: boolean | undefined;
}

/** A GVariant text value as gsettings prints it: `true`, `uint32 300`, `300`, `'text'`. */
export function readGVariant(value: string): boolean | number | string {
  const trimmed = value.trim();
  if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
  const number = /^(?:u?int(?:16|32|64)\s+)?(\d{1,15})$/.exec(trimmed);
  if (number !== null) return Number(number[1]);
  return trimmed;
}

export function judgeScreenLock(keys: GnomeLockKeys, extra: Record<string, unknown> = {}): ToolFacts {
  const detail = compact({ ...extra, ...keys });
  let reason: string | undefined;
  if (keys.lockScreenDisabledByLockdown === true) reason = 'locking disabled by lockdown (disable-lock-screen)';
  else if (keys.lockEnabled === false) reason = 'lock-enabled is false: the screen blanks but does not lock';
  else if (keys.idleActivationEnabled === false) reason = 'idle-activation-enabled is false: the screen never blanks on idle';
  else if (keys.idleDelaySeconds === 0) reason = 'idle-delay is 0: never';
  if (reason !== undefined) return { screenLock: { enabled: false }, detail: { ...detail, reason } };
  if (keys.lockEnabled === true && keys.idleDelaySeconds !== undefined) {
    return { screenLock: { enabled: true, timeoutSeconds: keys.idleDelaySeconds + (keys.lockDelaySeconds ?? 0) }, detail };
  }
  const missing = [keys.lockEnabled === undefined ? 'lock-enabled' : '', keys.idleDelaySeconds === undefined ? 'idle-delay' : ''].filter((k) => k !== '');
  return { screenLock: { enabled: 'unknown' }, detail: { ...detail, reason: `not shown: ${missing.join(', ')}` } };
}
