import type { ToolParser } from '../types.ts';
import { defaultsReadAlfGlobalstateParser } from './defaults-read-alf-globalstate.ts';
import { diskutilApfsListPlistParser } from './diskutil-apfs-list-plist.ts';
import { falconctlStatsParser } from './falconctl-stats.ts';
import { fdesetupStatusParser } from './fdesetup-status.ts';
import { mdatpHealthFieldParser } from './mdatp-health-field.ts';
import { mdmclientQuerySecurityInfoParser } from './mdmclient-query-security-info.ts';
import { profilesStatusEnrollmentParser } from './profiles-status-enrollment.ts';
import { sentinelctlVersionParser } from './sentinelctl-version.ts';
import { socketfilterfwParser } from './socketfilterfw.ts';
import { softwareupdateHistoryParser } from './softwareupdate-history.ts';
import { softwareupdateListParser } from './softwareupdate-list.ts';
import { sysadminctlScreenlockParser } from './sysadminctl-screenlock.ts';

/**
 * Parsers of darwin tools, by tool id (DESIGN.md §5). The tools whose output is the same on
 * Linux and macOS (`mdatp-health-json`, `sentinelctl-status`, `carbonblack-repcli-status`,
 * `cortex-xdr-cytool-runtime-query`) are registered once, by the linux parsers, which also read
 * the macOS variants.
 */
export const DARWIN_PARSERS: readonly ToolParser[] = [
  defaultsReadAlfGlobalstateParser,
  diskutilApfsListPlistParser,
  falconctlStatsParser,
  fdesetupStatusParser,
  mdatpHealthFieldParser,
  mdmclientQuerySecurityInfoParser,
  profilesStatusEnrollmentParser,
  sentinelctlVersionParser,
  socketfilterfwParser,
  softwareupdateHistoryParser,
  softwareupdateListParser,
  sysadminctlScreenlockParser,
];

export { parseDefaultsReadAlfGlobalstate } from './defaults-read-alf-globalstate.ts';
export { parseDiskutilApfsListPlist } from './diskutil-apfs-list-plist.ts';
export { parseFalconctlStats } from './falconctl-stats.ts';
export { parseFdesetupStatus } from './fdesetup-status.ts';
export { parseMdatpHealthField } from './mdatp-health-field.ts';
export { parseMdmclientQuerySecurityInfo } from './mdmclient-query-security-info.ts';
export { parseProfilesStatusEnrollment } from './profiles-status-enrollment.ts';
export { parseSentinelctlVersion } from './sentinelctl-version.ts';
export { parseSocketfilterfw } from './socketfilterfw.ts';
export { parseSoftwareupdateHistory } from './softwareupdate-history.ts';
export { parseSoftwareupdateList } from './softwareupdate-list.ts';
export { parseSysadminctlScreenlock } from './sysadminctl-screenlock.ts';
