/**
 * `require.maxAuthAge`: the user authenticated (`auth_time`) at most that long ago. An unknown
 * or non-numeric time fails closed; a time slightly in the future (clock skew) counts as now.
 */

import type { CriterionResult, DecisionIdentity } from '../types.ts';

export function checkMaxAuthAge(identity: DecisionIdentity, now: number, maxAuthAgeMs: number): CriterionResult {
  const known = Number.isFinite(identity.authTime) && Number.isFinite(now);
  const authAgeMs = known ? Math.max(0, now - identity.authTime) : null;
  const data = { authAgeMs, maxAuthAgeMs };
  if (authAgeMs !== null && authAgeMs <= maxAuthAgeMs) return { pass: true, reasons: [], data };
  return { pass: false, reasons: ['auth-too-old'], data };
}
