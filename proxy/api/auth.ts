/**
 * Authentication, authorization and rate limits of the admin and helpdesk API: who calls
 * (an API token, or a person signed in to the web console), whether their role may call this
 * route (OWASP API5:2023), and how often (per source address before authentication, per
 * identity after it: OWASP API4:2023).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZerogateError } from '../../shared/errors.ts';
import type { ApiRole, Store } from '../store/index.ts';
import type { ConsoleAuth } from '../console/auth.ts';
import { serverHeaders } from '../console/headers.ts';
import { verifyApiToken } from './tokens.ts';

/** Who called an admin or helpdesk route: an API token, or a console user (cookie session). */
export type Caller = { kind: 'token'; tokenId: string; name: string; role: ApiRole } | { kind: 'user'; user: string; name?: string; role: ApiRole };

declare module 'fastify' {
  interface FastifyRequest {
    /** Who authenticated this request (admin and helpdesk routes). */
    zgApiCaller?: Caller;
    /** The console user of a `/v1/me/*` request made with the console cookie. */
    zgConsoleUser?: string;
  }
}

const BEARER = /^Bearer ([!-~]{1,512})$/;

export interface RateLimits {
  perSourcePerMinute: number;
  perTokenPerMinute: number;
}

/** The caller of a route that ran {@link apiAuthenticator}; a TypeError if it did not run. */
export function callerOf(request: FastifyRequest): Caller {
  const caller = request.zgApiCaller;
  if (caller === undefined) throw new TypeError('the API authenticator did not run');
  return caller;
}

/** What audit events of changes name as their author. */
export function byOf(caller: Caller): Record<string, string> {
  if (caller.kind === 'user') return { by: `user:${caller.user}`, byRole: caller.role };
  return { by: `api-token:${caller.name}`, byTokenId: caller.tokenId, byRole: caller.role };
}

function forbidden(roles: readonly ApiRole[], who: string, role: string): ZerogateError {
  return new ZerogateError('ZG_ERR_API_FORBIDDEN', `this route needs the ${roles.join(' or ')} role; ${who} has ${role}`, { reasons: ['user-not-allowed'] });
}

/**
 * A preValidation hook: a valid API token, or else a console session (cookie, with CSRF on
 * changes), whose role is in `roles`; else 401 or 403. A bearer header wins: with one, the
 * cookie is not looked at (a script holding a token never acts as the browser's user).
 */
export function apiAuthenticator(store: Store, roles: readonly ApiRole[], consoleAuth?: ConsoleAuth) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (header === undefined) {
      const principal = await consoleAuth?.principal(request);
      if (principal === undefined) {
        throw new ZerogateError('ZG_ERR_API_TOKEN_REQUIRED', 'an API token is required: send Authorization: Bearer zga_... (or sign in to the web console at /console/)', {
          reasons: ['user-unauthenticated'],
        });
      }
      const role = principal.role;
      if (role === 'employee' || !roles.includes(role)) throw forbidden(roles, 'your console role', role);
      request.zgApiCaller = { kind: 'user', user: principal.user, ...(principal.name === undefined ? {} : { name: principal.name }), role };
      return;
    }
    const match = BEARER.exec(header);
    if (match === null) {
      throw new ZerogateError('ZG_ERR_API_TOKEN_INVALID', 'the Authorization header is not a bearer API token', { reasons: ['user-unauthenticated'] });
    }
    const token = await verifyApiToken(store, match[1] as string);
    if (!roles.includes(token.role)) throw forbidden(roles, 'the token', token.role);
    request.zgApiCaller = { kind: 'token', tokenId: token.tokenId, name: token.name, role: token.role };
  };
}

/** The per-identity rate limit key: `tok:<id>`, `user:<user>` (console or agent), else the source. */
function identityKey(request: FastifyRequest): string {
  const caller = request.zgApiCaller;
  if (caller !== undefined) return caller.kind === 'token' ? `tok:${caller.tokenId}` : `user:${caller.user}`;
  if (request.zgConsoleUser !== undefined) return `user:${request.zgConsoleUser}`;
  if (request.zgSession !== undefined) return `user:${request.zgSession.session.user}`;
  return `src:${request.ip}`;
}

/**
 * Two limiters of @fastify/rate-limit, shared by every API route: `bySource` (an onRequest
 * hook, so unauthenticated floods are cut before any store lookup) and `byToken` (a
 * preHandler, after authentication, keyed by the token id so one token cannot exceed its
 * budget by spreading over addresses). Both answer 429 ZG_ERR_RATE_LIMITED with Retry-After.
 */
export function apiRateLimiters(app: FastifyInstance, limits: RateLimits) {
  const source = app.createRateLimit({ max: limits.perSourcePerMinute, timeWindow: 60_000, keyGenerator: (request) => `src:${request.ip}` });
  const token = app.createRateLimit({
    max: limits.perTokenPerMinute,
    timeWindow: 60_000,
    keyGenerator: identityKey,
  });
  const enforce = (limiter: typeof source) => async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const result = await limiter(request);
    if (result.isAllowed || !result.isExceeded) return;
    void reply.header('retry-after', String(result.ttlInSeconds));
    throw new ZerogateError('ZG_ERR_RATE_LIMITED', `too many API requests: retry in ${result.ttlInSeconds} s`, { reasons: ['rate-limited'] });
  };
  const checkSource = enforce(source);
  // API answers are about people and devices: never cached; HSTS and nosniff as everywhere.
  const bySource = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    serverHeaders(reply);
    void reply.header('cache-control', 'no-store');
    await checkSource(request, reply);
  };
  return { bySource, byToken: enforce(token) };
}
