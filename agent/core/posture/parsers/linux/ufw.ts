/**
 * `ufw status [verbose]` (ufw(8)): `Status: active|inactive` (the label and the word are
 * translated: `Status: aktiv`, `État : actif`, `Estado: activo`), then with `verbose`
 * `Logging: on (low)` and `Default: deny (incoming), allow (outgoing), disabled (routed)` (the
 * policy words are config values, never translated; the direction words are, so they are read by
 * position), then a `To / Action / From` table under a `--` rule line. Actions stay English
 * (`ALLOW IN`, `DENY`, `REJECT OUT`, `LIMIT`).
 *
 * Active is `on`, inactive `off`. Knowing the defaults (verbose), an active firewall that allows
 * incoming traffic by default and has no DENY/REJECT/LIMIT rule filters nothing: `off`.
 */
import type { ToolFacts } from '../types.ts';
import { clip, compact, toLines, unrecognised, words } from './text.ts';

const ACTIVE = new Set(['active', 'aktiv', 'actif', 'activo', 'attivo', 'ativo', 'actief', 'aktywny', 'активен', 'активний']);
const INACTIVE = new Set(['inactive', 'inaktiv', 'inactif', 'inactivo', 'inattivo', 'inativo', 'inactief', 'nieaktywny', 'неактивен', 'неактивний']);
const POLICY = /\b(allow|deny|reject|disabled)\s*\(/g;
const RULE_LINE = /^-+\s+-+\s+-+$/;
const BLOCKING = /\b(?:DENY|REJECT|LIMIT)\b/;

export function parseUfw(text: string): ToolFacts {
  const lines = toLines(text);
  let status: string | undefined;
  let state: 'on' | 'off' | undefined;
  let policies: string[] | undefined;
  let logging: string | undefined;
  let inRules = false;
  let rules = 0;
  let blocking = 0;

  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (inRules) {
      rules++;
      if (BLOCKING.test(trimmed)) blocking++;
      continue;
    }
    if (RULE_LINE.test(trimmed)) {
      inRules = true;
      continue;
    }
    const colon = trimmed.indexOf(':');
    if (colon <= 0) continue;
    const value = trimmed.slice(colon + 1).trim();
    const word = (words(value)[0] ?? '').toLowerCase();
    if (state === undefined && (ACTIVE.has(word) || INACTIVE.has(word))) {
      status = clip(word, 32);
      state = ACTIVE.has(word) ? 'on' : 'off';
    } else if (/^Logging$/i.test(trimmed.slice(0, colon).trim())) {
      logging = clip(value, 32);
    } else if (policies === undefined && value.includes('(')) {
      const found = [...value.matchAll(POLICY)].map((m) => m[1]!);
      if (found.length >= 2) policies = found;
    }
  }

  if (state === undefined) return { firewall: 'unknown', detail: unrecognised(lines) };
  const [incoming, outgoing, routed] = policies ?? [];
  const allowAll = state === 'on' && incoming === 'allow' && blocking === 0;
  return {
    firewall: allowAll ? 'off' : state,
    detail: compact({
      status,
      logging,
      defaultIncoming: incoming,
      defaultOutgoing: outgoing,
      defaultRouted: routed,
      rules: state === 'on' ? rules : undefined,
      blockingRules: state === 'on' ? blocking : undefined,
      reason: allowAll ? 'active but allows all incoming traffic (default allow, no deny/reject/limit rule)' : undefined,
    }),
  };
}
