/**
 * `softwareupdate --history` (softwareupdate(8), macOS 10.15+): a table of installed updates,
 *
 * ```
 * Display Name                                       Version    Date
 * ------------                                       -------    ----
 * macOS Ventura 13.3.1                               13.3.1     04/10/2023, 10:12:40
 * XProtectPlistConfigData                            2166       04/05/2023, 09:01:10
 * ```
 *
 * columns separated by runs of spaces, dates in the user's locale (see `install-date.ts`).
 *
 * `lastUpdateAt` is the newest install of an operating-system update: a name starting with
 * macOS / OS X, or a Security Update, (Rapid) Security Response or Background Security
 * Improvement. Background data (XProtect, MRT, Gatekeeper, other ConfigData) arrives silently
 * every few days and says nothing about whether the OS is patched; apps (Safari, Command Line
 * Tools) do not patch the OS. Both are listed in `detail` but do not count. The time is local
 * (ISO 8601 without an offset), because the tool prints no zone.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { readInstallDate, settleOrder, toIsoLocal, type RawInstallDate } from './install-date.ts';
import { clip, explainUnknown, splitLines } from './text.ts';

interface Row {
  name: string;
  version: string | undefined;
  date: RawInstallDate;
  os: boolean;
}

const HEADER = /^Display Name\s+Version\s+Date$/i;
const RULE = /^-{3,}(?:\s+-{3,})*$/;
const OS_UPDATE = /^(?:macOS|Mac OS X|OS X)\b|\bsecurity (?:update|response|improvement)/i;
const DATA_ONLY = /xprotect|\bMRT|gatekeeper|config(?:uration)?\s*data|compatibility data/i;

function readRow(line: string): Row | undefined {
  const fields = line.split(/\s{2,}|\t+/).filter((field) => field !== '');
  if (fields.length < 2) return undefined;
  let date = readInstallDate(fields[fields.length - 1]!);
  let taken = 1;
  if (date === undefined && fields.length >= 3) {
    date = readInstallDate(`${fields[fields.length - 2]} ${fields[fields.length - 1]}`);
    taken = 2;
  }
  if (date === undefined) return undefined;
  const rest = fields.slice(0, fields.length - taken);
  if (rest.length === 0) return undefined;
  const version = rest.length >= 2 ? rest.pop() : undefined;
  const name = rest.join(' ');
  return { name: clip(name), version: version === undefined ? undefined : clip(version), date, os: OS_UPDATE.test(name) && !DATA_ONLY.test(name) };
}

/** The newest row under one reading of the dates, with its ISO time. */
function newest(rows: readonly Row[], order: 'mdy' | 'dmy'): { row: Row; at: string } | undefined {
  let best: { row: Row; at: string } | undefined;
  for (const row of rows) {
    const at = toIsoLocal(row.date, order);
    if (at !== undefined && (best === undefined || at > best.at)) best = { row, at };
  }
  return best;
}

/** Of the two readings of an ambiguous table, the one whose newest entry is earlier. */
function earlier(rows: readonly Row[], order: ReturnType<typeof settleOrder>): { row: Row; at: string } | undefined {
  if (order === 'mdy' || order === 'dmy') return newest(rows, order);
  const mdy = newest(rows, 'mdy');
  const dmy = newest(rows, 'dmy');
  if (mdy === undefined || dmy === undefined) return mdy ?? dmy;
  return mdy.at <= dmy.at ? mdy : dmy;
}

const summary = (entry: { row: Row; at: string } | undefined): Record<string, unknown> | undefined =>
  entry === undefined ? undefined : { name: entry.row.name, version: entry.row.version, installedAt: entry.at };

export function parseSoftwareupdateHistory(text: string): ToolFacts {
  const detail: Record<string, unknown> = {};
  const rows: Row[] = [];
  const other: string[] = [];
  let table = false;
  for (const raw of splitLines(text)) {
    const line = raw.trim();
    if (line === '') continue;
    if (HEADER.test(line) || RULE.test(line)) {
      table = true;
      continue;
    }
    const row = readRow(line);
    if (row !== undefined) rows.push(row);
    else other.push(line);
  }
  if (!table && rows.length === 0) {
    explainUnknown(other, detail);
    return { detail };
  }

  const order = settleOrder(rows.map((row) => row.date));
  const settledBy = (kind: RawInstallDate['order']): boolean => rows.every((row) => row.date.order === kind);
  const dateOrder = rows.some((row) => row.date.order === 'either') ? order : settledBy('ymd') ? 'ymd' : settledBy('dmy') ? 'dmy' : 'mixed';
  detail['installs'] = rows.length;
  detail['osUpdates'] = rows.filter((row) => row.os).length;
  if (rows.length > 0) detail['dateOrder'] = dateOrder;
  if (other.length > 0) detail['unreadLines'] = other.length;
  if (order === 'conflict') {
    detail['reason'] = 'dates read neither day-first nor month-first consistently';
    return { detail };
  }
  const newestAny = earlier(rows, order);
  const newestOs = earlier(rows.filter((row) => row.os), order);
  if (newestAny !== undefined) detail['newestInstall'] = summary(newestAny);
  if (newestOs === undefined) {
    if (rows.length > 0) detail['reason'] = 'no operating-system update in the history';
    return { detail };
  }
  detail['newestOsUpdate'] = summary(newestOs);
  return { lastUpdateAt: newestOs.at, detail };
}

export const softwareupdateHistoryParser: ToolParser = {
  id: 'softwareupdate-history',
  platform: 'darwin',
  command: 'softwareupdate --history',
  parse: parseSoftwareupdateHistory,
};
