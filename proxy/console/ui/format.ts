/** Display helpers: pure, so the same value always reads the same way. */
import type { CheckStatus } from '../../../shared/posture/report.ts';

const pad = (n: number): string => String(n).padStart(2, '0');

/** `2025-03-01 14:05:09` in the browser's time zone; anything unparseable is shown as given. */
export function formatTime(iso: string | undefined): string {
  if (iso === undefined || iso === '') return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const CHECK_LABELS: Record<string, string> = {
  os: 'Operating system version',
  patch: 'Security updates',
  diskEncryption: 'Disk encryption',
  edr: 'Endpoint security',
  firewall: 'Firewall',
  screenLock: 'Screen lock',
};

export function checkLabel(check: string): string {
  return CHECK_LABELS[check] ?? check;
}

/** Status as text and a symbol: colour is never the only signal. */
export function statusText(status: CheckStatus): { symbol: string; text: string } {
  if (status === 'pass') return { symbol: '✓', text: 'pass' };
  if (status === 'fail') return { symbol: '✗', text: 'fail' };
  return { symbol: '?', text: 'unknown' };
}

/** Splits a comma- or newline-separated list typed by a person. */
export function splitList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((s) => s.trim()).filter((s) => s !== ''))];
}

/** Unique texts in first-seen order (remediation of several apps often repeats). */
export function unique(texts: readonly string[]): string[] {
  return [...new Set(texts)];
}

/** A JSON object from the policy editor's text, or where it is broken. */
export function parsePolicyText(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'a policy is a JSON object: { "allow": [...], "require": {...} }' };
  return { ok: true, value: value as Record<string, unknown> };
}
