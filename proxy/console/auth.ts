/**
 * Console sessions as API principals: the admin, helpdesk and `/v1/me` routes accept, besides
 * their own credentials, the console's session cookie (with CSRF protection on changes). This
 * module resolves a request to the signed-in console user, or undefined.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { ZerogateError } from '../../shared/errors.ts';
import type { AuditLog } from '../audit/index.ts';
import type { ProxyConfig } from '../config/index.ts';
import type { Identity } from '../identity/setup.ts';
import type { LoadedPki } from '../pki/index.ts';
import type { Store } from '../store/index.ts';
import { readCookie, SESSION_COOKIE } from './cookies.ts';
import { AppsTokens } from './handoff.ts';
import { CONSOLE_KEY_FILE, ConsoleTokens, roleOf, type ConsoleRole, type ConsoleSession } from './session.ts';

export type { ConsoleRole } from './session.ts';

/** The header a console page echoes the session's CSRF value in, on every change. */
export const CSRF_HEADER = 'x-zerogate-csrf';

/** A user signed in to the console. */
export interface ConsolePrincipal {
  user: string;
  name?: string;
  email?: string;
  groups: string[];
  role: ConsoleRole;
}

export interface ConsoleAuth {
  /**
   * The console user of this request, or undefined when it carries no console cookie. Throws a
   * ZerogateError (401/403) for a cookie that is invalid, or a change without a valid CSRF token.
   */
  principal(request: FastifyRequest): Promise<ConsolePrincipal | undefined>;
  /** The session behind the cookie (csrf, expiry) for the console's own routes; same checks and errors. */
  session(request: FastifyRequest): Promise<ConsoleSession | undefined>;
  tokens: ConsoleTokens;
  /** The clientless handoff's codes and cookie (handoff.ts); undefined without `server.appsUrl`. */
  appsTokens?: AppsTokens;
  /**
   * Why a signed console or apps session (its user and `sid`) no longer holds: `account` (the
   * embedded IdP's user was disabled or removed) or `session-ended` (signed out, or ended by an
   * admin, on any node); undefined while it holds.
   */
  ended(user: string, sid: string, now: number): Promise<'account' | 'session-ended' | undefined>;
  /** The role groups of the config, for keeping cookies small (see ConsoleTokens.signSession). */
  roleGroups: ReadonlySet<string>;
  roleOf(groups: readonly string[]): ConsoleRole;
}

export interface ConsoleAuthDeps {
  config: ProxyConfig;
  store: Store;
  pki: LoadedPki;
  audit: AuditLog;
  identity: Identity;
  now?: () => number;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function createConsoleAuth(deps: ConsoleAuthDeps): Promise<ConsoleAuth> {
  const { config, identity, audit, store } = deps;
  const now = deps.now ?? Date.now;
  const tokens = ConsoleTokens.open(join(config.dataDir, CONSOLE_KEY_FILE), config.server.publicUrl);
  const publicOrigin = new URL(config.server.publicUrl).origin;
  const appsUrl = config.server.appsUrl;
  const appsTokens = appsUrl === undefined ? undefined : AppsTokens.open(join(config.dataDir, CONSOLE_KEY_FILE), config.server.publicUrl, new URL(appsUrl).origin);
  const roles = config.console.roles;
  const roleGroups = new Set([...roles.admin, ...roles.helpdesk]);

  const refuse = (request: FastifyRequest, code: 'ZG_ERR_CONSOLE_SESSION_REQUIRED' | 'ZG_ERR_CONSOLE_CSRF', why: string, user?: string): ZerogateError => {
    audit.record({
      type: 'console.deny',
      decision: 'deny',
      source: request.ip,
      ...(user === undefined ? {} : { user }),
      reasons: ['user-unauthenticated'],
      detail: { code, route: request.routeOptions.url ?? request.url.split('?')[0], why },
    });
    const message =
      code === 'ZG_ERR_CONSOLE_CSRF'
        ? 'this change is refused: it lacks the console\'s CSRF token or comes from another site (reload the console)'
        : 'the console session is not valid (expired, signed out, or the account was disabled): sign in again at /console/';
    return new ZerogateError(code, message, { reasons: ['user-unauthenticated'] });
  };

  async function ended(user: string, sid: string, at: number): Promise<'account' | 'session-ended' | undefined> {
    const [active, live] = await Promise.all([identity.console.accountActive(user), store.browserSessionLive(sid, at)]);
    return !active ? 'account' : !live ? 'session-ended' : undefined;
  }

  async function session(request: FastifyRequest): Promise<ConsoleSession | undefined> {
    const value = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (value === undefined) {
      // A cookie header naming the session cookie but unreadable (twice, malformed) is not "no cookie".
      if (request.headers.cookie?.includes(`${SESSION_COOKIE}=`) === true) throw refuse(request, 'ZG_ERR_CONSOLE_SESSION_REQUIRED', 'cookie-malformed');
      return undefined;
    }
    const at = now();
    const verified = await tokens.verifySession(value, at);
    if (verified === undefined) throw refuse(request, 'ZG_ERR_CONSOLE_SESSION_REQUIRED', 'cookie-invalid');
    // Disabled, signed out, or ended by an admin, on any node: the signature alone is not enough.
    const why = await ended(verified.user, verified.sid, at);
    if (why !== undefined) throw refuse(request, 'ZG_ERR_CONSOLE_SESSION_REQUIRED', why, verified.user);
    if (!SAFE_METHODS.has(request.method)) {
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== publicOrigin) throw refuse(request, 'ZG_ERR_CONSOLE_CSRF', 'origin', verified.user);
      if (!sameSecret(request.headers[CSRF_HEADER], verified.csrf)) throw refuse(request, 'ZG_ERR_CONSOLE_CSRF', 'csrf-token', verified.user);
    }
    // The role follows the config in force, not the one at sign-in.
    return { ...verified, role: roleOf(verified.groups, roles) };
  }

  return {
    async principal(request) {
      const found = await session(request);
      if (found === undefined) return undefined;
      const { user, name, email, groups, role } = found;
      return { user, ...(name === undefined ? {} : { name }), ...(email === undefined ? {} : { email }), groups, role };
    },
    session,
    ended,
    tokens,
    ...(appsTokens === undefined ? {} : { appsTokens }),
    roleGroups,
    roleOf: (groups) => roleOf(groups, roles),
  };
}

/** Constant-time comparison of a presented CSRF header with the session's value. */
function sameSecret(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 256) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
