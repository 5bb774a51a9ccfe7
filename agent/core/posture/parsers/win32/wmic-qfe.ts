/**
 * `wmic qfe list brief /format:table` (also `/format:csv`, `/format:list` and `wmic qfe get ...`).
 * wmic writes UTF-16 with CR CR LF line ends, handled by windowsLines. InstalledOn is a short
 * date (M/D/YYYY on most systems) or, on old ones, 16 hex digits of FILETIME; see dates.ts. The
 * newest one is `lastUpdateAt`. "No Instance(s) Available." means no hotfix is recorded.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { type HotfixRow, summariseHotfixes } from './dates.ts';
import { cell, findTable } from './table.ts';
import { compact, findError, fold, windowsLines } from './text.ts';

function csvRows(lines: readonly string[]): HotfixRow[] | undefined {
  const at = lines.findIndex((line) => line.includes(',') && fold(line).includes('hotfixid'));
  if (at < 0) return undefined;
  const names = fold(lines[at] ?? '').split(',').map((name) => name.trim());
  const idColumn = names.indexOf('hotfixid');
  const dateColumn = names.indexOf('installedon');
  const rows: HotfixRow[] = [];
  for (const line of lines.slice(at + 1)) {
    if (!line.includes(',')) continue;
    const cells = line.split(',');
    const id = cells[idColumn]?.trim() ?? '';
    if (id !== '') rows.push({ id, installedOn: dateColumn < 0 ? '' : (cells[dateColumn]?.trim() ?? '') });
  }
  return rows;
}

function listRows(lines: readonly string[]): HotfixRow[] {
  const rows: HotfixRow[] = [];
  let current: HotfixRow | undefined;
  for (const line of lines) {
    const equals = line.indexOf('=');
    if (equals <= 0) continue;
    const name = line.slice(0, equals).trim().toLowerCase();
    const value = line.slice(equals + 1).trim();
    if (name === 'hotfixid') {
      // Properties print in alphabetical order, so a record's InstalledOn follows its HotFixID.
      current = { id: value, installedOn: '' };
      if (value !== '') rows.push(current);
    } else if (name === 'installedon' && current !== undefined) {
      current.installedOn = value;
    }
  }
  return rows;
}

function tableRows(lines: readonly string[]): HotfixRow[] | undefined {
  const table = findTable(lines, ['hotfixid'], false);
  if (table === undefined) return undefined;
  const idColumn = table.names.indexOf('hotfixid');
  const dateColumn = table.names.indexOf('installedon');
  const rows: HotfixRow[] = [];
  for (const line of lines.slice(table.firstRow)) {
    const id = cell(table, line, idColumn);
    if (id !== '') rows.push({ id, installedOn: dateColumn < 0 ? '' : cell(table, line, dateColumn) });
  }
  return rows;
}

export function parseWmicQfe(text: string): ToolFacts {
  const lines = windowsLines(text);
  const isList = lines.some((line) => /^\s*hotfixid=/i.test(line));
  const rows = isList ? listRows(lines) : (csvRows(lines) ?? tableRows(lines) ?? []);
  const { lastUpdateAt, detail } = summariseHotfixes(rows);
  const noInstances = lines.some((line) => /^no instance\(s\) available/i.test(line.trim()));
  const extra = compact({
    reason: noInstances ? 'no-instances' : rows.length === 0 ? 'no-hotfixes-shown' : lastUpdateAt === undefined ? 'no-install-dates' : undefined,
    error: noInstances ? undefined : findError(lines),
  });
  return lastUpdateAt === undefined ? { detail: { ...detail, ...extra } } : { lastUpdateAt, detail: { ...detail, ...extra } };
}

export const wmicQfe: ToolParser = {
  id: 'wmic-qfe',
  platform: 'win32',
  command: 'wmic qfe list brief /format:table',
  parse: parseWmicQfe,
};
