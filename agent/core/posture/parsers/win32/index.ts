import type { ToolParser } from '../types.ts';
import { getBitLockerVolumeFl } from './get-bitlockervolume-fl.ts';
import { getHotFix } from './get-hotfix.ts';
import { getMpComputerStatus } from './get-mpcomputerstatus.ts';
import { manageBdeStatus } from './manage-bde-status.ts';
import { netshAdvfirewall } from './netsh-advfirewall.ts';
import { regQueryScreensaver } from './reg-query-screensaver.ts';
import { systeminfo } from './systeminfo.ts';
import { wmicQfe } from './wmic-qfe.ts';

/** Parsers of win32 tools, by tool id (DESIGN.md §5). */
export const WIN32_PARSERS: readonly ToolParser[] = [
  manageBdeStatus,
  getBitLockerVolumeFl,
  getMpComputerStatus,
  getHotFix,
  systeminfo,
  wmicQfe,
  netshAdvfirewall,
  regQueryScreensaver,
];
