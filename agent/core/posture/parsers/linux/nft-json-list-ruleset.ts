/**
 * `nft -j list ruleset` (libnftables-json(5)): `{"nftables": [{"metainfo": ...}, {"table":
 * {family, name}}, {"chain": {family, table, name, type?, hook?, prio?, policy?}}, {"rule":
 * {family, table, chain, expr: [...]}}, {"set": ...}]}`. Verdicts are statements `{"drop": null}`,
 * `{"reject": ...}`, `{"jump": {"target": "x"}}`, `{"goto": {"target": "x"}}`, also inside verdict
 * maps. An empty ruleset is just the metainfo: `off`. The verdict logic is in nft-ruleset.ts.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { judgeRuleset, type NftChain, type NftRule } from './nft-ruleset.ts';
import { asObject, own, ownString, parseJson, toLines, unrecognised } from './text.ts';

/** Reads a rule's expressions iteratively (they nest: vmaps, sets, concatenations). */
function readRule(expr: unknown): NftRule {
  let verdict = false;
  let invalid = false;
  const targets: string[] = [];
  const stack: unknown[] = [expr];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === 'invalid') invalid = true;
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
      continue;
    }
    const object = asObject(value);
    if (object === undefined) continue;
    for (const [name, inner] of Object.entries(object)) {
      if (name === 'drop' || name === 'reject') verdict = true;
      if (name === 'jump' || name === 'goto') {
        const target = ownString(inner, 'target');
        if (target !== undefined) targets.push(target);
      }
      stack.push(inner);
    }
  }
  return { blocks: verdict && !invalid, targets };
}

function parse(text: string): ToolFacts {
  const items = own(parseJson(text), 'nftables');
  if (!Array.isArray(items)) return { firewall: 'unknown', detail: unrecognised(toLines(text)) };
  const tables: string[] = [];
  const chains: NftChain[] = [];
  const byName = new Map<string, NftChain>();
  let version: string | undefined;
  const pendingRules: { chain: string; rule: NftRule }[] = [];

  for (const item of items) {
    const meta = own(item, 'metainfo');
    const table = own(item, 'table');
    const chain = own(item, 'chain');
    const rule = own(item, 'rule');
    if (meta !== undefined) version = ownString(meta, 'version') ?? version;
    if (table !== undefined) tables.push(`${ownString(table, 'family') ?? '?'} ${ownString(table, 'name') ?? '?'}`);
    if (chain !== undefined) {
      const family = ownString(chain, 'family') ?? '?';
      const tableName = ownString(chain, 'table') ?? '?';
      const name = ownString(chain, 'name') ?? '?';
      const entry: NftChain = { family, table: tableName, name, hook: ownString(chain, 'hook'), policy: ownString(chain, 'policy'), rules: [] };
      chains.push(entry);
      const k = `${family}\u0000${tableName}\u0000${name}`;
      if (!byName.has(k)) byName.set(k, entry);
    }
    if (rule !== undefined) {
      const k = `${ownString(rule, 'family') ?? '?'}\u0000${ownString(rule, 'table') ?? '?'}\u0000${ownString(rule, 'chain') ?? '?'}`;
      pendingRules.push({ chain: k, rule: readRule(own(rule, 'expr')) });
    }
  }
  // A rule may be listed before its chain (`nft -j list chain` fragments): attach at the end.
  for (const { chain, rule } of pendingRules) byName.get(chain)?.rules.push(rule);
  return judgeRuleset(tables, chains, version === undefined ? {} : { nftVersion: version });
}

export const nftJsonListRuleset: ToolParser = {
  id: 'nft-json-list-ruleset',
  platform: 'linux',
  command: 'nft -j list ruleset',
  parse,
};
