/**
 * The apps this device may reach and each one's verdict right now (`GET /v1/me/apps`, as
 * `zerogate apps` reads it). The proxy's answer is input like any other: read defensively.
 * (The CLI has the same reader in agent/cli/main.ts; both belong in agent/core.)
 */
import { parseJsonResponse, proxyRequest } from '../../core/http/request.ts';
import type { DeviceCredentials } from '../../core/state/index.ts';
import { isReason, REASONS } from '../../../shared/reasons.ts';

export interface AppVerdict {
  id: string;
  name: string;
  protocol: string;
  allowed: boolean;
  reasons: string[];
  remediation: string[];
  reportOnly: boolean;
}

const MAX_TEXT = 1_000;
const MAX_APPS = 500;

function text(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, MAX_TEXT) : fallback;
}

function texts(value: unknown): string[] {
  return (Array.isArray(value) ? value : []).filter((v): v is string => typeof v === 'string').slice(0, 32).map((v) => text(v));
}

/** One app of the answer, or undefined when it is not one. */
export function appVerdict(value: unknown): AppVerdict | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const app = value as Record<string, unknown>;
  if (typeof app.id !== 'string' || typeof app.allowed !== 'boolean') return undefined;
  const reasons = texts(app.reasons);
  const given = texts(app.remediation);
  // Older proxies send no remediation: the catalogue has the same words.
  const remediation = given.length > 0 ? given : [...new Set(reasons.filter(isReason).map((r) => REASONS[r].remediation))];
  return { id: text(app.id), name: text(app.name, text(app.id)), protocol: text(app.protocol), allowed: app.allowed, reasons, remediation, reportOnly: app.reportOnly === true };
}

export async function fetchApps(creds: DeviceCredentials, bearer: string | undefined): Promise<AppVerdict[]> {
  const response = await proxyRequest(new URL('/v1/me/apps', creds.enrollment.proxyUrl), {
    tls: { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem },
    bearer,
  });
  const { apps } = parseJsonResponse<{ apps?: unknown }>(response, 'the app list');
  return (Array.isArray(apps) ? apps.slice(0, MAX_APPS) : []).map(appVerdict).filter((a): a is AppVerdict => a !== undefined);
}
