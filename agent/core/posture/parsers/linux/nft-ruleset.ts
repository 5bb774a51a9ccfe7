/**
 * What an nftables ruleset means for incoming traffic, shared by the text (`nft list ruleset`)
 * and JSON (`nft -j list ruleset`) parsers, which both reduce the ruleset to this model.
 *
 * The firewall is `on` when some base chain on the `input` hook (families ip, ip6, inet) drops
 * by default (`policy drop`), or it or a chain it jumps to (transitively, same table) has a rule
 * whose verdict is drop or reject, other than the `ct state invalid drop` hygiene rule. An empty
 * ruleset, no input chain, or input chains that accept everything: `off` (DESIGN.md §5).
 */
import type { ToolFacts } from '../types.ts';
import { clip, compact, MAX_DETAIL_ENTRIES } from './text.ts';

export interface NftRule {
  /** Has a drop or reject verdict (a `ct state invalid` rule does not count). */
  blocks: boolean;
  /** Chains it jumps or goes to. */
  targets: string[];
}

export interface NftChain {
  family: string;
  table: string;
  name: string;
  hook?: string | undefined;
  policy?: string | undefined;
  rules: NftRule[];
}

const INPUT_FAMILIES = new Set(['ip', 'ip6', 'inet']);
const key = (family: string, table: string, name: string): string => `${family}\u0000${table}\u0000${name}`;

/** Whether `start` drops by policy or reaches a blocking rule through jumps (breadth-first, each chain once). */
function filters(start: NftChain, chains: ReadonlyMap<string, NftChain>): boolean {
  if (start.policy === 'drop') return true;
  const seen = new Set<NftChain>([start]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const rule of queue[i]!.rules) {
      if (rule.blocks) return true;
      for (const target of rule.targets) {
        const next = chains.get(key(start.family, start.table, target));
        if (next !== undefined && !seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
  }
  return false;
}

export function judgeRuleset(tables: readonly string[], chainList: readonly NftChain[], extra: Record<string, unknown> = {}): ToolFacts {
  const chains = new Map<string, NftChain>();
  for (const chain of chainList) {
    const k = key(chain.family, chain.table, chain.name);
    if (!chains.has(k)) chains.set(k, chain);
  }
  const base = chainList.filter((c) => c.hook !== undefined);
  const inputs = base.filter((c) => c.hook === 'input' && INPUT_FAMILIES.has(c.family));
  const filtering = inputs.filter((c) => filters(c, chains));
  let reason: string | undefined;
  if (tables.length === 0) reason = 'empty ruleset';
  else if (inputs.length === 0) reason = 'no base chain on the input hook: incoming traffic is not filtered';
  else if (filtering.length === 0) reason = 'input chains accept everything (policy accept, no drop or reject rule)';
  const describe = (c: NftChain): string => clip(`${c.family} ${c.table} ${c.name}: hook ${c.hook ?? '?'}, policy ${c.policy ?? 'accept'}`);
  return {
    firewall: filtering.length > 0 ? 'on' : 'off',
    detail: compact({
      ...extra,
      tables: tables.slice(0, MAX_DETAIL_ENTRIES).map((t) => clip(t)),
      chains: chainList.length,
      rules: chainList.reduce((n, c) => n + c.rules.length, 0),
      baseChains: base.length > 0 ? base.slice(0, MAX_DETAIL_ENTRIES).map(describe) : undefined,
      filteringChains: filtering.length > 0 ? filtering.slice(0, MAX_DETAIL_ENTRIES).map((c) => clip(`${c.family} ${c.table} ${c.name}`)) : undefined,
      reason,
    }),
  };
}
