/**
 * `/v1/me/*`: an employee's own objects (OWASP API1:2023, object-level authorization). The
 * caller is their agent (device certificate + session token, like `/v1/me/apps`), or the person
 * in the web console (its session cookie; "My devices").
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZerogateError } from '../../shared/errors.ts';
import { deviceGuard, sessionGuard } from '../tunnel/endpoint.ts';
import type { apiRateLimiters } from './auth.ts';
import { myDeviceDetail } from './device-detail.ts';
import { ME_PAGE_DEFAULT } from './limits.ts';
import type { ApiPluginOptions } from './plugin.ts';
import { ME_ROUTES, type MeRouteName, type MeRouteSpec } from './schemas.ts';

type Query = Record<string, string | number | undefined>;
type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Pages are newest first; `next` is present when a full page came back (there may be more). */
function pageOf<T>(items: T[], limit: number, cursor: (last: T) => unknown): Record<string, unknown> {
  const last = items.at(-1);
  return { items, ...(items.length === limit && last !== undefined ? { next: cursor(last) } : {}) };
}

function notFound(what: string): ZerogateError {
  return new ZerogateError('ZG_ERR_NOT_FOUND', `no such ${what}`);
}

export async function meRoutes(app: FastifyInstance, options: ApiPluginOptions, limiters: ReturnType<typeof apiRateLimiters>): Promise<void> {
  const { store, audit } = options;
  const guard = deviceGuard({ store, audit });
  const signedIn = sessionGuard({ sessions: options.sessions, audit });
  // The console cookie, when the request has no bearer header (an agent's session token wins);
  // else the agent's device certificate and session token.
  const caller = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (request.headers.authorization === undefined) {
      const principal = await options.consoleAuth.principal(request);
      if (principal !== undefined) {
        request.zgConsoleUser = principal.user;
        return;
      }
    }
    await guard(request, reply);
    await signedIn(request, reply);
  };
  const userOf = (request: FastifyRequest): string => {
    if (request.zgConsoleUser !== undefined) return request.zgConsoleUser;
    const session = request.zgSession;
    if (session === undefined || request.zgDevice === undefined) throw new TypeError('the device and session guards did not run');
    return session.session.user;
  };
  const meHandlers: Record<MeRouteName, Handler> = {
    async listMyDevices(request) {
      const user = userOf(request);
      const q = request.query as Query;
      const limit = (q.limit as number | undefined) ?? ME_PAGE_DEFAULT;
      const devices = await store.searchDevices({ user, before: q.before as string | undefined, limit });
      const now = Date.now();
      const items = await Promise.all(
        devices.filter((d) => d.user === user).map((d) => myDeviceDetail(options, d, { history: false, current: d.id === request.zgDevice?.id }, now)),
      );
      return pageOf(items, limit, (item) => (item.device as { id: string }).id);
    },
    async getMyDevice(request) {
      const user = userOf(request);
      const { id } = request.params as { id: string };
      const device = await store.getDevice(id);
      if (device === undefined || device.user !== user) {
        if (device !== undefined) {
          // Another user's device: answered like a missing one (ids do not reveal what exists), audited.
          audit.record({
            type: 'api.deny',
            decision: 'deny',
            user,
            device: request.zgDevice?.id,
            source: request.ip,
            reasons: ['user-not-allowed'],
            detail: { route: request.routeOptions.url, code: 'ZG_ERR_NOT_FOUND', object: 'device', objectId: id, why: 'not-owner' },
          });
        }
        throw notFound('device');
      }
      return myDeviceDetail(options, device, { history: true, current: device.id === request.zgDevice?.id });
    },
  };
  for (const [name, spec] of Object.entries(ME_ROUTES) as [MeRouteName, MeRouteSpec][]) {
    app.route({
      method: spec.method,
      url: spec.url,
      schema: spec.schema,
      onRequest: limiters.bySource,
      preValidation: caller,
      preHandler: limiters.byToken,
      handler: meHandlers[name],
    });
  }

}
