/** `allow: [{ users: [...] }]`: admits listed user ids, exactly as an app's `users` does. */

import type { CriterionResult, DecisionIdentity } from '../types.ts';

/** Passes when the identity's user id is one of `users` (exact, case-sensitive). */
export function checkUsers(identity: DecisionIdentity, users: readonly string[]): CriterionResult {
  if (users.includes(identity.user)) return { pass: true, reasons: [], data: { matched: identity.user } };
  return { pass: false, reasons: ['user-not-allowed'], data: { matched: null } };
}
