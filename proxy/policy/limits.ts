/**
 * Every default and bound of policies, in one place (STYLE.md §5). The config schema documents
 * them, the config resolver enforces them, and the criteria rely on them.
 */

import type { EdrVendor } from '../../shared/posture/report.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A millisecond duration's inclusive bounds. */
export interface DurationBounds {
  readonly min: number;
  readonly max: number;
}

/** Inclusive bounds of the policy durations, in milliseconds. */
export const POLICY_DURATION_BOUNDS = {
  /** `require.maxAuthAge`: as for the identity's `mfaMaxAge`. */
  maxAuthAge: { min: 1 * MINUTE, max: 90 * DAY },
  /**
   * `require.posture.maxAge`. The agent reports every 60 s (DESIGN.md §3); less than two
   * intervals would deny on one late report.
   */
  postureMaxAge: { min: 2 * MINUTE, max: 7 * DAY },
  /** `require.posture.screenLock.maxTimeout`. */
  screenLockMaxTimeout: { min: 5 * SECOND, max: 1 * DAY },
} as const satisfies Record<string, DurationBounds>;

/** Policy defaults, as written in the config file (`mode` defaults with the config's `policyMode`). */
export const POLICY_DEFAULTS = {
  /** `require.posture.maxAge` when `posture` is set without it (DESIGN.md §6 example). */
  postureMaxAge: '5m',
} as const;

/** Inclusive bounds of the policy's integers and list sizes. */
export const POLICY_LIMITS = {
  /** `require.posture.maxPatchAgeDays`. */
  maxPatchAgeDays: { min: 1, max: 3650 },
  /** Items of `allow`. */
  maxAllowItems: 100,
  /** Entries of one `groups` / `emails` / `users` list. */
  maxAllowValues: 1000,
  /** Entries of `require.sourceCidrs`. */
  maxSourceCidrs: 256,
  /** Longest group, email or user value. */
  maxValueLength: 256,
} as const;

/**
 * `amr` values (RFC 8176) that count as multi-factor when the session has no explicit MFA flag:
 * the identity config's default (`identity.oidc.mfa.amr`, DESIGN.md §6).
 */
export const MFA_AMR_VALUES: readonly string[] = Object.freeze(['mfa', 'otp', 'hwk']);

/** The named members of {@link EdrVendor} (its open `string` member excluded). */
type KnownEdrVendor = EdrVendor extends infer V ? (V extends string ? (string extends V ? never : V) : never) : never;

const EDR_VENDOR_SET = {
  crowdstrike: true,
  sentinelone: true,
  defender: true,
  elastic: true,
  sophos: true,
  clamav: true,
  carbonblack: true,
  cortex: true,
  bitdefender: true,
} as const satisfies Record<KnownEdrVendor, true>;

/**
 * The EDR vendor ids a policy may name in `require.posture.edr`: exactly the vendors the agent's
 * posture report knows (shared/posture/report.ts). A misspelt id would silently deny everyone,
 * so the config refuses ids outside this list.
 */
export const EDR_VENDORS: readonly KnownEdrVendor[] = Object.freeze(Object.keys(EDR_VENDOR_SET) as KnownEdrVendor[]);

/** Dotted numeric versions (`14.6`, `10.0.22631`), as `osMinVersion` takes them. */
export const VERSION_PATTERN = '^\\d{1,9}(?:\\.\\d{1,9}){0,5}$';
