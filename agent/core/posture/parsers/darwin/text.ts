/**
 * Small text helpers shared by the darwin parsers. All are linear in their input and never
 * throw: parsers are total (see `ToolParser`), so nothing here may either.
 */

/** Longest string a parser copies into `detail` (helpdesk output, not a log sink). */
export const MAX_DETAIL_STRING = 200;
/** Most list entries (updates, volumes, ...) a parser copies into `detail`. */
export const MAX_DETAIL_ITEMS = 50;

/** Lines of `text`, whatever the line ending (`\n`, `\r\n`, a lone `\r`). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

/** Trimmed lines that are not blank. */
export function contentLines(text: string): string[] {
  const out: string[] = [];
  for (const line of splitLines(text)) {
    const trimmed = line.trim();
    if (trimmed !== '') out.push(trimmed);
  }
  return out;
}

/** `value` cut to `MAX_DETAIL_STRING` characters, with an ellipsis when cut. */
export function clip(value: string): string {
  return value.length > MAX_DETAIL_STRING ? `${value.slice(0, MAX_DETAIL_STRING - 1)}…` : value;
}

/**
 * Words that mark a tool's own error report (permission, missing binary, daemon down). Matched on
 * one trimmed line at a time; no nested quantifiers, so linear.
 */
const ERROR_LINE = new RegExp(
  `\\b(?:${[
    'error', 'errors', 'failed', 'failure', 'not permitted', 'permission denied', 'must be (?:run as )?root', 'requires root',
    'command not found', 'not found', 'does not exist', 'no such file', 'unable to', 'could not', 'cannot', "can't", 'can’t',
  ].join('|')})\\b`,
  'i',
);

/** The first line that reads like the tool's error message, clipped for `detail`. */
export function errorLine(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed !== '' && ERROR_LINE.test(trimmed)) return clip(trimmed);
  }
  return undefined;
}

/** `yes`/`true`/`on`/`enabled`/`1` → true, their opposites → false, anything else undefined. */
export function parseBoolWord(value: string): boolean | undefined {
  const word = value.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  if (word === 'yes' || word === 'true' || word === 'on' || word === 'enabled' || word === '1') return true;
  if (word === 'no' || word === 'false' || word === 'off' || word === 'disabled' || word === '0') return false;
  return undefined;
}

/**
 * `key: value` of one line (first colon), keys trimmed and lower-cased; undefined when there is
 * no colon or the key is empty.
 */
export function keyValue(line: string, separator = ':'): { key: string; value: string } | undefined {
  const at = line.indexOf(separator);
  if (at <= 0) return undefined;
  const key = line.slice(0, at).trim().toLowerCase();
  if (key === '') return undefined;
  return { key, value: line.slice(at + separator.length).trim() };
}

/**
 * Records why a parser could not conclude: the tool's error line when there is one (`error`),
 * else the first line it did not recognise (`unrecognized`). Empty output adds nothing.
 */
export function explainUnknown(lines: readonly string[], detail: Record<string, unknown>): void {
  const error = errorLine(lines);
  if (error !== undefined) {
    detail['error'] = error;
    return;
  }
  const first = lines.find((line) => line.trim() !== '');
  if (first !== undefined) detail['unrecognized'] = clip(first.trim());
}
