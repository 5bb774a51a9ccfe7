/** Words for the window: states, times. */
import type { CheckStatus, DesktopState, Phase } from '../contract/index.ts';
import type { IconName } from './icons.tsx';

export const PHASE_TEXT: Record<Phase, { label: string; icon: IconName }> = {
  'signed-out': { label: 'Signed out', icon: 'off' },
  'signing-in': { label: 'Signing in', icon: 'wait' },
  connecting: { label: 'Connecting', icon: 'wait' },
  connected: { label: 'Connected', icon: 'ok' },
  blocked: { label: 'Blocked', icon: 'fail' },
};

export const CHECK_TEXT: Record<CheckStatus, { label: string; icon: IconName }> = {
  pass: { label: 'Passed', icon: 'ok' },
  fail: { label: 'Needs attention', icon: 'fail' },
  unknown: { label: 'Could not check', icon: 'unknown' },
};

/** "17:05" in the user's locale. */
export function clock(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** "Disk encryption: off (/)" -> "off (/)": the label is shown beside it. */
export function finding(summary: string, label: string): string {
  return summary.startsWith(`${label}: `) ? summary.slice(label.length + 2) : summary;
}

export function blockedNames(state: DesktopState): string[] {
  return (state.blocked?.apps ?? []).map((id) => state.apps.find((a) => a.id === id)?.name ?? id);
}
