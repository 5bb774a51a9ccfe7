/**
 * Session endpoints (DESIGN.md §3): sign in again on an enrolled device, renew a session token
 * out of band (the tunnel renews in-band), sign out, and "who am I". Every route needs the
 * device certificate; all but sign-in also need the session token bound to it.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/index.ts';
import type { Identity } from '../identity/setup.ts';
import type { Store } from '../store/index.ts';
import { deviceGuard, presentedDevice, sessionGuard } from '../tunnel/endpoint.ts';
import type { IdentityRateLimiter } from './identity-rate.ts';

/** Sign-in and renewal attempts per source address per minute. */
export const SESSION_RATE_PER_MINUTE = 60;
/** Longest ID token in a request body. */
const ID_TOKEN_MAX = 16 * 1024;

const idTokenBody = (required: boolean) => ({
  type: 'object',
  additionalProperties: false,
  ...(required ? { required: ['idToken'] } : {}),
  properties: { idToken: { type: 'string', minLength: 1, maxLength: ID_TOKEN_MAX } },
});

export interface SessionRouteOptions {
  identity: Identity;
  store: Store;
  audit: AuditLog;
  /** Per-user budget of sign-ins and renewals over all the user's devices and addresses. */
  perUser?: IdentityRateLimiter;
}

export async function sessionRoutes(app: FastifyInstance, opts: SessionRouteOptions): Promise<void> {
  const { identity, store, audit } = opts;
  const device = deviceGuard({ store, audit });
  const session = sessionGuard({ sessions: identity.sessions, audit });
  const lenient = sessionGuard({ sessions: identity.sessions, audit }, { allowExpired: true });
  const rateLimit = { max: SESSION_RATE_PER_MINUTE, timeWindow: 60_000 };

  app.post<{ Body: { idToken: string } }>(
    '/v1/session',
    { preValidation: device, config: { rateLimit }, schema: { body: idTokenBody(true) } },
    async (request) => {
      const verified = await identity.sessions.verifyIdToken(request.body.idToken, request.ip, 'session');
      opts.perUser?.take(verified.user);
      return identity.sessions.start(presentedDevice(request), verified, request.body.idToken, request.ip);
    },
  );

  app.post<{ Body: { idToken?: string } }>(
    '/v1/session/renew',
    { preValidation: [device, lenient], config: { rateLimit }, schema: { body: idTokenBody(false) } },
    async (request) => {
      const current = request.zgSession;
      if (current === undefined) throw new TypeError('sessionGuard did not run');
      opts.perUser?.take(current.session.user);
      return identity.sessions.renew(current, presentedDevice(request), request.body.idToken, request.ip);
    },
  );

  app.post('/v1/session/logout', { preValidation: [device, lenient], config: { rateLimit } }, async (request) => {
    const current = request.zgSession;
    if (current === undefined) throw new TypeError('sessionGuard did not run');
    const revoked = await identity.sessions.logout(current, request.ip);
    // A revocation is acknowledged only once its audit event is stored.
    await audit.flush();
    return { revoked };
  });

  app.get('/v1/session', { preValidation: [device, session] }, async (request) => {
    const current = request.zgSession;
    const presented = presentedDevice(request);
    if (current === undefined) throw new TypeError('sessionGuard did not run');
    return {
      user: current.session.user,
      groups: current.session.groups,
      amr: current.session.amr,
      method: current.session.method,
      authTime: new Date(current.session.authTime).toISOString(),
      tokenExpiresAt: new Date(current.claims.expiresAt).toISOString(),
      sessionExpiresAt: new Date(current.session.maxExpiresAt).toISOString(),
      device: { id: presented.device.id, hostname: presented.device.hostname, certNotAfter: new Date(presented.certNotAfter).toISOString() },
    };
  });
}
