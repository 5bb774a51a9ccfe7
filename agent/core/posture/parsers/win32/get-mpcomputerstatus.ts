/**
 * `Get-MpComputerStatus` (Microsoft Defender Antivirus), the default list view. Defender counts as
 * running only when it actively protects: AMServiceEnabled, AntivirusEnabled and
 * RealTimeProtectionEnabled all True and AMRunningMode "Normal" (absent on old builds). In
 * "Passive Mode", "SxS Passive Mode" or "EDR Block Mode" another antivirus is primary and Defender
 * does not scan in real time, so it is listed as not running, with the mode as the reason.
 * Error 0x800106ba is "the Defender service is not running" (seen when it is disabled or removed).
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { readFormatList } from './format-list.ts';
import { compact, findError, parseBool, parseCount, windowsLines } from './text.ts';

const SERVICE_NOT_RUNNING = '0x800106ba';
/** Ages Defender prints for "never" (UInt32 and UInt16 max). */
const NEVER = new Set([4_294_967_295, 65_535]);

type Mode = 'active' | 'passive-mode' | 'sxs-passive-mode' | 'edr-block-mode' | 'running-mode-unrecognised';

function modeOf(value: string | undefined): Mode | undefined {
  if (value === undefined || value === '') return undefined;
  const lower = value.toLowerCase();
  if (lower === 'normal') return 'active';
  if (lower.includes('edr')) return 'edr-block-mode';
  if (lower.includes('sxs')) return 'sxs-passive-mode';
  if (lower.includes('passive')) return 'passive-mode';
  return 'running-mode-unrecognised';
}

function age(value: string | undefined): number | 'never' | undefined {
  const days = parseCount(value);
  return days !== undefined && NEVER.has(days) ? 'never' : days;
}

function summary(mode: string | undefined, facts: { rtp: boolean | undefined; tamper: boolean | undefined; signatureAge: number | 'never' | undefined }): string {
  const parts = [`running mode ${mode ?? 'not shown'}`];
  if (facts.rtp !== undefined) parts.push(`real-time protection ${facts.rtp ? 'on' : 'off'}`);
  if (facts.tamper !== undefined) parts.push(`tamper protection ${facts.tamper ? 'on' : 'off'}`);
  if (facts.signatureAge === 'never') parts.push('signatures never updated');
  else if (facts.signatureAge !== undefined) parts.push(`signatures ${facts.signatureAge} day(s) old`);
  return parts.join(', ');
}

export function parseGetMpComputerStatus(text: string): ToolFacts {
  const lines = windowsLines(text);
  const record = readFormatList(lines).find((candidate) => candidate.has('amserviceenabled') || candidate.has('antivirusenabled'));
  if (record === undefined) {
    const error = findError(lines);
    if (lines.some((line) => line.toLowerCase().includes(SERVICE_NOT_RUNNING))) {
      return {
        edr: [{ vendor: 'defender', running: false, detail: 'Defender service not running (0x800106ba)' }],
        detail: compact({ reason: 'service-not-running', error }),
      };
    }
    return { detail: compact({ reason: 'no-status', error }) };
  }
  const service = parseBool(record.get('amserviceenabled'));
  const antivirus = parseBool(record.get('antivirusenabled'));
  const rtp = parseBool(record.get('realtimeprotectionenabled'));
  const tamper = parseBool(record.get('istamperprotected'));
  const runningMode = record.get('amrunningmode') || undefined;
  const mode = modeOf(runningMode);
  const reasons: string[] = [];
  if (service !== true) reasons.push(service === false ? 'service-disabled' : 'service-state-not-shown');
  if (antivirus !== true) reasons.push(antivirus === false ? 'antivirus-disabled' : 'antivirus-state-not-shown');
  if (rtp !== true) reasons.push(rtp === false ? 'real-time-protection-off' : 'real-time-protection-not-shown');
  if (mode !== undefined && mode !== 'active') reasons.push(mode);
  const warnings: string[] = [];
  if (tamper === false) warnings.push('tamper-protection-off');
  if (parseBool(record.get('defendersignaturesoutofdate')) === true) warnings.push('signatures-out-of-date');
  if (parseBool(record.get('rebootrequired')) === true) warnings.push('reboot-required');
  const signatureAge = age(record.get('antivirussignatureage'));
  return {
    edr: [{ vendor: 'defender', running: reasons.length === 0, detail: summary(runningMode, { rtp, tamper, signatureAge }) }],
    detail: compact({
      reasons: reasons.length > 0 ? reasons : undefined,
      warnings: warnings.length > 0 ? warnings : undefined,
      amRunningMode: runningMode,
      amServiceEnabled: service,
      antivirusEnabled: antivirus,
      antispywareEnabled: parseBool(record.get('antispywareenabled')),
      realTimeProtectionEnabled: rtp,
      behaviorMonitorEnabled: parseBool(record.get('behaviormonitorenabled')),
      isTamperProtected: tamper,
      antivirusSignatureAge: signatureAge,
      antispywareSignatureAge: age(record.get('antispywaresignatureage')),
      antivirusSignatureLastUpdated: record.get('antivirussignaturelastupdated') || undefined,
      antivirusSignatureVersion: record.get('antivirussignatureversion') || undefined,
      amProductVersion: record.get('amproductversion') || undefined,
      amEngineVersion: record.get('amengineversion') || undefined,
      quickScanAge: age(record.get('quickscanage')),
      fullScanAge: age(record.get('fullscanage')),
    }),
  };
}

export const getMpComputerStatus: ToolParser = {
  id: 'get-mpcomputerstatus',
  platform: 'win32',
  command: 'Get-MpComputerStatus',
  parse: parseGetMpComputerStatus,
};
