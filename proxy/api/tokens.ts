import { createHash, randomBytes } from 'node:crypto';
import { ZerogateError } from '../../shared/errors.ts';
import type { ApiRole, ApiTokenRecord, Store } from '../store/index.ts';
import { API_TOKEN_MAX_TTL_MS, API_TOKEN_MIN_TTL_MS } from './limits.ts';

/**
 * API tokens for automation against `/v1/admin/*` and `/v1/helpdesk/*`: `zga_<id>_<secret>`.
 * The id finds the record; only the SHA-256 of the 256-bit secret is stored (like enrolment
 * tokens in proxy/devices/tokens.ts), so a copy of the store grants no access. Every token has
 * a role, a name (who it belongs to, for the audit trail) and an expiry of at most 90 days.
 */
const TOKEN_PATTERN = /^zga_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
/** Token names: who or what uses it (named in audit events). */
export const API_TOKEN_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$';
const NAME_PATTERN = new RegExp(API_TOKEN_NAME_PATTERN);
export const API_ROLES: readonly ApiRole[] = ['admin', 'helpdesk'];

export interface ParsedApiToken {
  id: string;
  secretHash: string;
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The id part of a well-formed token, or undefined (for rate-limit keys; not authentication). */
export function apiTokenId(token: string): string | undefined {
  return TOKEN_PATTERN.exec(token)?.[1];
}

/** Parses a token's shape; a malformed token is refused like an unknown one. */
export function parseApiToken(token: string): ParsedApiToken {
  const match = TOKEN_PATTERN.exec(token);
  if (match === null) {
    throw new ZerogateError('ZG_ERR_API_TOKEN_INVALID', 'the API token is malformed', { reasons: ['user-unauthenticated'] });
  }
  return { id: match[1] as string, secretHash: hashSecret(match[2] as string) };
}

export interface CreateApiTokenInput {
  role: ApiRole;
  /** Who or what uses the token (named in audit events): letters, digits, space, `._@-`, ≤ 64. */
  name: string;
  /** Lifetime, from one minute to {@link API_TOKEN_MAX_TTL_MS}. */
  ttlMs: number;
}

export interface CreatedApiToken {
  /** The only time the secret exists outside the caller: show it once, never store it. */
  token: string;
  id: string;
  name: string;
  role: ApiRole;
  expiresAt: number;
}

/** Creates and stores an API token. Misuse (bad role, name or lifetime) is a TypeError. */
export async function createApiToken(store: Store, input: CreateApiTokenInput, now = Date.now()): Promise<CreatedApiToken> {
  if (!API_ROLES.includes(input.role)) throw new TypeError(`role must be one of ${API_ROLES.join(', ')}`);
  if (!NAME_PATTERN.test(input.name)) throw new TypeError('name must be 1-64 letters, digits, spaces or ._@- and start with a letter or digit');
  if (!Number.isInteger(input.ttlMs) || input.ttlMs < API_TOKEN_MIN_TTL_MS || input.ttlMs > API_TOKEN_MAX_TTL_MS) {
    throw new TypeError(`ttlMs must be an integer from ${API_TOKEN_MIN_TTL_MS} to ${API_TOKEN_MAX_TTL_MS} (90 days)`);
  }
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const record: ApiTokenRecord = {
    id,
    secretHash: hashSecret(secret),
    name: input.name,
    role: input.role,
    createdAt: now,
    expiresAt: now + input.ttlMs,
    revokedAt: undefined,
  };
  await store.createApiToken(record);
  return { token: `zga_${id}_${secret}`, id, name: input.name, role: input.role, expiresAt: record.expiresAt };
}

/** Revokes a token at once (the next request with it is refused). False when unknown or already revoked. */
export function revokeApiToken(store: Store, id: string, now = Date.now()): Promise<boolean> {
  return store.revokeApiToken(id, now);
}

/** The authenticated caller of an API request. */
export interface ApiCaller {
  tokenId: string;
  name: string;
  role: ApiRole;
}

/**
 * Checks a presented token: known, secret matching (constant time), not revoked, not expired.
 * Expired and revoked are told apart only once the secret matched, so the answer reveals
 * nothing about tokens the caller does not hold.
 */
export async function verifyApiToken(store: Store, token: string, now = Date.now()): Promise<ApiCaller> {
  const { id, secretHash } = parseApiToken(token);
  const record = await store.getApiToken(id);
  if (record === undefined || !sameHash(record.secretHash, secretHash)) {
    throw new ZerogateError('ZG_ERR_API_TOKEN_INVALID', 'the API token is not known to this proxy', { reasons: ['user-unauthenticated'] });
  }
  if (record.revokedAt !== undefined) {
    throw new ZerogateError('ZG_ERR_API_TOKEN_REVOKED', 'the API token was revoked: ask an administrator for a new one', { reasons: ['user-unauthenticated'] });
  }
  if (now >= record.expiresAt) {
    throw new ZerogateError('ZG_ERR_API_TOKEN_EXPIRED', 'the API token has expired: ask an administrator for a new one', { reasons: ['user-unauthenticated'] });
  }
  return { tokenId: record.id, name: record.name, role: record.role };
}

/** Compares two hex digests without an early exit. */
function sameHash(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
