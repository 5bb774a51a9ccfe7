import { createHash, randomBytes } from 'node:crypto';
import { ZerogateError } from '../../shared/errors.ts';
import type { Store } from '../store/index.ts';

/**
 * One-time enrolment tokens (like Tailscale auth keys): `zgt_<id>_<secret>`. The id finds the
 * record; only the SHA-256 of the 256-bit secret is stored, so a copy of the store cannot enrol.
 */
const TOKEN_PATTERN = /^zgt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const USER_PATTERN = /^[^\s@]{1,128}(@[^\s@]{1,253})?$/;

export interface ParsedToken {
  id: string;
  secretHash: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Parses a token's shape; a malformed token is refused like an unknown one. */
export function parseEnrollmentToken(token: string): ParsedToken {
  const match = TOKEN_PATTERN.exec(token);
  if (match === null) {
    throw new ZerogateError('ZG_ERR_AUTH_TOKEN_INVALID', 'the enrolment token is malformed', {
      reasons: ['user-unauthenticated'],
    });
  }
  return { id: match[1] as string, secretHash: hashSecret(match[2] as string) };
}

export function validateUser(user: string): string {
  if (!USER_PATTERN.test(user)) {
    throw new ZerogateError('ZG_ERR_USAGE', 'the user must be a name or an email address without spaces');
  }
  return user;
}

export interface CreatedToken {
  token: string;
  id: string;
  user: string;
  expiresAt: number;
}

/** Creates and stores a single-use token for `user`, valid for `ttlMs`. */
export async function createEnrollmentToken(
  store: Store,
  user: string,
  ttlMs: number,
  now = Date.now(),
): Promise<CreatedToken> {
  validateUser(user);
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new TypeError('ttlMs must be a positive integer');
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await store.createEnrollmentToken({ id, secretHash: hashSecret(secret), user, createdAt: now, expiresAt: now + ttlMs });
  return { token: `zgt_${id}_${secret}`, id, user, expiresAt: now + ttlMs };
}
