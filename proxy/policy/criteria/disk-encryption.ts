/**
 * `require.posture.diskEncryption: true`: the report's disk encryption check passes. `fail` and
 * `unknown` both deny (the agent already counts suspended, in-progress and pending encryption as
 * not encrypted, DESIGN.md §5).
 */

import type { PostureReport } from '../../../shared/posture/report.ts';
import type { CriterionResult } from '../types.ts';

/** Most volumes echoed into decision data. */
const MAX_VOLUMES = 16;

export function checkDiskEncryption(report: PostureReport): CriterionResult {
  const { status, volumes } = report.diskEncryption;
  const data = {
    status: String(status),
    volumes: volumes.slice(0, MAX_VOLUMES).map((volume) => ({ volume: String(volume.volume).slice(0, 64), state: String(volume.state) })),
  };
  return status === 'pass' ? { pass: true, reasons: [], data } : { pass: false, reasons: ['disk-unencrypted'], data };
}
