/**
 * Numeric dotted version comparison for `require.posture.osMinVersion`: `14.10` is newer than
 * `14.6`, `10.0.22631` newer than `10.0.19045`, and a Linux kernel release such as
 * `6.1.0-18-amd64` compares as `6.1.0`. Pure.
 */

/** Most numeric parts read from a version; later parts never decide a policy. */
const MAX_PARTS = 8;

/** Longest version text considered (reports are untrusted input). */
const MAX_VERSION_LENGTH = 128;

/**
 * A version's leading run of dot-separated numbers, each at most 9 digits (a longer number is
 * not a version we can compare: unknown, rather than silently cut short).
 */
const LEADING = /^v?(\d{1,9}(?:\.\d{1,9})*)(?!\d|\.\d)/;

/**
 * The numeric parts of a version: its leading dotted numbers, anything after them ignored
 * (`6.1.0-18-amd64` → `[6, 1, 0]`, `14.6.1 (23G93)` → `[14, 6, 1]`). `undefined` when the text
 * does not start with a number (unknown: policies fail closed on it).
 */
export function parseVersion(text: string | undefined): number[] | undefined {
  if (typeof text !== 'string' || text.length > MAX_VERSION_LENGTH) return undefined;
  const match = LEADING.exec(text.trim());
  if (match === null || match[1] === undefined) return undefined;
  return match[1].split('.', MAX_PARTS).map(Number);
}

/**
 * Compares two parsed versions part by part, missing parts counting as 0 (`14.6` equals
 * `14.6.0`). Negative when `a` is older, 0 when equal, positive when newer.
 */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * Whether `actual` is at least `minimum`. `undefined` when either is not a version (the caller
 * decides: the os-min-version criterion fails closed).
 */
export function isAtLeast(actual: string | undefined, minimum: string): boolean | undefined {
  const have = parseVersion(actual);
  const need = parseVersion(minimum);
  if (have === undefined || need === undefined) return undefined;
  return compareVersions(have, need) >= 0;
}
