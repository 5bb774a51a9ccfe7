/**
 * A posture report in plain words, one line per check, with what to do about a failing one: the
 * same remediation texts the proxy sends with its refusals (shared/reasons.ts).
 */
import type { CheckStatus, PostureCheckName, PostureReport } from '../../../shared/posture/index.ts';
import { POSTURE_CHECKS } from '../../../shared/posture/index.ts';
import { REASONS, type Reason } from '../../../shared/reasons.ts';
import { edrProductName } from './collect/edr.ts';

export interface ChecklistItem {
  check: PostureCheckName;
  status: CheckStatus;
  /** One line: "Disk encryption: off (/)". */
  summary: string;
  /** What to do, for a failing check; undefined otherwise. */
  remediation: string | undefined;
}

/** Each check's name for people, and the refusal reason the proxy gives when it fails. */
export const CHECK_LABELS: Readonly<Record<PostureCheckName, { label: string; reason: Reason }>> = {
  os: { label: 'Operating system', reason: 'os-outdated' },
  patch: { label: 'Updates', reason: 'patch-outdated' },
  diskEncryption: { label: 'Disk encryption', reason: 'disk-unencrypted' },
  edr: { label: 'Endpoint security', reason: 'edr-missing' },
  firewall: { label: 'Firewall', reason: 'firewall-off' },
  screenLock: { label: 'Screen lock', reason: 'screen-lock-off' },
};

const DAY_MS = 86_400_000;

function duration(seconds: number): string {
  if (seconds === 0) return 'at once';
  if (seconds < 60) return `after ${seconds} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `after ${minutes} min` : `after ${Math.round((seconds / 3600) * 10) / 10} h`;
}

function day(iso: string, collectedAt: string): string {
  const at = Date.parse(iso);
  const days = Math.floor((Date.parse(collectedAt) - at) / DAY_MS);
  const when = Number.isFinite(days) && days >= 0 ? ` (${days === 0 ? 'today' : days === 1 ? '1 day ago' : `${days} days ago`})` : '';
  return `${iso.slice(0, 10)}${when}`;
}

/** What the check found, in words, for a pass or a fail. */
function finding(check: PostureCheckName, report: PostureReport): string {
  const status = report[check].status;
  switch (check) {
    case 'os': {
      const { name, version, build, kernel, platform } = report.os;
      const words = [name ?? platform, version, build === undefined ? undefined : `build ${build}`].filter((w) => w !== undefined).join(' ');
      const text = platform === 'linux' && kernel !== undefined ? `${words} (kernel ${kernel})` : words;
      return status === 'fail' ? `${text}: out of date` : text;
    }
    case 'patch': {
      const { lastUpdateAt, pendingSecurityUpdates } = report.patch;
      const parts: string[] = [];
      if (lastUpdateAt !== undefined) parts.push(`last installed ${day(lastUpdateAt, report.collectedAt)}`);
      if (pendingSecurityUpdates !== undefined) {
        parts.push(pendingSecurityUpdates === 0 ? 'no security updates pending' : `${pendingSecurityUpdates} security update${pendingSecurityUpdates === 1 ? '' : 's'} pending`);
      }
      const text = parts.join(', ');
      return status === 'fail' ? `out of date${text === '' ? '' : `: ${text}`}` : text === '' ? 'up to date' : text;
    }
    case 'diskEncryption': {
      const volumes = report.diskEncryption.volumes;
      const names = (state: 'on' | 'off') => volumes.filter((v) => v.state === state).map((v) => (v.method === undefined ? v.volume : `${v.volume} ${v.method}`));
      if (status === 'pass') return `on${volumes.length > 0 ? ` (${names('on').join(', ')})` : ''}`;
      const off = names('off');
      return `off${off.length > 0 ? ` (${off.join(', ')})` : ''}`;
    }
    case 'edr': {
      const running = report.edr.agents.filter((a) => a.running).map((a) => edrProductName(a.vendor));
      if (status === 'pass') return `${running.join(', ')} running`;
      const stopped = report.edr.agents.filter((a) => !a.running).map((a) => edrProductName(a.vendor));
      return stopped.length > 0 ? `${stopped.join(', ')} not running` : 'none running';
    }
    case 'firewall':
      return status === 'pass' ? 'on' : 'off';
    case 'screenLock': {
      const { timeoutSeconds } = report.screenLock;
      if (status === 'fail') return 'off';
      return timeoutSeconds === undefined ? 'on' : `on, ${duration(timeoutSeconds)}`;
    }
  }
}

/** The report as a checklist, in the order of POSTURE_CHECKS. */
export function postureChecklist(report: PostureReport): ChecklistItem[] {
  return POSTURE_CHECKS.map((check) => {
    const { label, reason } = CHECK_LABELS[check];
    const { status, detail } = report[check];
    if (status === 'unknown') {
      return { check, status, summary: `${label}: could not be checked: ${detail ?? 'no detail'}`, remediation: undefined };
    }
    return { check, status, summary: `${label}: ${finding(check, report)}`, remediation: status === 'fail' ? REASONS[reason].remediation : undefined };
  });
}
