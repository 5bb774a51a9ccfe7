/** `require.posture.firewall: true`: the host firewall check passes (`unknown` denies). */

import type { PostureReport } from '../../../shared/posture/report.ts';
import type { CriterionResult } from '../types.ts';

export function checkFirewall(report: PostureReport): CriterionResult {
  const status = report.firewall.status;
  const data = { status: String(status) };
  return status === 'pass' ? { pass: true, reasons: [], data } : { pass: false, reasons: ['firewall-off'], data };
}
