/**
 * `sysadminctl -screenLock status` (macOS 10.13+). It writes one log line to stderr, with or
 * without the `2024-05-02 09:14:07.532 sysadminctl[812:4210] ` prefix:
 *
 * ```
 * screenLock delay is 300 seconds
 * screenLock delay is immediate
 * screenLock is off
 * ```
 *
 * ("screenLock delay is -1 seconds" and "-1.000000 seconds" are also off.) The delay is the
 * grace period between the screen saver or display sleep starting and the password being asked
 * for, not the inactivity time before the screen locks: that also needs the screen saver's
 * `idleTime`. So this parser settles `enabled` and leaves `timeoutSeconds` unset; the delay is
 * `detail.passwordDelaySeconds`. Errors ("Operation is not permitted", "### Error:...") and
 * anything else give `enabled: 'unknown'`.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { contentLines, explainUnknown } from './text.ts';

const DELAY = /screen\s?lock delay is (immediate|off|(-?[0-9]{1,9}(?:\.[0-9]{1,9})?)\s*(seconds?|secs?|minutes?|mins?|hours?)?)/i;
const OFF = /screen\s?lock is (off|disabled)\b/i;
const ON = /screen\s?lock is (on|enabled)\b/i;
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };

export function parseSysadminctlScreenlock(text: string): ToolFacts {
  const detail: Record<string, unknown> = {};
  const lines = contentLines(text);
  const verdicts = new Set<boolean>();
  for (const line of lines) {
    const delay = DELAY.exec(line);
    if (delay !== null) {
      const word = delay[1]!.toLowerCase();
      if (word === 'immediate') {
        verdicts.add(true);
        detail['passwordDelaySeconds'] = 0;
      } else if (word === 'off') verdicts.add(false);
      else {
        const seconds = Number(delay[2]) * (UNIT_SECONDS[(delay[3] ?? 's')[0]!.toLowerCase()] ?? 1);
        if (seconds < 0) verdicts.add(false);
        else {
          verdicts.add(true);
          detail['passwordDelaySeconds'] = seconds;
        }
      }
      continue;
    }
    if (OFF.test(line)) verdicts.add(false);
    else if (ON.test(line)) verdicts.add(true);
  }
  if (verdicts.size === 1) return { screenLock: { enabled: [...verdicts][0]! }, detail };
  if (verdicts.size > 1) detail['conflict'] = 'the output says both on and off';
  else explainUnknown(lines, detail);
  delete detail['passwordDelaySeconds'];
  return { screenLock: { enabled: 'unknown' }, detail };
}

export const sysadminctlScreenlockParser: ToolParser = {
  id: 'sysadminctl-screenlock',
  platform: 'darwin',
  command: 'sysadminctl -screenLock status',
  parse: parseSysadminctlScreenlock,
};
