/**
 * `require.posture.maxAge`, and the gate of every posture criterion: a device with no report
 * fails with `posture-missing`, one whose latest report the proxy received longer ago than
 * `maxAge` with `posture-stale` (DESIGN.md §3). Age is measured on the proxy's clock
 * (`receivedAt`), never on the agent's `collectedAt`.
 */

import type { CriterionResult, DecisionPosture } from '../types.ts';

export function checkPostureMaxAge(posture: DecisionPosture | undefined, now: number, maxAgeMs: number): CriterionResult {
  if (posture === undefined) return { pass: false, reasons: ['posture-missing'], data: { postureAgeMs: null, maxAgeMs } };
  const known = Number.isFinite(posture.receivedAt) && Number.isFinite(now);
  // A report "from the future" (clock steps between proxy nodes) counts as just received.
  const postureAgeMs = known ? Math.max(0, now - posture.receivedAt) : null;
  const data = { postureAgeMs, maxAgeMs };
  if (postureAgeMs !== null && postureAgeMs <= maxAgeMs) return { pass: true, reasons: [], data };
  return { pass: false, reasons: ['posture-stale'], data };
}
