/** `allow: [{ groups: [...] }]`: admits members of any listed group (exact, case-sensitive). */

import type { CriterionResult, DecisionIdentity } from '../types.ts';

/** Passes when the identity belongs to one of `groups`; `data.matched` lists those it belongs to. */
export function checkGroups(identity: DecisionIdentity, groups: readonly string[]): CriterionResult {
  const member = new Set(identity.groups);
  const matched = [...new Set(groups.filter((group) => member.has(group)))];
  if (matched.length > 0) return { pass: true, reasons: [], data: { matched } };
  return { pass: false, reasons: ['user-not-allowed'], data: { matched: [] } };
}
