/**
 * Policy validation and simulation for admins (DESIGN.md §3, §6): a candidate policy goes
 * through the config machinery exactly as a config file's policy would (so the API accepts
 * what the loader accepts and names problems the same way), and a simulation asks the policy
 * decision point "would this user on this device reach this app, and why not".
 */
import { isIP } from 'node:net';
import { isZerogateError, ZerogateError } from '../../shared/errors.ts';
import { parsePostureReport } from '../../shared/posture/validate.ts';
import { defaultConfig, type ConfigIssue, type PolicyConfig, type PolicyInput } from '../config/index.ts';
import { evaluate, type Decision } from '../policy/index.ts';
import type { Store } from '../store/index.ts';
import type { DetailDeps } from './device-detail.ts';
import { postureStateOf } from './device-detail.ts';
import { remediationOf } from './views.ts';

/** The name the candidate policy has inside the minimal config it is validated in. */
const CANDIDATE = 'candidate';
const CANDIDATE_PATH = `policies.${CANDIDATE}`;
/** Most problems listed for one policy. */
const MAX_ISSUES = 50;

export interface PolicyIssue {
  path: string;
  expected: string;
  found: string;
  message: string;
}

export type PolicyValidation = { valid: true; policy: PolicyConfig } | { valid: false; errors: PolicyIssue[] };

/** `policies.candidate.allow[0]` → `policy.allow[0]`. */
function rebase(path: string): string {
  if (path === CANDIDATE_PATH) return 'policy';
  if (path.startsWith(`${CANDIDATE_PATH}.`) || path.startsWith(`${CANDIDATE_PATH}[`)) return `policy${path.slice(CANDIDATE_PATH.length)}`;
  return path;
}

function issueOf(issue: ConfigIssue): PolicyIssue {
  const path = rebase(issue.path);
  // The loader's message is "<source>: <path>: <text>"; the API's names the body's path.
  const text = issue.message.replace(/^<defaultConfig>: /, '');
  const message = text.startsWith(`${issue.path}: `) ? `${path}: ${text.slice(issue.path.length + 2)}` : text;
  return { path, expected: issue.expected, found: issue.found, message };
}

/** Validates a policy in the config file's shape, as `policies.<name>` of a config would be. */
export function validatePolicy(policy: unknown): PolicyValidation {
  try {
    const config = defaultConfig({ policies: { [CANDIDATE]: policy as PolicyInput } });
    const resolved = config.policies[CANDIDATE];
    if (resolved === undefined) throw new TypeError('the config machinery dropped the candidate policy');
    return { valid: true, policy: resolved };
  } catch (error) {
    if (!isZerogateError(error) || error.code !== 'ZG_ERR_CONFIG_INVALID') throw error;
    const errors = ((error.detail?.errors ?? []) as ConfigIssue[]).slice(0, MAX_ISSUES).map(issueOf);
    return { valid: false, errors };
  }
}

/** The 400 body of a policy that does not validate: the error shape plus the problems. */
export function invalidPolicyBody(errors: PolicyIssue[]): Record<string, unknown> {
  const count = errors.length === 1 ? '1 problem' : `${errors.length} problems`;
  return { statusCode: 400, code: 'ZG_ERR_BAD_REQUEST', error: 'Bad Request', message: `the policy is not valid (${count}): ${errors[0]?.message ?? ''}`, valid: false, errors };
}

export interface SimulateInput {
  app: string;
  policy?: unknown;
  user: string;
  groups?: string[];
  amr?: string[];
  authAgeSeconds?: number;
  device?: string;
  posture?: unknown;
  source?: string;
}

export type SimulateOutcome = { ok: true; result: Record<string, unknown> } | { ok: false; errors: PolicyIssue[] };

function badRequest(message: string): ZerogateError {
  return new ZerogateError('ZG_ERR_BAD_REQUEST', message);
}

/**
 * Decides as a stream open would, from what the caller describes: the identity (user, groups,
 * amr, sign-in age), the device's posture (given, or the device's latest), the source address.
 * `mfa` is judged from `amr` against the default MFA values (mfa, otp, hwk).
 */
export async function simulatePolicy(deps: DetailDeps & { store: Store }, input: SimulateInput, now = Date.now()): Promise<SimulateOutcome> {
  const app = deps.apps().get(input.app);
  if (app === undefined) throw new ZerogateError('ZG_ERR_NOT_FOUND', 'no such app');
  let policy: PolicyConfig | undefined;
  let policyName: string;
  if (input.policy !== undefined) {
    const checked = validatePolicy(input.policy);
    if (!checked.valid) return { ok: false, errors: checked.errors };
    policy = checked.policy;
    policyName = CANDIDATE;
  } else {
    policy = app.policy === undefined ? undefined : deps.policies()[app.policy];
    policyName = app.policy ?? 'none';
  }
  if (input.source !== undefined && isIP(input.source) === 0) throw badRequest('source must be an IPv4 or IPv6 address');

  const device = input.device === undefined ? undefined : await deps.store.getDevice(input.device);
  if (input.device !== undefined && device === undefined) throw new ZerogateError('ZG_ERR_NOT_FOUND', 'no such device');
  let posture;
  if (input.posture !== undefined) {
    try {
      posture = { report: parsePostureReport(input.posture), receivedAt: now };
    } catch (error) {
      throw badRequest(`posture is not a valid posture report: ${error instanceof Error ? error.message.slice(0, 200) : 'invalid'}`);
    }
  } else if (device !== undefined) {
    posture = postureStateOf(await deps.store.latestPosture(device.id));
  }

  const decision: Decision = evaluate(
    {
      identity: { user: input.user, groups: input.groups ?? [], amr: input.amr ?? [], authTime: now - (input.authAgeSeconds ?? 0) * 1000 },
      device: { id: device?.id ?? 'simulated', platform: posture?.report.os.platform, posture },
      context: { source: input.source ?? '0.0.0.0', now },
    },
    policy,
    { id: app.id, users: app.users },
  );
  // A revoked device reaches nothing, whatever the policy says.
  const blockers = device?.status === 'revoked' ? ['device-revoked'] : [];
  const reasons = [...new Set([...blockers, ...decision.reasons])];
  return {
    ok: true,
    result: {
      app: app.id,
      policy: policyName,
      allowed: blockers.length === 0 && decision.allow,
      enforced: decision.enforced,
      ...(decision.wouldDeny === undefined ? {} : { wouldDeny: decision.wouldDeny }),
      reasons,
      remediation: remediationOf(reasons),
      data: decision.data,
    },
  };
}
