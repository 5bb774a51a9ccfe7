/**
 * Helpers shared by the linux tool-output parsers. Everything here is pure, linear in its input
 * and total: parsers call these on untrusted text pasted from a user's machine.
 */

/** How many entries of a list a parser copies into `detail` (a helpdesk needs a sample, not 10k rows). */
export const MAX_DETAIL_ENTRIES = 64;
/** Longest string a parser copies into `detail`. */
export const MAX_DETAIL_CHARS = 200;

// CSI sequences (colours) that systemctl and friends print when forced to; linear: no nesting.
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/**
 * The lines of a tool's output: BOM and ANSI colour codes removed, CRLF and CR folded, trailing
 * whitespace trimmed (tools pad columns; Windows editors add CR when a helpdesk saves a paste).
 */
export function toLines(text: unknown): string[] {
  if (typeof text !== 'string') return [];
  return text.replace(/^\uFEFF/, '').replace(ANSI, '').split(/\r\n|\r|\n/).map((line) => line.trimEnd());
}

export function clip(value: string, max = MAX_DETAIL_CHARS): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

/** The first non-blank line, trimmed and clipped, or undefined. */
export function firstLine(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed !== '') return clip(trimmed);
  }
  return undefined;
}

const ERROR_PREFIX = /^(?:E:|ERROR\b|Error\b|error:|fatal\b|Failed\b|Cannot\b|Authorization failed)/;
const ERROR_PHRASES = [
  'command not found',
  'Permission denied',
  'Operation not permitted',
  'No such file or directory',
  'not found',
  'must be run as root',
  'need to be root',
  'requires root',
  'has not been booted with systemd',
  'No such schema',
  'No such key',
];

/** The first line that reads like an error message, clipped, or undefined. */
export function errorLine(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const trimmed = line.trim();
    if (ERROR_PREFIX.test(trimmed) || ERROR_PHRASES.some((phrase) => trimmed.includes(phrase))) return clip(trimmed);
  }
  return undefined;
}

/** The `detail` of output a parser does not recognise: the error it shows, or a note. */
export function unrecognised(lines: readonly string[]): Record<string, unknown> {
  const error = errorLine(lines);
  if (error !== undefined) return { error };
  const first = firstLine(lines);
  return first === undefined ? { note: 'empty output' } : { note: 'output not recognised', firstLine: first };
}

/** Drops the keys whose value is undefined, so `detail` shows only what the tool said. */
export function compact(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) out[key] = value;
  return out;
}

/** A non-negative decimal integer (at most 15 digits, so it is exact), or undefined. */
export function toCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  return /^\d{1,15}$/.test(trimmed) ? Number(trimmed) : undefined;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * A local date and time as ISO 8601 without an offset (`2024-03-01T10:12:41`), or undefined if
 * a field is out of range. The tools that print these (apt, dnf) write the machine's local time
 * with no zone, so the parser keeps it as local time rather than guessing an offset.
 */
export function localIso(year: number, month: number, day: number, hour: number, minute: number, second: number): string | undefined {
  if (year < 1970 || year > 9999 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return undefined;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > days) return undefined;
  return `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}`;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:\s+|T)(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** `2024-03-01  10:12:41`, `2024-03-01 10:12` or `2024-03-01T10:12:41` as local ISO 8601. */
export function parseLocalDateTime(text: string): string | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  return localIso(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s ?? '0'));
}

/** Parses JSON without throwing; the text may be preceded by warning lines before the first `{`. */
export function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  try {
    return JSON.parse(text.slice(start)) as unknown;
  } catch {
    return undefined;
  }
}

/** A JSON object (not null, not an array), or undefined. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** An own property of a JSON object (never one inherited from Object.prototype). */
export function own(value: unknown, key: string): unknown {
  const object = asObject(value);
  return object !== undefined && Object.hasOwn(object, key) ? object[key] : undefined;
}

export function ownString(value: unknown, key: string): string | undefined {
  const field = own(value, key);
  return typeof field === 'string' ? field : undefined;
}

/**
 * Splits `Key: value` or `Key      value` (two or more spaces, as sentinelctl and bduitool pad
 * their columns). Returns undefined for a line with neither.
 */
export function splitKeyValue(line: string): [string, string] | undefined {
  const trimmed = line.trim();
  const colon = trimmed.indexOf(':');
  const gap = /\s{2,}|\t/.exec(trimmed);
  if (colon > 0 && (gap === null || colon < gap.index)) return [trimmed.slice(0, colon).trim(), trimmed.slice(colon + 1).trim()];
  if (gap !== null && gap.index > 0) return [trimmed.slice(0, gap.index).trim(), trimmed.slice(gap.index).trim()];
  return undefined;
}

/** Words: a line split on runs of whitespace, without empty strings. */
export function words(line: string): string[] {
  const trimmed = line.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/);
}
