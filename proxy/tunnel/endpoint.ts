import type { TLSSocket } from 'node:tls';
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatLimitsHeader, LIMITS_HEADER } from '../../shared/wire/index.ts';
import { MAX_TRANSPORT_MESSAGE } from './limits.ts';
import { authenticateDevice } from '../devices/index.ts';
import { isZerogateError, ZerogateError } from '../../shared/errors.ts';
import type { AuditLog } from '../audit/index.ts';
import type { PresentedDevice, SessionIdentity, SessionService } from '../identity/index.ts';
import type { Device } from '../store/index.ts';
import { SessionRegistry } from './registry.ts';
import { TunnelSession, type SessionDeps } from './session.ts';
import { IdentityRateLimiter } from '../server/identity-rate.ts';

export { MAX_TRANSPORT_MESSAGE } from './limits.ts';

declare module 'fastify' {
  interface FastifyRequest {
    zgDevice?: Device;
    /** Expiry (ms) of the client certificate the device presented. */
    zgCertNotAfter?: number;
    /** `x5t#S256` of the client certificate the device presented. */
    zgCertThumbprint?: string;
    /** The session a valid bearer token named (routes behind {@link sessionGuard}). */
    zgSession?: SessionIdentity;
  }
}

/** The credentials a device presented on this request (after {@link deviceGuard}). */
export function presentedDevice(request: FastifyRequest): PresentedDevice {
  const device = request.zgDevice;
  if (device === undefined || request.zgCertThumbprint === undefined) throw new TypeError('presentedDevice() needs deviceGuard to run first');
  return { device, certThumbprint: request.zgCertThumbprint, certNotAfter: request.zgCertNotAfter ?? 0 };
}

/** `Authorization: Bearer <token>` (RFC 6750 §2.1), or undefined. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  return match?.[1];
}

/**
 * Requires a session token bound to the certificate {@link deviceGuard} checked, naming a live
 * session; answers 401 with reasons and audits otherwise. With `allowExpired`, an expired token
 * still identifies its session (renewal and logout).
 */
export function sessionGuard(deps: { sessions: SessionService; audit: AuditLog }, options: { allowExpired?: boolean } = {}) {
  return async function guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.zgDevice === undefined) return; // deviceGuard already answered
    try {
      request.zgSession = await deps.sessions.authenticate(bearerToken(request), presentedDevice(request), options);
    } catch (error) {
      const coded = isZerogateError(error) ? error : new ZerogateError('ZG_ERR_STORE_UNAVAILABLE', 'the session cannot be checked right now: try again shortly', { cause: error });
      deps.audit.record({
        type: 'session.deny',
        decision: 'deny',
        source: request.ip,
        user: request.zgDevice.user,
        device: request.zgDevice.id,
        reasons: [...coded.reasons],
        detail: { code: coded.code, route: request.routeOptions.url, ...(coded.detail ?? {}) },
      });
      await reply
        .code(coded.statusCode)
        .header('www-authenticate', `Bearer error="invalid_token"`)
        .send({ statusCode: coded.statusCode, code: coded.code, error: coded.statusCode === 401 ? 'Unauthorized' : 'Service Unavailable', reasons: coded.reasons, message: coded.message });
    }
  };
}

/** Authenticates the device on a request (mTLS) or answers 401/403 with reasons and audits it. */
export function deviceGuard(deps: Pick<SessionDeps, 'store' | 'audit'>) {
  return async function guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const socket = request.raw.socket as TLSSocket;
    const result = await authenticateDevice(socket, deps.store);
    if (result.ok) {
      request.zgDevice = result.device;
      request.zgCertNotAfter = result.certNotAfter;
      request.zgCertThumbprint = result.certThumbprint;
      return;
    }
    deps.audit.record({
      type: 'session.deny',
      decision: 'deny',
      source: request.ip,
      device: result.deviceId,
      reasons: result.reasons,
      detail: { code: result.code, route: request.routeOptions.url },
    });
    await reply.code(result.statusCode).send({
      statusCode: result.statusCode,
      code: result.code,
      error: result.statusCode === 401 ? 'Unauthorized' : 'Forbidden',
      reasons: result.reasons,
      message: result.message,
    });
  };
}

/** `GET /v1/tunnel`: the WebSocket upgrade, only for an authenticated, active device. */
export async function tunnelPlugin(
  app: FastifyInstance,
  opts: { deps: SessionDeps; registry: SessionRegistry; refusalsPerSourcePerMinute: number; upgradesPerDevicePerMinute: number },
): Promise<void> {
  // Two budgets instead of one per source: an office of thousands of agents behind one NAT
  // reconnects at once after a node dies (issue 7: within 5 s), so a source is limited only in
  // *refused* upgrades (a client hammering the endpoint and the audit trail), and an
  // authenticated device in its own upgrades (a reconnect loop).
  const refusals = new IdentityRateLimiter({ max: opts.refusalsPerSourcePerMinute, windowMs: 60_000, what: 'refused tunnel upgrades', whose: 'from this address' });
  const perDevice = new IdentityRateLimiter({ max: opts.upgradesPerDevicePerMinute, windowMs: 60_000, what: 'tunnel connections', whose: 'for this device' });
  await app.register(websocket, {
    options: {
      perMessageDeflate: false,
      maxPayload: MAX_TRANSPORT_MESSAGE,
      skipUTF8Validation: true,
    },
  });
  // Agents adopt the limits announced here, so both ends agree on frame size and window.
  const announced = `${LIMITS_HEADER}: ${formatLimitsHeader(opts.deps.wireLimits)}`;
  app.websocketServer.on('headers', (headers: string[]) => headers.push(announced));
  const guard = deviceGuard(opts.deps);
  const session = sessionGuard(opts.deps);
  app.get(
    '/v1/tunnel',
    {
      websocket: true,
      onRequest: async (request) => refusals.check(request.ip),
      preValidation: [guard, session],
      preHandler: async (request) => {
        const device = request.zgDevice;
        if (device !== undefined) perDevice.take(device.id);
      },
      onResponse: async (request, reply) => {
        // Refused before the upgrade (no certificate, revoked, bad token...): counts against the source.
        if (reply.statusCode === 401 || reply.statusCode === 403) refusals.count(request.ip);
      },
    },
    (socket, request) => {
      const device = request.zgDevice;
      const identity = request.zgSession;
      if (device === undefined || identity === undefined) {
        socket.close(1008, 'unauthenticated');
        return;
      }
      const raw = request.raw.socket;
      raw.setNoDelay(true);
      const certNotAfter = request.zgCertNotAfter ?? 0;
      const tunnel = new TunnelSession(socket, raw, { certNotAfter, device, identity, presented: presentedDevice(request) }, request.ip, opts.deps, (s) => opts.registry.remove(s));
      opts.registry.add(tunnel);
      void opts.deps.store.touchDevice(device.id, Date.now()).catch(() => undefined);
    },
  );
}
