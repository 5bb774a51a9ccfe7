/**
 * Dates as `softwareupdate --history` prints them: in the user's locale, local time, no zone.
 * `04/10/2023, 10:12:40` (en_US), `10/04/2023, 10:12:40` (en_GB, fr), `10.04.2023, 10:12:40`
 * (de), `2023/04/10 10:12:40` (ja), with an optional 12-hour `AM`/`PM`. Year-first dates are
 * year-month-day; dotted year-last dates are day-month-year; slashed or dashed year-last dates
 * are settled over the whole table (a first number above 12 means day first, a second one above
 * 12 means month first). When no row settles it, both readings are kept and the caller takes the
 * earlier result, so a last-update time is never later than the truth.
 */

/** A date of the table before its day/month order is known. */
export interface RawInstallDate {
  /** 'ymd': a/b are month/day. 'dmy': a/b are day/month. 'either': a/b are ambiguous. */
  order: 'ymd' | 'dmy' | 'either';
  year: number;
  a: number;
  b: number;
  hour: number;
  minute: number;
  second: number;
}

const DATE =
  /^([0-9]{1,4})([./-])([0-9]{1,2})\2([0-9]{1,4})\.?,?(?:\s+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?)?$/;

/** Reads one date field, or undefined when it is not a date this module knows. */
export function readInstallDate(field: string): RawInstallDate | undefined {
  const match = DATE.exec(field.trim());
  if (match === null) return undefined;
  const [, first, separator, middle, last, h, m, s, meridiem] = match;
  let hour = h === undefined ? 0 : Number(h);
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (/p/i.test(meridiem) ? 12 : 0);
  }
  const time = { hour, minute: m === undefined ? 0 : Number(m), second: s === undefined ? 0 : Number(s) };
  if (first!.length === 4) {
    if (last!.length > 2) return undefined;
    return { order: 'ymd', year: Number(first), a: Number(middle), b: Number(last), ...time };
  }
  if (first!.length > 2 || (last!.length !== 2 && last!.length !== 4)) return undefined;
  const year = last!.length === 2 ? 2000 + Number(last) : Number(last);
  return { order: separator === '.' ? 'dmy' : 'either', year, a: Number(first), b: Number(middle), ...time };
}

/** How the year-last slashed/dashed dates of one table read, judged from all of them. */
export function settleOrder(dates: readonly RawInstallDate[]): 'mdy' | 'dmy' | 'ambiguous' | 'conflict' {
  let dayFirst = false;
  let monthFirst = false;
  for (const date of dates) {
    if (date.order !== 'either') continue;
    if (date.a > 12) dayFirst = true;
    if (date.b > 12) monthFirst = true;
  }
  if (dayFirst && monthFirst) return 'conflict';
  return dayFirst ? 'dmy' : monthFirst ? 'mdy' : 'ambiguous';
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/**
 * ISO 8601 local date-time (`2023-04-10T10:12:40`, no offset: the tool prints local time) of
 * `date` read with `order` (used for dates whose order is 'either'); undefined when invalid.
 */
export function toIsoLocal(date: RawInstallDate, order: 'mdy' | 'dmy'): string | undefined {
  const dayFirst = date.order === 'dmy' || (date.order === 'either' && order === 'dmy');
  const month = date.order === 'ymd' ? date.a : dayFirst ? date.b : date.a;
  const day = date.order === 'ymd' ? date.b : dayFirst ? date.a : date.b;
  if (date.year < 1970 || date.year > 9999 || month < 1 || month > 12) return undefined;
  if (day < 1 || day > daysIn(date.year, month)) return undefined;
  if (date.hour > 23 || date.minute > 59 || date.second > 59) return undefined;
  return `${pad(date.year, 4)}-${pad(month)}-${pad(day)}T${pad(date.hour)}:${pad(date.minute)}:${pad(date.second)}`;
}
