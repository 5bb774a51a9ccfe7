/**
 * Install dates of Windows hotfixes as `Get-HotFix` and `wmic qfe` print them: in the short-date
 * format of the user's locale, with no time zone. How the order of day and month is detected:
 *
 * - year first (`2024-11-14`, `2024/11/14`: ISO, sv-SE, ja-JP, zh-CN) is year-month-day;
 * - dots (`14.11.2024`: de-DE, de-CH, ru-RU, pl-PL ...) are day-month-year;
 * - slashes or dashes with the year last are month-day-year (en-US) when some date has a second
 *   number above 12, day-month-year (en-GB, fr-FR, nl-NL, es-ES ...) when some date has a first
 *   number above 12; the whole output is one locale, so one such date settles every other one;
 * - when no date settles it (all numbers up to 12) the order is `ambiguous` and the newest date is
 *   taken under both readings, keeping the *older* of the two: a posture must never look fresher
 *   than it is. When dates contradict each other the order is `inconsistent` and no date is used.
 *
 * Two-digit years are 20xx. `wmic` on old systems prints InstalledOn as 16 hex digits, a FILETIME
 * (100 ns since 1601-01-01 UTC); those are exact. A date without a zone is taken as 00:00 UTC.
 */
import { compact, MAX_DETAIL_ENTRIES } from './text.ts';

export type DateOrder = 'ymd' | 'mdy' | 'dmy' | 'filetime' | 'ambiguous' | 'inconsistent' | 'none';

export interface DateToken {
  first: number;
  second: number;
  third: number;
  yearFirst: boolean;
  dots: boolean;
}

// Bounded quantifiers only: each start position costs a constant, so a search is linear.
// Not part of a longer run of digits and separators (a SID "S-1-5-18", a version "10.0.19041.1").
const DATE_TOKEN = /(?<![\w./-])(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})(?![\w/-]|\.\d)/;
const FILETIME = /^[0-9a-f]{16}$/i;
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;

export function dateToken(text: string): DateToken | undefined {
  const match = DATE_TOKEN.exec(text);
  if (match === null) return undefined;
  const [, a = '', separator, b = '', c = ''] = match;
  const yearFirst = a.length === 4;
  if (!yearFirst && a.length > 2) return undefined;
  if (!yearFirst && c.length !== 2 && c.length !== 4) return undefined;
  return { first: Number(a), second: Number(b), third: Number(c), yearFirst, dots: separator === '.' };
}

function isoDate(year: number, month: number, day: number): string | undefined {
  const fullYear = year < 100 ? 2000 + year : year;
  if (fullYear < 1980 || fullYear > 2200 || month < 1 || month > 12 || day < 1) return undefined;
  const time = Date.UTC(fullYear, month - 1, day);
  if (new Date(time).getUTCDate() !== day) return undefined; // 31.02. and the like
  return new Date(time).toISOString();
}

function filetimeDate(hex: string): string | undefined {
  const ms = BigInt(`0x${hex}`) / 10_000n - FILETIME_EPOCH_OFFSET_MS;
  if (ms < 315_532_800_000n || ms > 7_258_118_400_000n) return undefined; // 1980 .. 2200
  const day = new Date(Number(ms));
  return isoDate(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate());
}

function read(token: DateToken, order: 'mdy' | 'dmy'): string | undefined {
  if (token.yearFirst) return isoDate(token.first, token.second, token.third);
  if (token.dots || order === 'dmy') return isoDate(token.third, token.second, token.first);
  return isoDate(token.third, token.first, token.second);
}

/** The day-month order of a set of dates printed by one machine (see the module comment). */
export function detectOrder(tokens: readonly DateToken[]): DateOrder {
  if (tokens.length === 0) return 'none';
  let dayFirst = false;
  let monthFirst = false;
  let yearFirst = false;
  for (const token of tokens) {
    if (token.yearFirst) yearFirst = true;
    else if (token.dots || token.first > 12) dayFirst = true;
    else if (token.second > 12) monthFirst = true;
  }
  if (dayFirst && monthFirst) return 'inconsistent';
  if (dayFirst) return 'dmy';
  if (monthFirst) return 'mdy';
  return tokens.every((token) => token.yearFirst) && yearFirst ? 'ymd' : 'ambiguous';
}

/** One hotfix as a table row shows it. */
export interface HotfixRow {
  id: string;
  /** The InstalledOn text as printed (may be empty). */
  installedOn: string;
}

export interface HotfixSummary {
  lastUpdateAt?: string;
  detail: Record<string, unknown>;
}

interface Dated {
  id: string;
  installedOn: string;
  token?: DateToken;
  exact?: string;
}

function newest(dated: readonly Dated[], order: 'mdy' | 'dmy'): Dated & { at: string } | undefined {
  let best: (Dated & { at: string }) | undefined;
  for (const entry of dated) {
    const at = entry.exact ?? (entry.token === undefined ? undefined : read(entry.token, order));
    if (at !== undefined && (best === undefined || at > best.at)) best = { ...entry, at };
  }
  return best;
}

/**
 * The newest install date of a hotfix list (`lastUpdateAt`) and what a helpdesk needs to trust
 * it: how many hotfixes, how many had a date, which one is newest and how dates were read.
 */
export function summariseHotfixes(rows: readonly HotfixRow[]): HotfixSummary {
  const dated: Dated[] = [];
  for (const row of rows) {
    const text = row.installedOn.trim();
    if (FILETIME.test(text)) {
      const exact = filetimeDate(text);
      if (exact !== undefined) dated.push({ id: row.id, installedOn: text, exact });
      continue;
    }
    const token = dateToken(text);
    if (token !== undefined) dated.push({ id: row.id, installedOn: text, token });
  }
  const tokens = dated.flatMap((entry) => (entry.token === undefined ? [] : [entry.token]));
  const order = tokens.length === 0 && dated.length > 0 ? 'filetime' : detectOrder(tokens);
  let pick: (Dated & { at: string }) | undefined;
  if (order === 'ambiguous') {
    const asMdy = newest(dated, 'mdy');
    const asDmy = newest(dated, 'dmy');
    pick = asMdy === undefined || (asDmy !== undefined && asDmy.at < asMdy.at) ? asDmy : asMdy;
  } else if (order !== 'inconsistent' && order !== 'none') {
    pick = newest(dated, order === 'dmy' ? 'dmy' : 'mdy');
  }
  const detail = compact({
    hotfixCount: rows.length,
    datedCount: dated.length,
    dateOrder: order,
    newestHotfix: pick?.id,
    newestInstalledOn: pick?.installedOn,
    hotfixes: rows.length > 0 ? rows.slice(0, MAX_DETAIL_ENTRIES).map((row) => row.id) : undefined,
  });
  return pick === undefined ? { detail } : { lastUpdateAt: pick.at, detail };
}
