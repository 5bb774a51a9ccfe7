/**
 * The apps this device may reach and each one's verdict right now (`GET /v1/me/apps`), for
 * `zerogate apps` and the desktop window. The proxy's answer is input like any other: read
 * defensively (types checked, control characters stripped, lengths and counts capped).
 */
import { isReason, REASONS } from '../../../shared/reasons.ts';
import { endpointsFor, type ProxyEndpoints } from '../http/endpoints.ts';
import { parseJsonResponse, proxyRequest } from '../http/request.ts';
import { proxyUrlsOf, type DeviceCredentials } from '../state/index.ts';

export interface AppVerdict {
  id: string;
  name: string;
  protocol: string;
  allowed: boolean;
  reasons: string[];
  /** What to do about each reason: the proxy's words, or (older proxies) the reason catalogue's. */
  remediation: string[];
  /** Allowed only because the policy is in report-only mode: it would deny for `reasons`. */
  reportOnly: boolean;
}

/** Longest text kept from the proxy's answer, and most apps and reasons read. */
export const MAX_APP_TEXT = 1_000;
export const MAX_APPS = 500;
const MAX_REASONS = 32;

function text(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, MAX_APP_TEXT) : fallback;
}

function texts(value: unknown): string[] {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  return list.filter((item): item is string => typeof item === 'string').slice(0, MAX_REASONS).map((item) => text(item));
}

/** One app of the answer, or undefined when it is not one. */
export function appVerdict(value: unknown): AppVerdict | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const app = value as Record<string, unknown>;
  if (typeof app.id !== 'string' || typeof app.allowed !== 'boolean') return undefined;
  const reasons = texts(app.reasons);
  const given = texts(app.remediation);
  const remediation = given.length > 0 ? given : [...new Set(reasons.filter(isReason).map((r) => REASONS[r].remediation))];
  return { id: text(app.id), name: text(app.name, text(app.id)), protocol: text(app.protocol), allowed: app.allowed, reasons, remediation, reportOnly: app.reportOnly === true };
}

/**
 * Asks the proxy (device certificate + session token) for every app's verdict, at the node in
 * use among `endpoints` and failing over to the next (docs/failover.md). Pass the agent's
 * endpoints (those of its tunnel and session keeper) so all three agree on the node; the default
 * is the enrolment's shared instance, which is the same object in an agent that did not choose.
 */
export async function fetchApps(creds: DeviceCredentials, bearer: string | undefined, endpoints: ProxyEndpoints = endpointsFor(proxyUrlsOf(creds.enrollment))): Promise<AppVerdict[]> {
  const response = await proxyRequest(new URL('/v1/me/apps', endpoints.origins[0]), {
    tls: { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem },
    bearer,
    endpoints,
  });
  const { apps } = parseJsonResponse<{ apps?: unknown }>(response, 'the app list');
  return (Array.isArray(apps) ? apps.slice(0, MAX_APPS) : []).map(appVerdict).filter((a): a is AppVerdict => a !== undefined);
}
