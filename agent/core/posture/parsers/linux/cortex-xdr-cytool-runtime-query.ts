/**
 * Palo Alto Cortex XDR's `cytool runtime query`: a table of the agent's components,
 * `Name  PID  User  Status  Command`, right-aligned. On Linux the user name is cut by the tool
 * (`cortexu+`) and may be blank for a stopped process; on macOS (same tool id) names hold spaces
 * (`cortex xdr`), a TAB run precedes the command, and a kernel extension shows `Loaded`.
 *
 * The `cortex` agent runs when the table lists components and every one is `Running` (or
 * `Loaded`, for a driver); one that is stopped means the agent is degraded, reported as not
 * running with the names in `detail`.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, compact, MAX_DETAIL_ENTRIES, toLines, unrecognised, words } from './text.ts';

const STATUSES = new Set(['running', 'loaded', 'stopped', 'unloaded', 'failed', 'exited', 'dead', 'starting', 'stopping', 'disabled', 'crashed']);
const HEALTHY = new Set(['running', 'loaded']);

/** One row: the name runs up to the PID; the status is the first known status word after it. */
function readRow(parts: string[]): { name: string; status: string } {
  const pid = parts.findIndex((p, i) => i >= 1 && /^(?:\d+|-)$/.test(p));
  const name = (pid < 0 ? parts.slice(0, 1) : parts.slice(0, pid)).join(' ');
  const rest = parts.slice(pid < 0 ? 1 : pid + 1, (pid < 0 ? 1 : pid + 1) + 3);
  const status = rest.find((p) => STATUSES.has(p.toLowerCase())) ?? rest[1] ?? rest[0] ?? '';
  return { name: clip(name, 64), status: clip(status, 32) };
}

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  let header = false;
  const processes: { name: string; status: string }[] = [];
  for (const line of lines) {
    const parts = words(line);
    if (!header) {
      header = parts[0] === 'Name' && parts.includes('Status');
      continue;
    }
    if (parts.length >= 3) processes.push(readRow(parts));
  }
  if (!header || processes.length === 0) return { detail: unrecognised(lines) };
  const stopped = processes.filter((p) => !HEALTHY.has(p.status.toLowerCase()));
  const running = stopped.length === 0;
  return {
    edr: [{ vendor: 'cortex', running, detail: running ? `all ${processes.length} components up` : clip(`not running: ${stopped.map((p) => p.name).join(', ')}`) }],
    detail: compact({
      processes: processes.slice(0, MAX_DETAIL_ENTRIES).map((p) => `${p.name} ${p.status}`),
      stopped: stopped.length > 0 ? stopped.slice(0, MAX_DETAIL_ENTRIES).map((p) => p.name) : undefined,
    }),
  };
}

export const cortexXdrCytoolRuntimeQuery: ToolParser = {
  id: 'cortex-xdr-cytool-runtime-query',
  platform: 'linux',
  command: '/opt/traps/bin/cytool runtime query',
  parse,
};
