/** Argument checks shared by the PKI functions. Misuse is a `TypeError` (STYLE.md §3). */

/** Returns `value` when it is an integer in [min, max]; throws a TypeError naming `name`. */
export function checkInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Returns the time of `now` in ms (default: the current time); throws on an invalid Date. */
export function checkNow(now: unknown): number {
  if (now === undefined) return Date.now();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new TypeError('now must be a valid Date');
  }
  return now.getTime();
}

/** Returns a non-empty string of at most `max` characters without control characters. */
export function checkName(value: unknown, name: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new TypeError(`${name} must be a non-empty string of at most ${max} printable characters`);
  }
  return value;
}

/**
 * X.509 validity has whole seconds: truncating here makes the dates we return equal to the
 * ones a parser reads back from the certificate.
 */
export function floorToSecond(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}
