/**
 * Limits of the admin and helpdesk API (OWASP API4:2023, unrestricted resource consumption),
 * in one place. Route schemas, the store queries and docs/api.md all use these values.
 */

/** Longest lifetime an API token may be created with (90 days): automation rotates its keys. */
export const API_TOKEN_MAX_TTL_MS = 90 * 24 * 60 * 60 * 1000;
/** Shortest lifetime (one minute): anything shorter is a mistake. */
export const API_TOKEN_MIN_TTL_MS = 60 * 1000;

/** Requests per minute one source address may make to the API, whatever token it shows. */
export const API_RATE_PER_SOURCE_PER_MINUTE = 600;
/** Requests per minute one API token may make, from wherever. */
export const API_RATE_PER_TOKEN_PER_MINUTE = 300;

/** Default and maximum page sizes (device search, decisions, audit). */
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 200;

/** Posture reports summarised in a device's detail (newest first). */
export const POSTURE_HISTORY_IN_DETAIL = 20;
/** Recent decisions (denials, resets) shown in a device's detail. */
export const DECISIONS_IN_DETAIL = 20;

/** Longest free-text reason an admin may give for a change (it is stored in the audit trail). */
export const REASON_MAX = 500;

/** Devices per page of `GET /v1/me/devices` (each item carries its verdicts): default and maximum. */
export const ME_PAGE_DEFAULT = 20;
export const ME_PAGE_MAX = 50;

/** Largest body of the policy routes (validate, simulate): a policy and a posture report fit in a few KiB. */
export const POLICY_BODY_LIMIT = 16 * 1024;
/** Most groups and amr values a simulation may name; oldest sign-in it may describe (one year). */
export const SIMULATE_MAX_GROUPS = 100;
export const SIMULATE_MAX_AMR = 16;
export const SIMULATE_MAX_AUTH_AGE_SECONDS = 365 * 24 * 60 * 60;

/** Most users an app published through the API may list (a config file's apps are not bounded here). */
export const APP_USERS_MAX = 1000;
/** Longest upstream URL of an app published through the API. */
export const UPSTREAM_URL_MAX = 2048;
/** Most API tokens `GET /v1/admin/api-tokens` lists (newest first). */
export const API_TOKENS_LIST_LIMIT = 1000;
