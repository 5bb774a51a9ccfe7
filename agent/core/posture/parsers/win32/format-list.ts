/**
 * PowerShell `Format-List` output: records separated by blank lines, each line `Name : value`
 * with names padded to one column; a value too long for the console wraps onto indented lines.
 * Property names are the .NET ones in every locale; values (dates, errors) may be localised.
 */
import { isIndented, splitKeyValue } from './text.ts';

/** One record, by lower-case property name. */
export type ListRecord = Map<string, string>;

/** Records of a `Format-List` output; lines that are neither `Name : value` nor a wrap are skipped. */
export function readFormatList(lines: readonly string[]): ListRecord[] {
  const records: ListRecord[] = [];
  let current: ListRecord | undefined;
  let lastKey: string | undefined;
  for (const line of lines) {
    if (line.trim() === '') {
      current = undefined;
      lastKey = undefined;
      continue;
    }
    if (isIndented(line)) {
      if (current !== undefined && lastKey !== undefined) current.set(lastKey, `${current.get(lastKey) ?? ''}${line.trim()}`);
      continue;
    }
    const pair = splitKeyValue(line);
    // A property name is one word; "Get-Cmdlet : message" error lines have a dash, never a space.
    if (pair === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(pair[0])) {
      lastKey = undefined;
      continue;
    }
    if (current === undefined) {
      current = new Map();
      records.push(current);
    }
    lastKey = pair[0].toLowerCase();
    current.set(lastKey, pair[1]);
  }
  return records;
}
