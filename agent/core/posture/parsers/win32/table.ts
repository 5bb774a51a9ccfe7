/**
 * Fixed-width tables as PowerShell `Format-Table` (a header, then a row of dashes under each
 * column) and `wmic ... /format:table` (a header only, every value starting under its column's
 * name) print them. Cells are cut at column starts, so values with spaces ("Security Update")
 * stay whole.
 */
import { fold } from './text.ts';

export interface Table {
  /** Column names, lower case, in order. */
  names: string[];
  starts: number[];
  /** Index of the first data line. */
  firstRow: number;
}

/** Start offsets of runs of `want` (dashes) or of non-space words (header). */
function runStarts(line: string, isRun: (char: string) => boolean): number[] {
  const starts: number[] = [];
  for (let i = 0; i < line.length; i += 1) {
    if (isRun(line.charAt(i)) && (i === 0 || !isRun(line.charAt(i - 1)))) starts.push(i);
  }
  return starts;
}

function namesAt(header: string, starts: readonly number[]): string[] {
  return starts.map((start, index) => fold(header.slice(start, starts[index + 1] ?? header.length).trim()));
}

/** The first table whose header line contains every one of `required` (lower case ASCII, e.g. "hotfixid"). */
export function findTable(lines: readonly string[], required: readonly string[], dashed: boolean): Table | undefined {
  for (let i = 0; i < lines.length; i += 1) {
    const header = lines[i] ?? '';
    const lower = header.toLowerCase();
    if (!required.every((name) => lower.includes(name))) continue;
    if (dashed) {
      const dashes = lines[i + 1] ?? '';
      if (!/^[\s-]+$/.test(dashes) || !dashes.includes('-')) continue;
      const starts = runStarts(dashes, (char) => char === '-');
      return { names: namesAt(header, starts), starts, firstRow: i + 2 };
    }
    const starts = runStarts(header, (char) => char !== ' ' && char !== '\t');
    return { names: namesAt(header, starts), starts, firstRow: i + 1 };
  }
  return undefined;
}

const isBlank = (char: string): boolean => char === ' ' || char === '\t';

/**
 * The cell of `column` in a data line ('' when the line is too short). A cell boundary that falls
 * inside a word (a row pasted with its spacing changed) moves out to the word's ends, so a date
 * is never read from half a token ("1/14/2024" out of "11/14/2024").
 */
export function cell(table: Table, line: string, column: number): string {
  let start = table.starts[column];
  if (start === undefined || start >= line.length) return '';
  let end = Math.min(table.starts[column + 1] ?? line.length, line.length);
  while (start > 0 && !isBlank(line.charAt(start - 1)) && !isBlank(line.charAt(start))) start -= 1;
  while (end < line.length && !isBlank(line.charAt(end - 1)) && !isBlank(line.charAt(end))) end += 1;
  return line.slice(start, end).trim();
}
