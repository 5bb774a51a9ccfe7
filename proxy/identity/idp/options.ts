import { isAbsolute } from 'node:path';
import type { ClientMetadata } from 'oidc-provider';
import type { AuditLog } from '../../audit/index.ts';
import type { Store } from '../../store/index.ts';
import type { IdpUserConfig } from '../../config/types.ts';

/** A user of the embedded IdP from the config file (DESIGN.md §6): the config's own type. */
export type { IdpUserConfig } from '../../config/types.ts';

export interface EmbeddedIdpOptions {
  /** Absolute `https:` URL, e.g. `https://127.0.0.1:8443/idp`; its path is {@link mountPath}. */
  issuer: string;
  /** `/idp`. */
  mountPath: string;
  store: Store;
  audit: AuditLog;
  /** Users from the config file; store users (`store.getIdpUser`) sign in too; config wins on a name clash. */
  users: IdpUserConfig[];
  /** oidc-provider client metadata; the proxy passes {@link agentClient}. */
  clients: ClientMetadata[];
  /** Absolute path of the JSON file with the IdP's private JWKS and cookie keys (created 0600). */
  keysFile: string;
  claims?: { groupsClaim?: string; amr?: string[]; acr?: string };
  ttl?: { idTokenSeconds?: number; refreshTokenSeconds?: number; deviceCodeSeconds?: number };
  rateLimit?: { failuresPerUser?: number; failuresPerSource?: number; windowMs?: number };
  /** Product name on the pages and in authenticator apps; default `Zerogate`. */
  title?: string;
  /** Clock (ms) for TOTP, rate limits, `auth_time` and audit; default `Date.now`. */
  now?: () => number;
}

export const DEFAULT_TITLE = 'Zerogate';
export const DEFAULT_GROUPS_CLAIM = 'groups';
/** RFC 8176: a password, a one-time password, and so multiple factors. */
export const DEFAULT_AMR: readonly string[] = ['pwd', 'otp', 'mfa'];
export const DEFAULT_ACR = 'urn:zerogate:loa:mfa';

/** ID tokens are used once, right away (enrolment, session renewal). */
export const DEFAULT_ID_TOKEN_TTL_S = 10 * 60;
/**
 * How long a sign-in's refresh token chain lasts. Rotation never extends it (see
 * provider-config.ts), so this is the longest a sign-in can be renewed: the proxy's
 * `identity.session.maxAge` default.
 */
export const DEFAULT_REFRESH_TOKEN_TTL_S = 12 * 60 * 60;
/** RFC 8628 §3.2 `expires_in` of a device code. */
export const DEFAULT_DEVICE_CODE_TTL_S = 10 * 60;
/** Failed sign-ins (password or code) per username and per source address within the window. */
export const DEFAULT_FAILURES_PER_USER = 5;
export const DEFAULT_FAILURES_PER_SOURCE = 20;
export const DEFAULT_FAILURE_WINDOW_MS = 15 * 60_000;

/** Time a person has to finish one sign-in (password, code, enrolment). */
export const INTERACTION_TTL_S = 10 * 60;
/** The browser session at the IdP (single sign-on between agent sign-ins); cookie is transient. */
export const BROWSER_SESSION_TTL_S = 60 * 60;
/** Access tokens only reach the userinfo endpoint. */
export const ACCESS_TOKEN_TTL_S = 10 * 60;
/** OAuth 2.0 Security BCP: authorization codes live briefly and are used once. */
export const AUTHORIZATION_CODE_TTL_S = 60;
/** How often expired IdP payloads are deleted from the store. */
export const PAYLOAD_SWEEP_INTERVAL_MS = 5 * 60_000;
/** Sign-in forms are a username, a password and a code: a few hundred bytes. */
export const FORM_BODY_LIMIT = 4 * 1024;
/**
 * Requests per minute from one source (an IPv4 address, an IPv6 /64) to the IdP's endpoints
 * and pages, and form posts per minute to each sign-in page action. They apply when the IdP's
 * plugin is registered in an app with @fastify/rate-limit (the proxy; `global: false`, routes
 * opt in) and are ignored elsewhere. The token endpoint's refreshes and device polling of one
 * machine stay far below the first.
 */
export const IDP_REQUESTS_PER_MINUTE = 300;
export const IDP_FORM_POSTS_PER_MINUTE = 60;
/** Longest username and password looked at; longer input fails like a wrong password. */
export const MAX_USERNAME_LENGTH = 256;
export const MAX_PASSWORD_LENGTH = 1024;

