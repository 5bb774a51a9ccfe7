/**
 * `dnf history list`: one row per transaction, newest first. dnf4 separates columns with `|`
 * (`ID | Command line | Date and time | Action(s) | Altered`, date `2024-03-04 09:20`); dnf5
 * pads with spaces and adds seconds (`2024-03-04 09:20:11`). Headers and action names are
 * translated; the ID and the date are not.
 *
 * `lastUpdateAt` is the newest date of a transaction that was not only a removal (dnf4 actions
 * `Erase`/`Removed`/`E`); rows whose action is not shown or not recognised count, because dnf5
 * often leaves the column empty. Local time without an offset (dnf prints no zone).
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, compact, parseLocalDateTime, toCount, toLines, unrecognised, words } from './text.ts';

const ROW = /^\s*(\d+)\s*(\|?)(.*?)(\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?)(.*)$/;
const REMOVAL = new Set(['e', 'erase', 'erased', 'remove', 'removed', 'removal']);
const TIME_ZONE_NOTE = 'local time of the machine (dnf prints no zone)';

function removalOnly(actions: string): boolean {
  const parts = actions.split(',').map((a) => a.trim().toLowerCase()).filter((a) => a !== '');
  return parts.length > 0 && parts.every((a) => REMOVAL.has(a));
}

/** dnf5's `Action(s) Altered` cell without the trailing count. */
function withoutCount(cell: string): string {
  const parts = words(cell);
  if (parts.length > 0 && /^\d+$/.test(parts[parts.length - 1]!)) parts.pop();
  return parts.join(' ');
}

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  let rows = 0;
  let newestAny: string | undefined;
  let newest: { at: string; id: string; command: string; actions: string } | undefined;

  for (const line of lines) {
    const m = ROW.exec(line);
    if (m === null) continue;
    const [, id = '', bar, before = '', date = '', after = ''] = m;
    const at = parseLocalDateTime(date);
    if (at === undefined) continue;
    rows++;
    const command = (bar === '|' ? before.replace(/\|\s*$/, '') : before).trim();
    // dnf4: `| Action(s) | Altered`; dnf5: `Action(s) Altered` (the count last).
    const cells = bar === '|' ? after.split('|').map((c) => c.trim()) : [withoutCount(after)];
    const actions = cells[0] === '' && bar === '|' ? (cells[1] ?? '') : (cells[0] ?? '');
    if (newestAny === undefined || at > newestAny) newestAny = at;
    if (!removalOnly(actions) && (newest === undefined || at > newest.at)) newest = { at, id, command, actions };
  }

  if (rows === 0) {
    if (lines.some((l) => /^No transactions?\b/i.test(l.trim()))) return { detail: { transactions: 0, note: 'no transaction recorded' } };
    return { detail: unrecognised(lines) };
  }
  const detail = compact({
    transactions: rows,
    newestTransactionAt: newestAny,
    lastUpdateId: newest === undefined ? undefined : toCount(newest.id),
    lastUpdateCommandline: newest === undefined || newest.command === '' ? undefined : clip(newest.command),
    lastUpdateActions: newest === undefined || newest.actions === '' ? undefined : clip(newest.actions),
    timeZone: TIME_ZONE_NOTE,
    note: newest === undefined ? 'every transaction listed only removed packages' : undefined,
  });
  return newest === undefined ? { detail } : { lastUpdateAt: newest.at, detail };
}

export const dnfHistoryList: ToolParser = {
  id: 'dnf-history-list',
  platform: 'linux',
  command: 'dnf history list',
  parse,
};
