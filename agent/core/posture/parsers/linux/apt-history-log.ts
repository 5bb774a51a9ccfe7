/**
 * `/var/log/apt/history.log`: one stanza per apt transaction, `Start-Date:`, `Commandline:`,
 * `Requested-By:`, then `Install:`/`Upgrade:`/`Remove:`/`Purge:`/`Reinstall:`/`Downgrade:`
 * package lists, an `Error:` line if dpkg failed, and `End-Date:` (apt's history writer; field
 * names are never translated). Dates are the machine's local time with no zone
 * (`2024-03-01  10:12:41`).
 *
 * `lastUpdateAt` is the newest `End-Date:` of a transaction that installed or upgraded packages
 * and did not fail: a later `apt remove` is not an update. It is local time without an offset
 * (ISO 8601 `2024-03-01T10:12:41`): the parser does not know the machine's zone and does not
 * guess one. The log is rotated monthly (`history.log.1.gz`), so an empty file means "nothing
 * this month", not "never": no `lastUpdateAt` then.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, compact, parseLocalDateTime, toLines, unrecognised } from './text.ts';

interface Transaction {
  start?: string;
  commandline?: string;
  installs: number;
  upgrades: number;
  error?: string;
}

const KEY = /^([A-Z][A-Za-z-]*): ?(.*)$/;
const TIME_ZONE_NOTE = 'local time of the machine (apt writes no zone)';

/** Packages in an `Install:`/`Upgrade:` list: each entry ends with its `(versions)` group. */
function countPackages(list: string): number {
  let count = 0;
  for (let i = list.indexOf(')'); i >= 0; i = list.indexOf(')', i + 1)) count++;
  return count;
}

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  let current: Transaction = { installs: 0, upgrades: 0 };
  let transactions = 0;
  let failed = 0;
  let newestAny: string | undefined;
  let newest: { at: string; tx: Transaction } | undefined;
  let lastError: string | undefined;

  for (const line of lines) {
    const m = KEY.exec(line);
    if (m === null) continue;
    const [, key, value = ''] = m;
    switch (key) {
      case 'Start-Date':
        current = { installs: 0, upgrades: 0 };
        current.start = parseLocalDateTime(value);
        break;
      case 'Commandline':
        current.commandline = clip(value.trim());
        break;
      case 'Install':
        current.installs += countPackages(value);
        break;
      case 'Upgrade':
        current.upgrades += countPackages(value);
        break;
      case 'Error':
        current.error = clip(value.trim());
        break;
      case 'End-Date': {
        const at = parseLocalDateTime(value);
        if (at === undefined) break;
        transactions++;
        if (newestAny === undefined || at > newestAny) newestAny = at;
        if (current.error !== undefined) {
          failed++;
          lastError = current.error;
        } else if (current.installs + current.upgrades > 0 && (newest === undefined || at >= newest.at)) {
          newest = { at, tx: current };
        }
        current = { installs: 0, upgrades: 0 };
        break;
      }
      default:
        break;
    }
  }

  if (transactions === 0) {
    const detail = lines.some((l) => l.trim() !== '') ? unrecognised(lines) : { note: 'empty log: no apt transaction since the last rotation' };
    return { detail };
  }
  const detail = compact({
    transactions,
    failedTransactions: failed > 0 ? failed : undefined,
    lastError,
    newestTransactionAt: newestAny,
    lastUpdateCommandline: newest?.tx.commandline,
    lastUpdateInstalled: newest === undefined ? undefined : newest.tx.installs,
    lastUpdateUpgraded: newest === undefined ? undefined : newest.tx.upgrades,
    timeZone: TIME_ZONE_NOTE,
    note: newest === undefined ? 'no transaction in this log installed or upgraded a package' : undefined,
  });
  return newest === undefined ? { detail } : { lastUpdateAt: newest.at, detail };
}

export const aptHistoryLog: ToolParser = {
  id: 'apt-history-log',
  platform: 'linux',
  command: 'cat /var/log/apt/history.log',
  parse,
};
