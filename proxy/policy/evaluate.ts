/**
 * The policy decision point (DESIGN.md §1, §6; NIST SP 800-207 §3.1 "policy engine"): one pure
 * function from identity + device + context and an app's policy to a decision. No I/O, no clock
 * (time comes in `input.context.now`), no state: the same input always gives the same decision,
 * so the enforcement point can re-evaluate every live stream on any trigger (§3).
 *
 * Order: admission first (the app's `users`, then each `allow` item; any match admits), then
 * every configured `require` criterion in {@link REQUIRE_CRITERIA} order. Every criterion is
 * evaluated even after one fails, so a decision carries all its reasons (a user fixes them all
 * at once; the helpdesk sees the whole picture).
 */

import type { Reason } from '../../shared/reasons.ts';
import type { AllowCriterion, PolicyConfig } from '../config/index.ts';
import { checkDiskEncryption } from './criteria/disk-encryption.ts';
import { checkEdr } from './criteria/edr.ts';
import { checkEmails } from './criteria/emails.ts';
import { checkFirewall } from './criteria/firewall.ts';
import { checkGroups } from './criteria/groups.ts';
import { checkMaxAuthAge } from './criteria/max-auth-age.ts';
import { checkMfa } from './criteria/mfa.ts';
import { checkOsMinVersion } from './criteria/os-min-version.ts';
import { checkPatchAge } from './criteria/patch-age.ts';
import { checkPostureMaxAge } from './criteria/posture-max-age.ts';
import { checkScreenLock } from './criteria/screen-lock.ts';
import { checkSourceCidr } from './criteria/source-cidr.ts';
import { checkUsers } from './criteria/users.ts';
import type { PostureReport } from '../../shared/posture/report.ts';
import type {
  Admission,
  AllowCriterionName,
  CriterionResult,
  Decision,
  DecisionApp,
  DecisionData,
  DecisionIdentity,
  DecisionInput,
  RequireCriterionName,
} from './types.ts';

/** The reason each `require` criterion fails with; also its fail-closed reason on malformed input. */
const FAIL_REASON = {
  mfa: 'mfa-required',
  'max-auth-age': 'auth-too-old',
  'posture-max-age': 'posture-missing',
  'os-min-version': 'os-outdated',
  'patch-age': 'patch-outdated',
  'disk-encryption': 'disk-unencrypted',
  edr: 'edr-missing',
  firewall: 'firewall-off',
  'screen-lock': 'screen-lock-off',
  'source-cidr': 'source-not-allowed',
} as const satisfies Record<RequireCriterionName, Reason>;

function checkAllowItem(identity: DecisionIdentity, item: AllowCriterion): [AllowCriterionName, CriterionResult] {
  if ('groups' in item) return ['groups', checkGroups(identity, item.groups)];
  if ('emails' in item) return ['emails', checkEmails(identity, item.emails)];
  return ['users', checkUsers(identity, item.users)];
}

/**
 * A criterion that cannot be judged on its input (a malformed report that slipped past
 * validation) fails closed with its own reason instead of throwing at the enforcement point.
 */
function guarded(name: RequireCriterionName, criterion: () => CriterionResult): CriterionResult {
  try {
    return criterion();
  } catch {
    return { pass: false, reasons: [FAIL_REASON[name]], data: { error: 'input-not-evaluable' } };
  }
}

/**
 * Decides whether `input` may use `app` under `policy` (the app's policy, `undefined` when it
 * has none).
 *
 * - Admitted when `app.users` lists `input.identity.user`, or any `policy.allow` item matches;
 *   otherwise `user-not-allowed` (an app with neither admits nobody: deny by default).
 * - Then every configured `require` criterion must pass. Posture criteria need a fresh report:
 *   without one they fail as `posture-missing`, with a stale one as `posture-stale`, and are
 *   not judged on stale data.
 * - In `report-only` mode, failing `require` criteria do not deny: the decision allows with
 *   `enforced: false, wouldDeny: true` and the reasons. Admission is enforced in every mode.
 *
 * @throws never on a well-typed input: a criterion that throws fails closed.
 */
export function evaluate(input: DecisionInput, policy: PolicyConfig | undefined, app: DecisionApp): Decision {
  const { identity, device, context } = input;
  const reasons = new Set<Reason>();
  const data: DecisionData = { admittedBy: null, allow: [], require: {} };

  let admittedBy: Admission = app.users.includes(identity.user) ? 'app-users' : null;
  for (const [index, item] of (policy?.allow ?? []).entries()) {
    let name: AllowCriterionName = 'users';
    let result: CriterionResult;
    try {
      [name, result] = checkAllowItem(identity, item);
    } catch {
      result = { pass: false, reasons: ['user-not-allowed'], data: { error: 'input-not-evaluable' } };
    }
    data.allow.push({ criterion: name, pass: result.pass, ...result.data });
    if (result.pass && admittedBy === null) admittedBy = `allow[${index}]`;
  }
  data.admittedBy = admittedBy;
  if (admittedBy === null) reasons.add('user-not-allowed');

  const record = (name: RequireCriterionName, result: CriterionResult): CriterionResult => {
    data.require[name] = { pass: result.pass, ...result.data };
    for (const reason of result.reasons) reasons.add(reason);
    return result;
  };
  const require = policy?.require ?? {};

  if (require.mfa === true) record('mfa', guarded('mfa', () => checkMfa(identity)));
  const maxAuthAgeMs = require.maxAuthAgeMs;
  if (maxAuthAgeMs !== undefined) {
    record('max-auth-age', guarded('max-auth-age', () => checkMaxAuthAge(identity, context.now, maxAuthAgeMs)));
  }

  const posture = require.posture;
  if (posture !== undefined) {
    const gate = record('posture-max-age', guarded('posture-max-age', () => checkPostureMaxAge(device.posture, context.now, posture.maxAgeMs)));
    const fresh = gate.pass ? device.posture?.report : undefined;
    const skipped: CriterionResult = { pass: false, reasons: gate.reasons, data: { skipped: gate.reasons[0] ?? 'posture-missing' } };
    const judge = (name: RequireCriterionName, criterion: (report: PostureReport) => CriterionResult): void => {
      record(name, fresh === undefined ? skipped : guarded(name, () => criterion(fresh)));
    };
    const { osMinVersion, maxPatchAgeDays, edr, screenLock } = posture;
    if (osMinVersion !== undefined) judge('os-min-version', (report) => checkOsMinVersion(report, osMinVersion));
    if (maxPatchAgeDays !== undefined) judge('patch-age', (report) => checkPatchAge(report, context.now, maxPatchAgeDays));
    if (posture.diskEncryption === true) judge('disk-encryption', checkDiskEncryption);
    if (edr !== undefined) judge('edr', (report) => checkEdr(report, edr));
    if (posture.firewall === true) judge('firewall', checkFirewall);
    if (screenLock !== undefined && screenLock !== false) judge('screen-lock', (report) => checkScreenLock(report, screenLock));
  }

  const sourceCidrs = require.sourceCidrs;
  if (sourceCidrs !== undefined) record('source-cidr', guarded('source-cidr', () => checkSourceCidr(context.source, sourceCidrs)));

  const denied = reasons.size > 0;
  const decision: Decision = { allow: !denied, enforced: true, reasons: [...reasons], data };
  if (policy?.mode !== 'report-only' || admittedBy === null) return decision;
  return { ...decision, allow: true, enforced: false, wouldDeny: denied };
}
