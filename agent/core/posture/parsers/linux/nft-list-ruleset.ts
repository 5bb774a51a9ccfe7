/**
 * `nft list ruleset` (nft(8)): nested blocks, `table <family> <name> {`, inside it `chain <name> {`
 * whose first statement of a base chain is `type filter hook input priority filter; policy drop;`,
 * then one rule per line; `set`/`map`/`flowtable` blocks too. `-a` adds `# handle N` comments.
 * nft prints nothing at all for an empty ruleset, so blank output is `off`; an error or text
 * that is not a ruleset is `unknown`. The verdict logic is in nft-ruleset.ts.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { judgeRuleset, type NftChain } from './nft-ruleset.ts';
import { toLines, unrecognised } from './text.ts';

const TABLE = /^table\s+(?:(ip|ip6|inet|arp|bridge|netdev)\s+)?(\S+)\s*\{$/;
const CHAIN = /^chain\s+(\S+)\s*\{$/;
const JUMP = /\b(?:jump|goto)\s+("?)([^\s";]+)\1/g;

/** The line without quoted strings and `#` comments, so braces and words in them do not count. */
function code(line: string): string {
  const unquoted = line.replace(/"[^"\n]*"/g, '""');
  const hash = unquoted.indexOf('#');
  return (hash >= 0 ? unquoted.slice(0, hash) : unquoted).trim();
}

function count(text: string, char: string): number {
  let n = 0;
  for (let i = text.indexOf(char); i >= 0; i = text.indexOf(char, i + 1)) n++;
  return n;
}

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  if (lines.every((l) => l.trim() === '')) return judgeRuleset([], [], { note: 'nft printed nothing: no ruleset loaded' });
  const tables: string[] = [];
  const chains: NftChain[] = [];
  let depth = 0;
  let table: { family: string; name: string } | undefined;
  let chain: NftChain | undefined;
  let chainDepth = 0;

  for (const line of lines) {
    const stmt = code(line);
    if (stmt === '') continue;
    if (depth === 0) {
      const m = TABLE.exec(stmt);
      if (m !== null) {
        table = { family: m[1] ?? 'ip', name: m[2]! };
        tables.push(`${table.family} ${table.name}`);
      }
    } else if (depth === 1 && table !== undefined) {
      const m = CHAIN.exec(stmt);
      if (m !== null) {
        chain = { family: table.family, table: table.name, name: m[1]!.replace(/"/g, ''), rules: [] };
        chains.push(chain);
        chainDepth = 2;
      }
    } else if (chain !== undefined && depth >= chainDepth) {
      if (depth === chainDepth && stmt.startsWith('type ')) {
        chain.hook = /\bhook\s+(\w+)/.exec(stmt)?.[1];
        chain.policy = /\bpolicy\s+(\w+)/.exec(stmt)?.[1];
      } else if (stmt !== '}') {
        const blocks = /\b(?:drop|reject)\b/.test(stmt) && !/\bct state invalid\b/.test(stmt);
        const targets = [...stmt.matchAll(JUMP)].map((j) => j[2]!);
        chain.rules.push({ blocks, targets });
      }
    }
    depth = Math.max(0, depth + count(stmt, '{') - count(stmt, '}'));
    if (depth < chainDepth) [chain, chainDepth] = [undefined, 0];
    if (depth === 0) table = undefined;
  }

  if (tables.length === 0) return { firewall: 'unknown', detail: unrecognised(lines) };
  return judgeRuleset(tables, chains);
}

export const nftListRuleset: ToolParser = {
  id: 'nft-list-ruleset',
  platform: 'linux',
  command: 'nft list ruleset',
  parse,
};