const TTL_BOUNDS_S = {
  idTokenSeconds: { min: 60, max: 24 * 60 * 60 },
  refreshTokenSeconds: { min: 5 * 60, max: 90 * 24 * 60 * 60 },
  deviceCodeSeconds: { min: 60, max: 60 * 60 },
} as const;
const FAILURE_LIMIT_MAX = 10_000;
const WINDOW_BOUNDS_MS = { min: 1_000, max: 24 * 60 * 60_000 };
/** Claim names an ID token already uses for something else. */
const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'nonce', 'auth_time', 'acr', 'amr', 'azp', 'sid', 'at_hash', 'c_hash', 'email', 'email_verified', 'name', 'preferred_username']);
const CLAIM_NAME = /^[A-Za-z][A-Za-z0-9_.:/-]{0,127}$/;
const MOUNT_PATH = /^\/[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/;

export interface ResolvedIdpOptions {
  issuer: string;
  issuerOrigin: string;
  mountPath: string;
  store: Store;
  audit: AuditLog;
  users: IdpUserConfig[];
  clients: ClientMetadata[];
  keysFile: string;
  groupsClaim: string;
  amr: string[];
  acr: string;
  idTokenSeconds: number;
  refreshTokenSeconds: number;
  deviceCodeSeconds: number;
  failuresPerUser: number;
  failuresPerSource: number;
  windowMs: number;
  title: string;
  now: () => number;
}

/**
 * Fills in defaults and checks the options. A wrong option is a programming error of the
 * caller (the config loader validated what users wrote), so it is a `TypeError`.
 */
export function resolveOptions(options: EmbeddedIdpOptions): ResolvedIdpOptions {
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(options.issuer);
  } catch {
    throw new TypeError('issuer must be an absolute URL');
  }
  if (issuerUrl.protocol !== 'https:') throw new TypeError('issuer must be an https: URL');
  if (issuerUrl.search !== '' || issuerUrl.hash !== '') throw new TypeError('issuer must have no query or fragment');
  if (!MOUNT_PATH.test(options.mountPath)) throw new TypeError('mountPath must look like /idp (no trailing slash)');
  if (issuerUrl.pathname !== options.mountPath) throw new TypeError('the issuer path must equal mountPath');
  if (!isAbsolute(options.keysFile)) throw new TypeError('keysFile must be an absolute path');
  if (!Array.isArray(options.clients) || options.clients.length === 0) throw new TypeError('clients must list at least one client');

  const claims = options.claims ?? {};
  const groupsClaim = claims.groupsClaim ?? DEFAULT_GROUPS_CLAIM;
  if (!CLAIM_NAME.test(groupsClaim) || RESERVED_CLAIMS.has(groupsClaim)) throw new TypeError(`groupsClaim ${JSON.stringify(groupsClaim)} is not a usable claim name`);
  const amr = [...(claims.amr ?? DEFAULT_AMR)];
  if (amr.length === 0 || !amr.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 64)) throw new TypeError('claims.amr must be non-empty strings');
  const acr = claims.acr ?? DEFAULT_ACR;
  if (typeof acr !== 'string' || acr.length === 0 || acr.length > 256) throw new TypeError('claims.acr must be a non-empty string');

  const ttl = options.ttl ?? {};
  const rate = options.rateLimit ?? {};
  const title = options.title ?? DEFAULT_TITLE;
  if (title.length === 0 || title.length > 100) throw new TypeError('title must be 1 to 100 characters');

  return {
    issuer: issuerUrl.href.replace(/\/$/, ''),
    issuerOrigin: issuerUrl.origin,
    mountPath: options.mountPath,
    store: options.store,
    audit: options.audit,
    users: options.users,
    clients: options.clients,
    keysFile: options.keysFile,
    groupsClaim,
    amr,
    acr,
    idTokenSeconds: bounded('ttl.idTokenSeconds', ttl.idTokenSeconds ?? DEFAULT_ID_TOKEN_TTL_S, TTL_BOUNDS_S.idTokenSeconds),
    refreshTokenSeconds: bounded('ttl.refreshTokenSeconds', ttl.refreshTokenSeconds ?? DEFAULT_REFRESH_TOKEN_TTL_S, TTL_BOUNDS_S.refreshTokenSeconds),
    deviceCodeSeconds: bounded('ttl.deviceCodeSeconds', ttl.deviceCodeSeconds ?? DEFAULT_DEVICE_CODE_TTL_S, TTL_BOUNDS_S.deviceCodeSeconds),
    failuresPerUser: bounded('rateLimit.failuresPerUser', rate.failuresPerUser ?? DEFAULT_FAILURES_PER_USER, { min: 1, max: FAILURE_LIMIT_MAX }),
    failuresPerSource: bounded('rateLimit.failuresPerSource', rate.failuresPerSource ?? DEFAULT_FAILURES_PER_SOURCE, { min: 1, max: FAILURE_LIMIT_MAX }),
    windowMs: bounded('rateLimit.windowMs', rate.windowMs ?? DEFAULT_FAILURE_WINDOW_MS, WINDOW_BOUNDS_MS),
    title,
    now: options.now ?? Date.now,
  };
}

function bounded(name: string, value: number, bounds: { min: number; max: number }): number {
  if (!Number.isInteger(value) || value < bounds.min || value > bounds.max) {
    throw new TypeError(`${name} must be an integer from ${bounds.min} to ${bounds.max}`);
  }
  return value;
}
