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

/** Decides whether `subject` may use `app` now, timing and counting the decision. */
export function decideAccess(app: AppConfig, policies: Readonly<Record<string, PolicyConfig>>, subject: AccessSubject, metrics: ProxyMetrics, now = Date.now()): Decision {
  const policy = app.policy === undefined ? undefined : policies[app.policy];
  const session = subject.identity.session;
  const started = process.hrtime.bigint();
  const decision = evaluate(
    {
      identity: { user: session.user, groups: session.groups, amr: session.amr, acr: session.acr, authTime: session.authTime },
      device: { id: subject.deviceId, platform: subject.posture?.report.os.platform, posture: subject.posture },
      context: { source: subject.source, now },
    },
    policy,
    { id: app.id, users: app.users },
  );
  metrics.evaluation.observe(Number(process.hrtime.bigint() - started) / 1e9);
  metrics.decision(app.id, decision.wouldDeny === true ? 'would-deny' : decision.allow ? 'allow' : 'deny', decision.reasons);
  return decision;
}
