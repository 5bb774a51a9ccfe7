/**
 * `require.posture.osMinVersion`: the OS is at least the platform's minimum, compared as dotted
 * numbers (`14.10` > `14.6`). On Linux the kernel release is compared (`6.1.0-18-amd64` as
 * `6.1.0`): distributions number their releases too differently for one minimum. A platform
 * without a minimum passes; a version that is absent or not a number fails closed, as does a
 * platform the policy language does not know when any minimum is set.
 */

import type { PostureReport } from '../../../shared/posture/report.ts';
import type { OsMinVersionConfig } from '../../config/index.ts';
import { isAtLeast, parseVersion } from '../version.ts';
import type { CriterionResult } from '../types.ts';

/** Longest reported version echoed into decision data. */
const MAX_SHOWN = 64;

const PLATFORMS = ['darwin', 'win32', 'linux'] as const;

export function checkOsMinVersion(report: PostureReport, minimums: OsMinVersionConfig): CriterionResult {
  const platform = String(report.os.platform);
  const field = platform === 'linux' ? 'kernel' : 'version';
  const reported = field === 'kernel' ? report.os.kernel : report.os.version;
  const actual = typeof reported === 'string' ? reported.slice(0, MAX_SHOWN) : null;
  const known = parseVersion(reported) !== undefined;
  const listed = PLATFORMS.find((name) => name === platform);
  if (listed === undefined) {
    const pass = PLATFORMS.every((name) => minimums[name] === undefined);
    const data = { platform: platform.slice(0, MAX_SHOWN), field, required: null, actual, known };
    return pass ? { pass: true, reasons: [], data } : { pass: false, reasons: ['os-outdated'], data };
  }
  const required = minimums[listed];
  if (required === undefined) return { pass: true, reasons: [], data: { platform, field, required: null, actual, known } };
  const atLeast = isAtLeast(reported, required);
  const data = { platform, field, required, actual, known };
  return atLeast === true ? { pass: true, reasons: [], data } : { pass: false, reasons: ['os-outdated'], data };
}
