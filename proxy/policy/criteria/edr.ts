/**
 * `require.posture.edr: [vendors]`: at least one agent of a listed vendor is running. An agent
 * that is installed but not running does not count; the check's own status is not consulted.
 */

import type { PostureReport } from '../../../shared/posture/report.ts';
import type { CriterionResult } from '../types.ts';

/** Most running vendors echoed into decision data. */
const MAX_SHOWN = 16;

export function checkEdr(report: PostureReport, vendors: readonly string[]): CriterionResult {
  const running = [...new Set(report.edr.agents.filter((agent) => agent.running === true).map((agent) => String(agent.vendor).slice(0, 64)))];
  const matched = vendors.find((vendor) => running.includes(vendor)) ?? null;
  const data = { accepted: [...vendors], running: running.slice(0, MAX_SHOWN), matched };
  return matched !== null ? { pass: true, reasons: [], data } : { pass: false, reasons: ['edr-missing'], data };
}
