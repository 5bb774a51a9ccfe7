/**
 * `require.posture.screenLock`: automatic screen lock is on (the check passes), and with
 * `{ maxTimeout }` it locks within that time. With a maximum, an unknown timeout fails closed.
 */

import type { PostureReport } from '../../../shared/posture/report.ts';
import type { CriterionResult } from '../types.ts';

export type ScreenLockRequirement = true | { maxTimeoutMs: number };

export function checkScreenLock(report: PostureReport, requirement: ScreenLockRequirement): CriterionResult {
  const { status, timeoutSeconds } = report.screenLock;
  const timeout = typeof timeoutSeconds === 'number' && Number.isFinite(timeoutSeconds) && timeoutSeconds >= 0 ? timeoutSeconds : null;
  const maxTimeoutSeconds = requirement === true ? null : Math.floor(requirement.maxTimeoutMs / 1000);
  const data = { status: String(status), timeoutSeconds: timeout, maxTimeoutSeconds };
  const pass = status === 'pass' && (maxTimeoutSeconds === null || (timeout !== null && timeout <= maxTimeoutSeconds));
  return pass ? { pass: true, reasons: [], data } : { pass: false, reasons: ['screen-lock-off'], data };
}
