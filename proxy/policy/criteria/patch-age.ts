/**
 * `require.posture.maxPatchAgeDays`: the last installed update is at most that many days old and
 * no security update is pending. An unknown last update fails closed; an unknown pending count
 * does not fail on its own (most platforms cannot tell it: DESIGN.md §5 "where knowable").
 */

import type { PostureReport } from '../../../shared/posture/report.ts';
import type { CriterionResult } from '../types.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export function checkPatchAge(report: PostureReport, now: number, maxPatchAgeDays: number): CriterionResult {
  const { lastUpdateAt, pendingSecurityUpdates } = report.patch;
  const last = typeof lastUpdateAt === 'string' ? Date.parse(lastUpdateAt) : Number.NaN;
  const known = Number.isFinite(last) && Number.isFinite(now);
  // An update "in the future" (a clock off on the device) counts as installed now.
  const ageMs = known ? Math.max(0, now - last) : undefined;
  const pending = typeof pendingSecurityUpdates === 'number' && Number.isSafeInteger(pendingSecurityUpdates) && pendingSecurityUpdates >= 0 ? pendingSecurityUpdates : null;
  const data = {
    lastUpdateAt: known ? new Date(last).toISOString() : null,
    patchAgeDays: ageMs === undefined ? null : Math.floor(ageMs / DAY_MS),
    maxPatchAgeDays,
    pendingSecurityUpdates: pending,
  };
  const pass = ageMs !== undefined && ageMs <= maxPatchAgeDays * DAY_MS && (pending === null || pending === 0);
  return pass ? { pass: true, reasons: [], data } : { pass: false, reasons: ['patch-outdated'], data };
}
