/**
 * Durations as people write them in config files and CLI flags: `90s`, `10m`, `1h30m`, `7d`,
 * `250ms`. Pure, no Node-only imports (this is `shared/`).
 *
 * Grammar: one or more `<digits><unit>` parts, units in descending order and each at most once:
 * `d` (24 h, no calendar or DST arithmetic), `h`, `m`, `s`, `ms`. No sign, no fraction, no
 * spaces: a config value like `1.5h` or `1h 30m` is more likely a mistake than an intent, and a
 * strict grammar keeps `10m` (minutes) from ever being read as `10ms`.
 */

import { ZerogateError } from './errors.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Units from largest to smallest, in the order the grammar requires them. */
const UNITS = [
  ['d', DAY],
  ['h', HOUR],
  ['m', MINUTE],
  ['s', SECOND],
  ['ms', 1],
] as const;

/**
 * The duration grammar as a JSON Schema `pattern` (ECMAScript syntax, valid with ajv's `u` flag),
 * so a config schema can document and pre-check what {@link parseDuration} accepts.
 */
export const DURATION_PATTERN = '^(?=\\d)(?:\\d+d)?(?:\\d+h)?(?:\\d+m)?(?:\\d+s)?(?:\\d+ms)?$';

const DURATION_RE = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Longest input considered; anything longer cannot be a sane duration and is not scanned. */
const MAX_DURATION_LENGTH = 64;

/** Longest value shown back in an error message. */
const MAX_SHOWN = 60;

/**
 * Parses a duration, returning milliseconds, or `undefined` when `text` is not a duration or
 * its value is not a safe integer number of milliseconds.
 *
 * @throws TypeError when `text` is not a string (a programming error).
 */
export function tryParseDuration(text: string): number | undefined {
  if (typeof text !== 'string') throw new TypeError('tryParseDuration: text must be a string');
  if (text.length > MAX_DURATION_LENGTH) return undefined;
  const match = DURATION_RE.exec(text);
  if (match === null) return undefined;
  let total = 0;
  for (const [index, [, factor]] of UNITS.entries()) {
    const digits = match[index + 1];
    if (digits === undefined) continue;
    total += Number(digits) * factor;
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/**
 * Parses a duration such as `90s`, `10m`, `1h30m`, `7d` or `250ms` into milliseconds.
 *
 * @throws ZerogateError `ZG_ERR_CONFIG_INVALID` when `text` is not a duration.
 * @throws TypeError when `text` is not a string (a programming error).
 */
export function parseDuration(text: string): number {
  if (typeof text !== 'string') throw new TypeError('parseDuration: text must be a string');
  const ms = tryParseDuration(text);
  if (ms === undefined) {
    const shown = JSON.stringify(text);
    const found = shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN - 3)}...` : shown;
    throw new ZerogateError(
      'ZG_ERR_CONFIG_INVALID',
      `expected a duration such as 90s, 10m, 1h30m or 7d, found ${found}`,
      { detail: { expected: 'a duration such as 90s, 10m, 1h30m or 7d', found } },
    );
  }
  return ms;
}

/**
 * Formats milliseconds in the canonical form {@link parseDuration} reads back to the same
 * value: largest units first, zero parts left out (`5400000` → `1h30m`, `0` → `0s`).
 *
 * @throws TypeError when `ms` is not a non-negative safe integer (a programming error).
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new TypeError('formatDuration: ms must be a non-negative safe integer');
  }
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, factor] of UNITS) {
    const count = Math.floor(rest / factor);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * factor;
    }
  }
  return out;
}
