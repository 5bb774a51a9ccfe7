/**
 * Every default and bound of the proxy config, in one place. The schema documents them, the
 * resolver enforces them, and nothing else in `proxy/` should restate them.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Defaults as they would be written in the config file. */
export const CONFIG_DEFAULTS = {
  listen: '0.0.0.0:8443',
  hostnames: ['localhost', '127.0.0.1', '::1'],
  dataDir: './zerogate-data',
  certTtl: '7d',
  tokenTtl: '1h',
  maxTokenTtl: '30d',
  auditFile: 'stdout',
  policyMode: 'enforce',
  /** DESIGN.md §4: DATA frames of at most 64 KiB. */
  maxFramePayload: 64 * 1024,
  /** DESIGN.md §4: concurrent streams per tunnel. */
  maxStreams: 1024,
  /** DESIGN.md §4: per-stream credit. */
  initialWindow: 256 * 1024,
  maxOpensPerSecond: 100,
  upstreamConnectTimeout: '10s',
  /** DESIGN.md §3: session tokens live 10 minutes and are renewed in-band. */
  sessionTokenTtl: '10m',
  sessionMaxAge: '12h',
  mfaMaxAge: '12h',
  oidcScopes: ['openid', 'email', 'profile', 'offline_access'],
  groupsClaim: 'groups',
  userClaim: 'email',
  /** DESIGN.md §6: amr values that count as MFA. */
  mfaAmr: ['mfa', 'otp', 'hwk'],
  /** The web console: how long one sign-in lasts, and the IdP groups of its two staff roles. */
  consoleSessionTtl: '8h',
  consoleAdminGroups: ['admin'],
  consoleHelpdeskGroups: ['helpdesk'],
  /** HTTP-aware apps (docs/http-apps.md): requests per minute per identity and per app. */
  httpPerIdentityPerMinute: 600,
  httpPerAppPerMinute: 6000,
  /** Largest request or response body buffered for an inspector (OpenAPI validation). */
  httpMaxBodyBytes: '1MiB',
  /** Anomaly detection (issue 8): detectors always audit; they block only with `block: true`. */
  anomalyBlockFor: '15m',
  credentialStuffingFailures: 20,
  credentialStuffingAccounts: 5,
  credentialStuffingWindow: '10m',
  enumerationDistinctIds: 100,
  enumerationWindow: '5m',
  exfiltrationBytes: '100MiB',
  exfiltrationWindow: '10m',
  exfiltrationBaselineFactor: 10,
  unusualAccessLearningDays: 7,
  unusualAccessMinEvents: 50,
} as const;

/** Inclusive bounds of duration settings, in milliseconds. */
export const DURATION_BOUNDS = {
  /** Device certificates stay short-lived; 397 days is the CA/Browser Forum ceiling for TLS certs. */
  certTtl: { min: 5 * MINUTE, max: 397 * DAY },
  /** One-time enrolment tokens; `tokenTtl` must also be at most `maxTokenTtl`. */
  tokenTtl: { min: 1 * MINUTE, max: 90 * DAY },
  maxTokenTtl: { min: 1 * MINUTE, max: 90 * DAY },
  upstreamConnectTimeout: { min: 100, max: 5 * MINUTE },
  /** Long enough to renew over a slow link, short enough that a stolen token soon dies. */
  sessionTokenTtl: { min: 1 * MINUTE, max: 1 * DAY },
  sessionMaxAge: { min: 5 * MINUTE, max: 90 * DAY },
  mfaMaxAge: { min: 1 * MINUTE, max: 90 * DAY },
  /** A console sign-in is a working day at most: staff sign in again each day. */
  consoleSessionTtl: { min: 5 * MINUTE, max: 1 * DAY },
  /** How long an anomaly block lasts (with `anomalies.block`). */
  anomalyBlockFor: { min: 1 * MINUTE, max: 1 * DAY },
  credentialStuffingWindow: { min: 1 * MINUTE, max: 1 * DAY },
  enumerationWindow: { min: 10 * SECOND, max: 1 * DAY },
  exfiltrationWindow: { min: 1 * MINUTE, max: 1 * DAY },
} as const;

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Inclusive bounds of the HTTP and anomaly settings (integers; sizes in bytes). */
export const HTTP_BOUNDS = {
  perIdentityPerMinute: { min: 1, max: 1_000_000 },
  perAppPerMinute: { min: 1, max: 10_000_000 },
  /** Buffered bodies stay small: every in-flight validation holds one in memory. */
  maxBodyBytes: { min: 1 * KiB, max: 64 * MiB },
  /** An OpenAPI document is read whole and compiled at load. */
  openapiBytes: { min: 0, max: 4 * MiB },
  credentialStuffingFailures: { min: 2, max: 1_000_000 },
  credentialStuffingAccounts: { min: 2, max: 100_000 },
  enumerationDistinctIds: { min: 2, max: 1_000_000 },
  exfiltrationBytes: { min: 1 * MiB, max: 1024 * GiB },
  exfiltrationBaselineFactor: { min: 1, max: 1000 },
  unusualAccessLearningDays: { min: 1, max: 90 },
  unusualAccessMinEvents: { min: 1, max: 1_000_000 },
} as const;

/**
 * Inclusive bounds of integer limits. The lower bounds of byte sizes catch unit mistakes
 * (`64` meant as KiB); `initialWindow` stays under the 16 MiB credit ceiling of the wire codec.
 */
export const LIMIT_BOUNDS = {
  /** At most 1 MiB: the tunnel's WebSocket layer refuses larger messages (close 1009). */
  maxFramePayload: { min: 1024, max: 1024 * 1024 },
  maxStreams: { min: 1, max: 65_536 },
  initialWindow: { min: 1024, max: 16 * 1024 * 1024 },
  maxOpensPerSecond: { min: 1, max: 10_000 },
} as const;

/** App ids and policy names: lowercase, URL- and DNS-label-safe. */
export const ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';

/** Longest app display name. */
export const MAX_APP_NAME_LENGTH = 200;

/** Longest user identifier (an email address is at most 254 characters, RFC 5321). */
export const MAX_USER_LENGTH = 254;

/** Longest path or URL accepted in the config. */
export const MAX_PATH_LENGTH = 4096;

/** Usernames of the embedded IdP: what people type, safe in URLs and audit lines. */
export const USERNAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';

/** Most users the config file may list (more belong in the store: `zerogate-proxy user add`). */
export const MAX_CONFIG_USERS = 1000;

/** Most groups per user and the longest group, scope, claim or amr/acr value. */
export const MAX_GROUPS = 100;
export const MAX_CLAIM_VALUE_LENGTH = 256;
