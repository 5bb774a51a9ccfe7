import type { ToolParser } from '../types.ts';
import { aptHistoryLog } from './apt-history-log.ts';
import { aptListUpgradable } from './apt-list-upgradable.ts';
import { bitdefenderBduitoolGetPs } from './bitdefender-bduitool-get-ps.ts';
import { carbonblackRepcliStatus } from './carbonblack-repcli-status.ts';
import { clamscan } from './clamscan.ts';
import { cortexXdrCytoolRuntimeQuery } from './cortex-xdr-cytool-runtime-query.ts';
import { cryptsetupStatus } from './cryptsetup-status.ts';
import { dnfCheckUpdate } from './dnf-check-update.ts';
import { dnfHistoryList } from './dnf-history-list.ts';
import { falconKernelCheck } from './falcon-kernel-check.ts';
import { falconctlG } from './falconctl-g.ts';
import { firewallCmdState } from './firewall-cmd-state.ts';
import { gsettingsGet } from './gsettings-get.ts';
import { gsettingsListRecursively } from './gsettings-list-recursively.ts';
import { lsblkJson } from './lsblk-json.ts';
import { mdatpHealthJson } from './mdatp-health-json.ts';
import { nftJsonListRuleset } from './nft-json-list-ruleset.ts';
import { nftListRuleset } from './nft-list-ruleset.ts';
import { sentinelctlStatus } from './sentinelctl-status.ts';
import { systemctlStatusFalconSensor } from './systemctl-status-falcon-sensor.ts';
import { systemctlStatusFirewalld } from './systemctl-status-firewalld.ts';
import { ufwStatus } from './ufw-status.ts';
import { ufwStatusVerbose } from './ufw-status-verbose.ts';
import { veracryptListVerbose } from './veracrypt-list-verbose.ts';

/**
 * Parsers of linux tools, by tool id (DESIGN.md §5). The last five ids are additions for EDR
 * and encryption tools whose real outputs are in the shared fixtures: Bitdefender, Carbon Black,
 * Cortex XDR, CrowdStrike's kernel check and VeraCrypt.
 */
export const LINUX_PARSERS: readonly ToolParser[] = [
  cryptsetupStatus,
  lsblkJson,
  aptHistoryLog,
  aptListUpgradable,
  dnfCheckUpdate,
  dnfHistoryList,
  ufwStatus,
  ufwStatusVerbose,
  nftListRuleset,
  nftJsonListRuleset,
  firewallCmdState,
  systemctlStatusFirewalld,
  systemctlStatusFalconSensor,
  falconctlG,
  gsettingsGet,
  gsettingsListRecursively,
  mdatpHealthJson,
  sentinelctlStatus,
  clamscan,
  bitdefenderBduitoolGetPs,
  carbonblackRepcliStatus,
  cortexXdrCytoolRuntimeQuery,
  falconKernelCheck,
  veracryptListVerbose,
];
