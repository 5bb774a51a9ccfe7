/**
 * Response objects of the API, built field by field from store records: nothing reaches a
 * response because a record happened to carry it (OWASP API3:2023). The response schemas in
 * schemas.ts drop anything else a second time.
 */
import { isReason, REASONS } from '../../shared/reasons.ts';
import { POSTURE_CHECKS, type PostureReport } from '../../shared/posture/report.ts';
import type { AuditEvent, Device, PostureRecord, SessionRecord } from '../store/index.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Drops undefined members, so optional fields are absent rather than null. */
function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function deviceView(d: Device): Record<string, unknown> {
  return compact({
    id: d.id,
    user: d.user,
    hostname: d.hostname,
    status: d.status,
    createdAt: iso(d.createdAt),
    lastSeenAt: d.lastSeenAt === undefined ? undefined : iso(d.lastSeenAt),
    revokedAt: d.revokedAt === undefined ? undefined : iso(d.revokedAt),
    certSerial: d.certSerial,
    certNotAfter: iso(d.certNotAfter),
    certFingerprint: d.certFingerprint,
  });
}

/** A device as its own user sees it: no certificate serial or fingerprint. */
export function myDeviceView(d: Device, current: boolean): Record<string, unknown> {
  return compact({
    id: d.id,
    hostname: d.hostname,
    status: d.status,
    current,
    createdAt: iso(d.createdAt),
    lastSeenAt: d.lastSeenAt === undefined ? undefined : iso(d.lastSeenAt),
    revokedAt: d.revokedAt === undefined ? undefined : iso(d.revokedAt),
    certNotAfter: iso(d.certNotAfter),
  });
}

export function sessionView(s: SessionRecord): Record<string, unknown> {
  return { user: s.user, method: s.method, groups: [...s.groups], amr: [...s.amr], authTime: iso(s.authTime), createdAt: iso(s.createdAt), expiresAt: iso(s.maxExpiresAt) };
}

type Check = { status?: unknown; detail?: unknown };

function checkOf(report: Record<string, unknown>, name: string): Check {
  const value = report[name];
  return typeof value === 'object' && value !== null ? (value as Check) : {};
}

function statusOf(check: Check): 'pass' | 'fail' | 'unknown' {
  return check.status === 'pass' || check.status === 'fail' ? check.status : 'unknown';
}

/** The checklist of a report: each check, its state and the agent's detail text. */
export function postureView(record: PostureRecord): Record<string, unknown> {
  const report = record.report as Partial<PostureReport> & Record<string, unknown>;
  return compact({
    receivedAt: iso(record.receivedAt),
    collectedAt: typeof report.collectedAt === 'string' ? report.collectedAt : undefined,
    agentVersion: typeof report.agentVersion === 'string' ? report.agentVersion : undefined,
    platform: typeof report.os?.platform === 'string' ? report.os.platform : undefined,
    osVersion: typeof report.os?.version === 'string' ? report.os.version : undefined,
    checks: POSTURE_CHECKS.map((name) => {
      const check = checkOf(report, name);
      return compact({ check: name, status: statusOf(check), detail: typeof check.detail === 'string' ? check.detail.slice(0, 500) : undefined });
    }),
  });
}

/** One line of posture history: when, and each check's state. */
export function postureSummaryView(record: PostureRecord): Record<string, unknown> {
  const report = record.report;
  return compact({
    receivedAt: iso(record.receivedAt),
    collectedAt: typeof report.collectedAt === 'string' ? report.collectedAt : undefined,
    checks: Object.fromEntries(POSTURE_CHECKS.map((name) => [name, statusOf(checkOf(report, name))])),
  });
}

/** The remediation texts of the catalogue for `reasons` (unknown reasons have none). */
export function remediationOf(reasons: readonly string[]): string[] {
  return reasons.filter(isReason).map((reason) => REASONS[reason].remediation);
}

/** A denial or reset from the audit trail, with what to tell the user. */
export function decisionView(e: AuditEvent): Record<string, unknown> {
  const reasons = e.reasons ?? [];
  const code = e.detail?.code;
  const trigger = e.detail?.trigger;
  return compact({
    id: e.id,
    time: iso(e.time),
    type: e.type,
    user: e.user,
    device: e.device,
    app: e.app,
    code: typeof code === 'string' ? code : undefined,
    trigger: typeof trigger === 'string' ? trigger : undefined,
    reasons: [...reasons],
    remediation: remediationOf(reasons),
  });
}

export function auditView(e: AuditEvent): Record<string, unknown> {
  return compact({
    id: e.id,
    time: iso(e.time),
    type: e.type,
    user: e.user,
    device: e.device,
    app: e.app,
    source: e.source,
    decision: e.decision,
    reasons: e.reasons === undefined ? undefined : [...e.reasons],
    detail: e.detail,
  });
}
