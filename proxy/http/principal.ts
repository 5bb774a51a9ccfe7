/** The principal of requests on a tunnel stream, from the session and the policy decision that admitted the stream. */
import type { PolicyConfig } from '../config/index.ts';
import type { HttpPrincipal } from './types.ts';

/** Reasons that say the device's posture fails a check (not that it is missing or stale). */
const POSTURE_FAILURES: ReadonlySet<string> = new Set(['os-outdated', 'patch-outdated', 'disk-unencrypted', 'edr-missing', 'firewall-off', 'screen-lock-off']);

/**
 * The posture verdict sent to the app: `none` when the app's policy requires no posture,
 * `pass` when the device meets it, `fail` when a check fails and `unknown` when the report is
 * missing or stale (both only admitted by a report-only policy).
 */
export function postureVerdict(policy: PolicyConfig | undefined, reasons: readonly string[]): HttpPrincipal['posture'] {
  if (policy?.require.posture === undefined) return 'none';
  if (reasons.includes('posture-missing') || reasons.includes('posture-stale')) return 'unknown';
  if (reasons.some((reason) => POSTURE_FAILURES.has(reason))) return 'fail';
  return 'pass';
}

export interface TunnelPrincipalInput {
  user: string;
  groups: readonly string[];
  deviceId: string;
  source: string;
  posture: HttpPrincipal['posture'];
}

export function tunnelPrincipal(input: TunnelPrincipalInput): HttpPrincipal {
  return {
    user: input.user,
    groups: [...input.groups],
    // Users are named by their email address unless the IdP's userClaim says otherwise.
    ...(input.user.includes('@') ? { email: input.user } : {}),
    deviceId: input.deviceId,
    posture: input.posture,
    via: 'tunnel',
    source: input.source,
  };
}
