/**
 * The enforcement point's side of a decision (DESIGN.md §1): builds the policy input from a
 * tunnel's identity, device posture and context, calls the pure evaluator, and counts it.
 */
import type { PostureReport } from '../../shared/posture/report.ts';
import type { AppConfig, PolicyConfig } from '../config/index.ts';
import type { SessionIdentity } from '../identity/index.ts';
import type { ProxyMetrics } from '../metrics/index.ts';
import { evaluate, type Decision } from '../policy/index.ts';

/** The latest posture of a device, as the proxy received it. */
export interface PostureState {
  report: PostureReport;
  /** ms since the epoch, the proxy's clock. */
  receivedAt: number;
}

export interface AccessSubject {
  identity: SessionIdentity;
  deviceId: string;
  posture: PostureState | undefined;
  source: string;
}

/**
 * Decides whether `subject` may use `app` now, timing it. `count` adds it to the decision
 * metrics: stream opens count every decision; re-evaluation passes count only the denials
 * (they run every REEVALUATE_INTERVAL_MS and would otherwise swamp the counter).
 */
export function decideAccess(
  app: AppConfig,
  policies: Readonly<Record<string, PolicyConfig>>,
  subject: AccessSubject,
  metrics: ProxyMetrics,
  now = Date.now(),
  count: 'all' | 'denials' | 'none' = 'all',
): Decision {
  const policy = app.policy === undefined ? undefined : policies[app.policy];
  const session = subject.identity.session;
  const started = process.hrtime.bigint();
  const decision = evaluate(
    {
      // A sign-in passed the identity layer's MFA check (identity.oidc.mfa: amr, acr or
      // enforcedByIdp); a device enrolled with a one-time token has no MFA.
      identity: { user: session.user, groups: session.groups, amr: session.amr, acr: session.acr, authTime: session.authTime, mfa: session.method === 'idp' },
      device: { id: subject.deviceId, platform: subject.posture?.report.os.platform, posture: subject.posture },
      context: { source: subject.source, now },
    },
    policy,
    { id: app.id, users: app.users },
  );
  metrics.evaluation.observe(Number(process.hrtime.bigint() - started) / 1e9);
  if (count === 'all' || (count === 'denials' && !decision.allow)) {
    metrics.decision(app.id, decision.wouldDeny === true ? 'would-deny' : decision.allow ? 'allow' : 'deny', decision.reasons);
  }
  return decision;
}
