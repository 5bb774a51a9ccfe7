/**
 * The policy decision point's input and output (DESIGN.md §1, §6). The enforcement point (the
 * tunnel) fills a {@link DecisionInput} from the session, the device registry and the latest
 * posture report, and acts on the {@link Decision}.
 */

import type { PostureReport } from '../../shared/posture/report.ts';
import type { Reason } from '../../shared/reasons.ts';

/** Who is asking, from the verified session. */
export interface DecisionIdentity {
  /** The user id, as apps' `users` and `allow: [{ users }]` name it. */
  user: string;
  /**
   * The user's verified email address, when known apart from `user`. `allow: [{ emails }]`
   * matches it, or `user` itself when that is an email address (the OIDC default, `userClaim: email`).
   */
  email?: string | undefined;
  groups: readonly string[];
  /** Authentication methods of the sign-in (RFC 8176). */
  amr: readonly string[];
  acr?: string | undefined;
  /**
   * Whether the identity layer found the sign-in multi-factor under its own rules
   * (`identity.oidc.mfa`: configured `amr`/`acr` values, or `enforcedByIdp`). When absent, `amr`
   * is matched against the default MFA values (`mfa`, `otp`, `hwk`).
   */
  mfa?: boolean | undefined;
  /** When the user last authenticated (`auth_time`), ms since the epoch. */
  authTime: number;
}

/** The device's latest posture, as the proxy received it. */
export interface DecisionPosture {
  report: PostureReport;
  /** When the proxy received it, ms since the epoch (the proxy's clock, not the agent's). */
  receivedAt: number;
}

export interface DecisionDevice {
  id: string;
  platform?: string | undefined;
  /** `undefined`: the device has sent no posture report. */
  posture: DecisionPosture | undefined;
}

export interface DecisionContext {
  /** The connection's source IP address, as the socket reports it (IPv4-mapped IPv6 accepted). */
  source: string;
  /** The decision time, ms since the epoch: the evaluator never reads a clock. */
  now: number;
}

/** Everything a decision depends on: identity + device + context at one moment. */
export interface DecisionInput {
  identity: DecisionIdentity;
  device: DecisionDevice;
  context: DecisionContext;
}

/** The app being opened: its id and its own `users` list (which admits on its own). */
export interface DecisionApp {
  id: string;
  users: readonly string[];
}

/** A JSON value, for decision details that go to audit events and the helpdesk API. */
export type DataValue = string | number | boolean | null | readonly DataValue[] | { readonly [key: string]: DataValue };

/** Details of one criterion, JSON only (no secrets: ids, versions, times, counts). */
export type CriterionData = { [key: string]: DataValue };

/** The outcome of one criterion. */
export interface CriterionResult {
  pass: boolean;
  /** Empty when `pass`; otherwise the reason(s) it failed, from the catalogue (shared/reasons.ts). */
  reasons: Reason[];
  data: CriterionData;
}

/** The `require` criteria, in evaluation order (the order of their reasons in a decision). */
export const REQUIRE_CRITERIA = [
  'mfa',
  'max-auth-age',
  'posture-max-age',
  'os-min-version',
  'patch-age',
  'disk-encryption',
  'edr',
  'firewall',
  'screen-lock',
  'source-cidr',
] as const;

export type RequireCriterionName = (typeof REQUIRE_CRITERIA)[number];

/** The `allow` criteria. */
export type AllowCriterionName = 'groups' | 'emails' | 'users';

/** What admitted the user: the app's `users`, or the index of the matching `allow` item. */
export type Admission = 'app-users' | `allow[${number}]` | null;

/**
 * Per-criterion details of a decision, for audit events and the helpdesk. (A type alias, not an
 * interface, so it is assignable to `Record<string, unknown>` audit details.)
 */
export type DecisionData = {
  /** What admitted the user; `null`: nothing (`user-not-allowed`). */
  admittedBy: Admission;
  /** One entry per `allow` item, in policy order. */
  allow: Array<{ criterion: AllowCriterionName; pass: boolean } & CriterionData>;
  /** One entry per configured `require` criterion. */
  require: Partial<Record<RequireCriterionName, { pass: boolean } & CriterionData>>;
};

/** A decision of the policy decision point. */
export interface Decision {
  /** Whether the access may proceed. */
  allow: boolean;
  /**
   * Whether the policy's verdict is enforced: `false` in `report-only` mode, unless the user is
   * not admitted at all (admission is always enforced: `user-not-allowed` denies in every mode).
   */
  enforced: boolean;
  /** Every failing reason, deduplicated, in criterion order; empty when nothing failed. */
  reasons: Reason[];
  data: DecisionData;
  /**
   * Only on `report-only` decisions that allow: `true` when `enforce` mode would have denied
   * (log it as would-deny), `false` when nothing failed.
   */
  wouldDeny?: boolean;
}
