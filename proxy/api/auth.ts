/**
 * Authentication, authorization and rate limits of the admin and helpdesk API: who calls
 * (an API token), whether their role may call this route (OWASP API5:2023), and how often
 * (per source address before authentication, per token after it: OWASP API4:2023).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZerogateError } from '../../shared/errors.ts';
import type { ApiRole, Store } from '../store/index.ts';
import type { ConsoleAuth } from '../console/auth.ts';
import { verifyApiToken, type ApiCaller } from './tokens.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API token that authenticated this request (admin and helpdesk routes). */
    zgApiCaller?: ApiCaller;
  }
}

const BEARER = /^Bearer ([!-~]{1,512})$/;

export interface RateLimits {
  perSourcePerMinute: number;
  perTokenPerMinute: number;
}

/** The caller of a route that ran {@link apiAuthenticator}; a TypeError if it did not run. */
export function callerOf(request: FastifyRequest): ApiCaller {
  const caller = request.zgApiCaller;
  if (caller === undefined) throw new TypeError('the API authenticator did not run');
  return caller;
}

/** What audit events of changes name as their author. */
export function byOf(caller: ApiCaller): Record<string, string> {
  return { by: `api-token:${caller.name}`, byTokenId: caller.tokenId, byRole: caller.role };
}

/** A preValidation hook: a valid token whose role is in `roles`, else 401 or 403. */
export function apiAuthenticator(store: Store, roles: readonly ApiRole[], _consoleAuth?: ConsoleAuth) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (header === undefined) {
      throw new ZerogateError('ZG_ERR_API_TOKEN_REQUIRED', 'an API token is required: send Authorization: Bearer zga_...', { reasons: ['user-unauthenticated'] });
    }
    const match = BEARER.exec(header);
    if (match === null) {
      throw new ZerogateError('ZG_ERR_API_TOKEN_INVALID', 'the Authorization header is not a bearer API token', { reasons: ['user-unauthenticated'] });
    }
    const caller = await verifyApiToken(store, match[1] as string);
    if (!roles.includes(caller.role)) {
      throw new ZerogateError('ZG_ERR_API_FORBIDDEN', `this route needs the ${roles.join(' or ')} role; the token has ${caller.role}`, { reasons: ['user-not-allowed'] });
    }
    request.zgApiCaller = caller;
  };
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
    // An API token, else the employee of a `/v1/me/*` session, else the source address.
    keyGenerator: (request) =>
      request.zgApiCaller !== undefined ? `tok:${request.zgApiCaller.tokenId}` : request.zgSession !== undefined ? `user:${request.zgSession.session.user}` : `src:${request.ip}`,
  });
  const enforce = (limiter: typeof source) => async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const result = await limiter(request);
    if (result.isAllowed || !result.isExceeded) return;
    void reply.header('retry-after', String(result.ttlInSeconds));
    throw new ZerogateError('ZG_ERR_RATE_LIMITED', `too many API requests: retry in ${result.ttlInSeconds} s`, { reasons: ['rate-limited'] });
  };
  return { bySource: enforce(source), byToken: enforce(token) };
}
