/**
 * Text clean-up shared by the win32 parsers. Windows console output rarely reaches us as clean
 * UTF-8: a UTF-16LE file (PowerShell 5 `>` redirection, `wmic`) read as UTF-8 keeps a NUL after
 * every character and its BOM as U+FFFD U+FFFD; `wmic` ends lines with CR CR LF; a German console
 * in code page 850 read as Windows-1252 turns "ä" into "„". Every function here is linear: no
 * regular expression in this folder may backtrack over a whole line.
 */

/** Longest error line quoted back in `detail.error`. */
export const MAX_QUOTED_CHARS = 200;
/** Most list entries (hotfixes, volumes) copied into `detail`; counts stay exact. */
export const MAX_DETAIL_ENTRIES = 500;

const LEADING_BOMS = ['\uFEFF', '\uFFFD\uFFFD', '\u00FF\u00FE', '\u00EF\u00BB\u00BF'];

/** Splits tool output into lines, undoing UTF-16 NULs, leading BOMs, CRLF, CR CR LF and lone CR. */
export function windowsLines(text: string): string[] {
  let clean = text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
  for (let stripped = true; stripped; ) {
    stripped = false;
    for (const bom of LEADING_BOMS) {
      if (clean.startsWith(bom)) {
        clean = clean.slice(bom.length);
        stripped = true;
      }
    }
  }
  const lines: string[] = [];
  for (const raw of clean.split('\n')) {
    let end = raw.length;
    while (end > 0 && raw.charCodeAt(end - 1) === 13) end -= 1;
    const line = end === raw.length ? raw : raw.slice(0, end);
    if (line.includes('\r')) lines.push(...line.split('\r'));
    else lines.push(line);
  }
  return lines;
}

/** German letters, as written and as the usual mojibake of code pages 850 and UTF-8 read as 1252. */
const FOLDS: Readonly<Record<string, string>> = {
  'ã¤': 'a', 'ã¶': 'o', 'ã¼': 'u', 'ãÿ': 'ss',
  ä: 'a', ö: 'o', ü: 'u', ß: 'ss',
  '„': 'a', '”': 'o', '\u0081': 'u', ž: 'a', '™': 'o', š: 'u',
  '\uFFFD': '?',
};
const FOLDED = /ã[¤¶¼ÿ]|[äöüß„”\u0081ž™š\uFFFD]/g;

/**
 * Lower case with German umlauts folded to one plain letter each (mojibake included), so that
 * patterns match "Vollständig", "Vollst„ndig" and "VollstÃ¤ndig" alike with `vollst.ndig`.
 */
export function fold(text: string): string {
  return text.toLowerCase().replace(FOLDED, (found) => FOLDS[found] ?? found);
}

/** Longest key a field name can be; longer "keys" are prose with a colon, never folded. */
export const MAX_KEY_CHARS = 64;

/** The field a `Key: value` key names, by anchored patterns over its folded text. */
export function fieldOf<F>(key: string, fields: readonly (readonly [RegExp, F])[]): F | undefined {
  if (key.length > MAX_KEY_CHARS) return undefined;
  const folded = fold(key);
  return fields.find(([pattern]) => pattern.test(folded))?.[1];
}

/** `Key: value` or `Key   : value` split at the first colon; undefined when there is none. */
export function splitKeyValue(line: string): [key: string, value: string] | undefined {
  const at = line.indexOf(':');
  if (at <= 0) return undefined;
  return [line.slice(0, at).trim(), line.slice(at + 1).trim()];
}

/** True when the line is indented (a continuation or a nested entry). */
export function isIndented(line: string): boolean {
  return line.startsWith(' ') || line.startsWith('\t');
}

/** Cuts a quoted tool line to a readable length. */
export function quote(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > MAX_QUOTED_CHARS ? `${trimmed.slice(0, MAX_QUOTED_CHARS)}…` : trimmed;
}

const ERROR_PREFIX = /^(?:error|fehler)\s*:/i;
const ERROR_PHRASES = [
  'access is denied', 'access denied', 'zugriff verweigert', 'is not recognized as', 'nicht als interner oder externer',
  'wird nicht als name', 'requires elevation', 'erfordert erh', 'no instance(s) available', 'keine instanzen verf',
];

/**
 * The error a tool printed instead of its report, if any: `ERROR: ...` / `FEHLER: ...` (with
 * `wmic`'s `Description = ...` on the next line), a PowerShell error record (the `Cmdlet : message`
 * line before `+ CategoryInfo`), or a shell's "not recognized" / access-denied line.
 */
export function findError(lines: readonly string[]): string | undefined {
  let firstText: string | undefined;
  for (let i = 0; i < lines.length; i += 1) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    firstText ??= line;
    if (ERROR_PREFIX.test(line)) {
      const rest = line.slice(line.indexOf(':') + 1).trim();
      if (rest !== '') return quote(rest);
      const next = lines.slice(i + 1).find((candidate) => candidate.trim() !== '');
      return quote(next === undefined ? line : next.replace(/^\s*Description\s*=\s*/i, ''));
    }
    if (line.startsWith('+ CategoryInfo') || line.startsWith('+ FullyQualifiedErrorId')) return quote(firstText);
    const lower = line.toLowerCase();
    if (ERROR_PHRASES.some((phrase) => lower.includes(phrase))) return quote(line);
  }
  return undefined;
}

/** Copies an object without its undefined members (detail objects print as clean JSON). */
export function compact<T extends Record<string, unknown>>(object: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) out[key] = value;
  return out as Partial<T>;
}

/** `True`/`False` (PowerShell), `1`/`0` (registry), `Yes`/`No`; undefined for anything else. */
export function parseBool(value: string | undefined): boolean | undefined {
  switch (value?.trim().toLowerCase()) {
    case 'true': case '1': case 'yes': case 'ja': case 'wahr': return true;
    case 'false': case '0': case 'no': case 'nein': case 'falsch': return false;
    default: return undefined;
  }
}

/** A non-negative decimal integer (or `0x` hex) that fits a safe integer; undefined otherwise. */
export function parseCount(value: string | undefined): number | undefined {
  const text = value?.trim() ?? '';
  const number = /^0x[0-9a-f]{1,13}$/i.test(text) ? Number.parseInt(text.slice(2), 16) : /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  return Number.isSafeInteger(number) ? number : undefined;
}
