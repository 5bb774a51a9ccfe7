/**
 * A device as the helpdesk sees it (DESIGN.md §3): its record, the latest posture checklist and
 * history, each app's verdict right now, and the recent decisions with what to tell the user.
 */
import { parsePostureReport } from '../../shared/posture/validate.ts';
import type { AppConfig, PolicyConfig } from '../config/index.ts';
import type { SessionClaims } from '../identity/index.ts';
import type { ProxyMetrics } from '../metrics/index.ts';
import type { Device, SessionRecord, Store } from '../store/index.ts';
import { decideAccess, type PostureState } from '../tunnel/access.ts';
import { DECISIONS_IN_DETAIL, POSTURE_HISTORY_IN_DETAIL } from './limits.ts';
import { decisionView, deviceView, postureSummaryView, postureView, remediationOf, sessionView } from './views.ts';

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
  let posture: PostureState | undefined;
  if (latest !== undefined) {
    try {
      posture = { report: parsePostureReport(latest.report), receivedAt: latest.receivedAt };
    } catch {
      posture = undefined;
    }
  }
  const live = session !== undefined && session.revokedAt === undefined && now < session.maxExpiresAt ? session : undefined;
  const identity = { claims: claimsOf(live ?? syntheticSession(device, now)), session: live ?? syntheticSession(device, now) };
  const subject = { identity, deviceId: device.id, posture, source: '0.0.0.0' };
  const verdicts = [...deps.apps().values()].map((app) => {
    // A preview for the helpdesk, not an access: not counted in the decision metrics.
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
  return {
    device: deviceView(device),
    ...(live === undefined ? {} : { session: sessionView(live) }),
    ...(latest === undefined ? {} : { posture: postureView(latest) }),
    postureHistory: history.map(postureSummaryView),
    verdicts,
    decisions: decisions.map(decisionView),
  };
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
