/**
 * A device as the helpdesk sees it (DESIGN.md §3): its record, the latest posture checklist and
 * history, each app's verdict right now, and the recent decisions with what to tell the user.
 */
import { parsePostureReport } from '../../shared/posture/validate.ts';
import type { AppConfig, PolicyConfig } from '../config/index.ts';
import type { SessionClaims } from '../identity/index.ts';
import type { ProxyMetrics } from '../metrics/index.ts';
import type { Device, PostureRecord, SessionRecord, Store } from '../store/index.ts';
import { decideAccess, type PostureState } from '../tunnel/access.ts';
import { DECISIONS_IN_DETAIL, POSTURE_HISTORY_IN_DETAIL } from './limits.ts';
import { decisionView, deviceView, myDeviceView, postureSummaryView, postureView, remediationOf, sessionView } from './views.ts';

export interface DetailDeps {
  store: Store;
  metrics: ProxyMetrics;
  apps: () => ReadonlyMap<string, AppConfig>;
  policies: () => Readonly<Record<string, PolicyConfig>>;
}

/**
 * Verdicts are decided as a stream open would be now, with the device's latest posture and the
 * identity of its newest live session. The source address is unknown outside a tunnel: the
 * device's own is not kept, so a `sourceCidrs` criterion is judged against `0.0.0.0` (fails:
 * the helpdesk sees `source-not-allowed` for such apps, which is the honest answer off-network).
 */
export async function deviceDetail(deps: DetailDeps, device: Device, now = Date.now()): Promise<Record<string, unknown>> {
  const { store } = deps;
  const [latest, history, session, decisions] = await Promise.all([
    store.latestPosture(device.id),
    store.postureHistory(device.id, POSTURE_HISTORY_IN_DETAIL),
    store.latestSessionOfDevice(device.id),
    store.queryDecisions({ device: device.id, limit: DECISIONS_IN_DETAIL }),
  ]);
  const live = liveSession(session, now);
  return {
    device: deviceView(device),
    ...(live === undefined ? {} : { session: sessionView(live) }),
    ...(latest === undefined ? {} : { posture: postureView(latest) }),
    postureHistory: history.map(postureSummaryView),
    verdicts: verdictsOf(deps, device, latest, live, now),
    decisions: decisions.map(decisionView),
  };
}

/**
 * A device as its own user sees it (`/v1/me/devices`): the record without certificate
 * internals, the latest posture checklist, optionally the posture history, and each app's
 * verdict with the remediation; no session details (groups), no audit events.
 */
export async function myDeviceDetail(deps: DetailDeps, device: Device, options: { history: boolean; current: boolean }, now = Date.now()): Promise<Record<string, unknown>> {
  const { store } = deps;
  const [latest, history, session] = await Promise.all([
    store.latestPosture(device.id),
    options.history ? store.postureHistory(device.id, POSTURE_HISTORY_IN_DETAIL) : Promise.resolve([]),
    store.latestSessionOfDevice(device.id),
  ]);
  const live = liveSession(session, now);
  return {
    device: myDeviceView(device, options.current),
    ...(latest === undefined ? {} : { posture: postureView(latest) }),
    ...(options.history ? { postureHistory: history.map(postureSummaryView) } : {}),
    verdicts: verdictsOf(deps, device, latest, live, now),
  };
}

/** The latest posture record of a device, parsed for the evaluator; undefined when absent or unreadable. */
export function postureStateOf(latest: PostureRecord | undefined): PostureState | undefined {
  if (latest === undefined) return undefined;
  try {
    return { report: parsePostureReport(latest.report), receivedAt: latest.receivedAt };
  } catch {
    return undefined;
  }
}

function liveSession(session: SessionRecord | undefined, now: number): SessionRecord | undefined {
  return session !== undefined && session.revokedAt === undefined && now < session.maxExpiresAt ? session : undefined;
}

function verdictsOf(deps: DetailDeps, device: Device, latest: PostureRecord | undefined, live: SessionRecord | undefined, now: number): Record<string, unknown>[] {
  const posture = postureStateOf(latest);
  const identity = { claims: claimsOf(live ?? syntheticSession(device, now)), session: live ?? syntheticSession(device, now) };
  const subject = { identity, deviceId: device.id, posture, source: '0.0.0.0' };
  return [...deps.apps().values()].map((app) => {
    // A preview, not an access: not counted in the decision metrics.
    const decision = decideAccess(app, deps.policies(), subject, deps.metrics, now, 'none');
    // Without a live session or with the device revoked, nothing is reachable whatever the policy says.
    const blockers = [...(device.status === 'revoked' ? ['device-revoked'] : []), ...(live === undefined ? ['user-unauthenticated'] : [])];
    const reasons = [...new Set([...blockers, ...decision.reasons])];
    const allowed = blockers.length === 0 && decision.allow;
    return {
      app: app.id,
      name: app.name,
      allowed,
      ...(allowed && decision.wouldDeny === true ? { reportOnly: true } : {}),
      reasons,
      remediation: remediationOf(reasons),
    };
  });
}

/** A session-less identity (the device's user, no groups, no MFA) to judge posture criteria. */
function syntheticSession(device: Device, now: number): SessionRecord {
  return {
    id: '',
    user: device.user,
    deviceId: device.id,
    method: 'token',
    groups: [],
    amr: [],
    acr: undefined,
    authTime: now,
    createdAt: now,
    maxExpiresAt: now,
    tokenExpiresAt: now,
    revokedAt: undefined,
  };
}

function claimsOf(s: SessionRecord): SessionClaims {
  return { sid: s.id, user: s.user, deviceId: s.deviceId, groups: s.groups, amr: s.amr, acr: s.acr, authTime: s.authTime, expiresAt: s.tokenExpiresAt, certThumbprint: '' };
}
