import type { TLSSocket } from 'node:tls';
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatLimitsHeader, LIMITS_HEADER } from '../../shared/wire/index.ts';
import { MAX_TRANSPORT_MESSAGE } from './limits.ts';
import { authenticateDevice } from '../devices/index.ts';
import type { Device } from '../store/index.ts';
import { SessionRegistry } from './registry.ts';
import { TunnelSession, type SessionDeps } from './session.ts';

export { MAX_TRANSPORT_MESSAGE } from './limits.ts';

declare module 'fastify' {
  interface FastifyRequest {
    zgDevice?: Device;
    /** Expiry (ms) of the client certificate the device presented. */
    zgCertNotAfter?: number;
  }
}

/** Authenticates the device on a request (mTLS) or answers 401/403 with reasons and audits it. */
export function deviceGuard(deps: Pick<SessionDeps, 'store' | 'audit'>) {
  return async function guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const socket = request.raw.socket as TLSSocket;
    const result = await authenticateDevice(socket, deps.store);
    if (result.ok) {
      request.zgDevice = result.device;
      request.zgCertNotAfter = result.certNotAfter;
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
  opts: { deps: SessionDeps; registry: SessionRegistry; ratePerMinute: number },
): Promise<void> {
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
  app.get('/v1/tunnel', { websocket: true, preValidation: guard, config: { rateLimit: { max: opts.ratePerMinute, timeWindow: 60_000 } } }, (socket, request) => {
    const device = request.zgDevice;
    if (device === undefined) {
      socket.close(1008, 'unauthenticated');
      return;
    }
    const raw = request.raw.socket;
    raw.setNoDelay(true);
    const certNotAfter = request.zgCertNotAfter ?? 0;
    const session = new TunnelSession(socket, raw, certNotAfter, device, request.ip, opts.deps, (s) => opts.registry.remove(s));
    opts.registry.add(session);
    void opts.deps.store.touchDevice(device.id, Date.now()).catch(() => undefined);
  });
}
