/**
 * `Get-HotFix`: the default table (Source, Description, HotFixID, InstalledBy, InstalledOn) or
 * `Get-HotFix | Format-List`. The newest InstalledOn is `lastUpdateAt`; InstalledOn is printed in
 * the user's locale (11/14/2024 12:00:00 AM, 14.11.2024 00:00:00 ...), see dates.ts for how the
 * day-month order is detected. Hotfixes without a date (old systems) are counted, not dated.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { dateToken, type HotfixRow, summariseHotfixes } from './dates.ts';
import { readFormatList } from './format-list.ts';
import { cell, findTable } from './table.ts';
import { compact, findError, windowsLines } from './text.ts';

const KB = /(?<![A-Za-z0-9])KB\d{1,10}(?!\d)/i;
const DATE_AND_TIME = /(?<![\w./-])\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?: \d{1,2}:\d{2}(?::\d{2})?(?: [AP]M)?)?/i;

function tableRows(lines: readonly string[]): HotfixRow[] | undefined {
  const table = findTable(lines, ['hotfixid'], true);
  if (table === undefined) return undefined;
  const idColumn = table.names.indexOf('hotfixid');
  const dateColumn = table.names.indexOf('installedon');
  const rows: HotfixRow[] = [];
  for (const line of lines.slice(table.firstRow)) {
    if (line.trim() === '') {
      if (rows.length > 0) break; // the table ends at its first blank line
      continue;
    }
    const id = cell(table, line, idColumn);
    const found = KB.exec(id) ?? KB.exec(line);
    if (found === null && !/^[A-Za-z0-9_-]+$/.test(id)) continue;
    let installedOn = dateColumn < 0 ? '' : cell(table, line, dateColumn);
    // A row pasted with its spacing changed: read the date from what follows the id.
    const inLine = KB.exec(line);
    if (dateToken(installedOn) === undefined && inLine !== null && dateColumn >= 0) {
      const token = DATE_AND_TIME.exec(line.slice(inLine.index + inLine[0].length));
      if (token !== null && dateToken(token[0]) !== undefined) installedOn = token[0].trim();
    }
    rows.push({ id: found?.[0].toUpperCase() ?? id, installedOn });
  }
  return rows;
}

function listRows(lines: readonly string[]): HotfixRow[] {
  return readFormatList(lines)
    .filter((record) => record.has('hotfixid'))
    .map((record) => ({ id: record.get('hotfixid') ?? '', installedOn: record.get('installedon') ?? '' }));
}

export function parseGetHotFix(text: string): ToolFacts {
  const lines = windowsLines(text);
  const rows = tableRows(lines) ?? listRows(lines);
  const { lastUpdateAt, detail } = summariseHotfixes(rows);
  const extra = compact({
    reason: rows.length === 0 ? 'no-hotfixes-shown' : lastUpdateAt === undefined ? 'no-install-dates' : undefined,
    error: findError(lines),
  });
  return lastUpdateAt === undefined ? { detail: { ...detail, ...extra } } : { lastUpdateAt, detail: { ...detail, ...extra } };
}

export const getHotFix: ToolParser = {
  id: 'get-hotfix',
  platform: 'win32',
  command: 'Get-HotFix',
  parse: parseGetHotFix,
};
