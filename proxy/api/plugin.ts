/**
 * The admin and helpdesk API (DESIGN.md §3, §7): `/v1/helpdesk/*` (read: devices, posture,
 * verdicts, decisions) and `/v1/admin/*` (revocations, audit), authenticated by API tokens,
 * schema-first (schemas.ts), and described by the OpenAPI document at `/v1/openapi.json`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZerogateError } from '../../shared/errors.ts';
import type { AuditLog } from '../audit/index.ts';
import type { SessionService } from '../identity/index.ts';
import type { Store } from '../store/index.ts';
import type { ConsoleAuth } from '../console/auth.ts';
import { deviceGuard, sessionGuard } from '../tunnel/endpoint.ts';
import { apiAuthenticator, apiRateLimiters, byOf, callerOf, type RateLimits } from './auth.ts';
import { deviceDetail, myDeviceDetail, type DetailDeps } from './device-detail.ts';
import { API_RATE_PER_SOURCE_PER_MINUTE, API_RATE_PER_TOKEN_PER_MINUTE, ME_PAGE_DEFAULT, PAGE_DEFAULT } from './limits.ts';
import { buildOpenApi, OPENAPI_PATH } from './openapi.ts';
import { invalidPolicyBody, simulatePolicy, validatePolicy, type SimulateInput } from './policies.ts';
import { API_ROUTES, DISCOVERY_ROUTES, MANAGE_ROUTES, ME_ROUTES, POLICY_ROUTES, type ApiRouteName, type ApiRouteSpec, type DiscoveryRouteName, type ManageRouteName, type MeRouteName, type MeRouteSpec, type PolicyRouteName } from './schemas.ts';
import type { CatalogService } from './catalog.ts';
import { manageHandlers } from './manage.ts';
import { DiscoveryInventory } from '../http/discovery/index.ts';
import { discoveryHandlers } from './discovery.ts';
import type { GuardContext, Resolver } from './upstream-guard.ts';
import { auditView, decisionView, deviceView } from './views.ts';
import { meRoutes } from './me.ts';

export interface ApiPluginOptions extends DetailDeps {
  /** Console sessions (cookie + CSRF) as a second kind of caller besides API tokens. */
  consoleAuth: ConsoleAuth;
  audit: AuditLog;
  /** The proxy's version, for the OpenAPI document. */
  version: string;
  rateLimits?: Partial<RateLimits>;
  /** Sessions, for `/v1/me/*` (device certificate + session token, like `/v1/me/apps`). */
  sessions: SessionService;
  /** The effective apps and policies (config overlaid by API changes), and how to change them. */
  catalog: CatalogService;
  /** Who the proxy is, so apps published through the API cannot point back at it (SSRF guard). */
  upstreamGuard: GuardContext;
  /** Name resolution of the SSRF guard (tests); default: the system resolver. */
  resolver?: Resolver;
  /** HTTP apps' endpoint inventory on this node (the gateway's discovery inspector); absent: an empty one. */
  inventory?: DiscoveryInventory;
}

/** A route whose body may be left out sees `{}` (fastify would validate `undefined` against the schema). */
async function emptyBody(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

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

export async function apiPlugin(app: FastifyInstance, options: ApiPluginOptions): Promise<void> {
  const { store, audit } = options;
  const limiters = apiRateLimiters(app, {
    perSourcePerMinute: options.rateLimits?.perSourcePerMinute ?? API_RATE_PER_SOURCE_PER_MINUTE,
    perTokenPerMinute: options.rateLimits?.perTokenPerMinute ?? API_RATE_PER_TOKEN_PER_MINUTE,
  });

  const handlers: Record<ApiRouteName, Handler> = {
    async searchDevices(request) {
      const q = request.query as Query;
      const limit = (q.limit as number | undefined) ?? PAGE_DEFAULT;
      const devices = await store.searchDevices({
        user: q.user as string | undefined,
        hostname: q.hostname as string | undefined,
        status: q.status as 'active' | 'revoked' | undefined,
        before: q.before as string | undefined,
        limit,
      });
      return pageOf(devices.map(deviceView), limit, (d) => d.id);
    },
    async getDevice(request) {
      const { id } = request.params as { id: string };
      const device = await store.getDevice(id);
      if (device === undefined) throw notFound('device');
      return deviceDetail(options, device);
    },
    async searchDecisions(request) {
      const q = request.query as Query;
      const limit = (q.limit as number | undefined) ?? PAGE_DEFAULT;
      const events = await store.queryDecisions({
        user: q.user as string | undefined,
        device: q.device as string | undefined,
        app: q.app as string | undefined,
        before: q.before as number | undefined,
        limit,
      });
      return pageOf(events.map(decisionView), limit, (e) => e.id);
    },
    async revokeDevice(request) {
      const { id } = request.params as { id: string };
      const { reason } = request.body as { reason: string };
      const caller = callerOf(request);
      if ((await store.getDevice(id)) === undefined) throw notFound('device');
      // The revocation watcher sees the store's revocation sequence and cuts the device's live
      // tunnels on every node (proxy/devices/revocation-watcher.ts).
      const revoked = await store.revokeDevice(id, Date.now(), reason);
      const device = await store.getDevice(id);
      if (device === undefined) throw notFound('device');
      if (revoked) {
        // Answered only once the event is stored: an acknowledged revocation is never unaudited.
        await audit.recordDurable({ type: 'device.revoke', user: device.user, device: id, source: request.ip, reasons: ['device-revoked'], detail: { ...byOf(caller), reason } });
      }
      return { device: deviceView(device), revoked };
    },
    async revokeUserSessions(request) {
      const { user } = request.params as { user: string };
      const { reason } = request.body as { reason: string };
      const caller = callerOf(request);
      const now = Date.now();
      const revoked = await store.revokeUserSessions(user, now);
      // Their console sign-ins too, and with them every clientless apps cookie handed over.
      const browserSessions = await store.revokeUserBrowserSessions(user, now);
      await audit.recordDurable({
        type: 'admin.change',
        user,
        source: request.ip,
        detail: { action: 'user.sessions.revoke', ...byOf(caller), sessionsEnded: revoked, browserSessionsEnded: browserSessions, reason },
      });
      return { user, revoked, browserSessions };
    },
    async searchAudit(request) {
      const q = request.query as Query;
      const limit = (q.limit as number | undefined) ?? PAGE_DEFAULT;
      const events = await store.queryAudit({
        ...(q.type === undefined ? {} : { type: q.type as string }),
        ...(q.user === undefined ? {} : { user: q.user as string }),
        ...(q.device === undefined ? {} : { device: q.device as string }),
        ...(q.before === undefined ? {} : { before: q.before as number }),
        limit,
      });
      return pageOf(events.map(auditView), limit, (e) => e.id);
    },
  };

  const policyHandlers: Record<PolicyRouteName, Handler> = {
    async validatePolicy(request, reply) {
      const { policy } = request.body as { policy: unknown };
      const checked = validatePolicy(policy);
      if (!checked.valid) return reply.code(400).send(invalidPolicyBody(checked.errors));
      return checked;
    },
    async simulatePolicy(request, reply) {
      const outcome = await simulatePolicy(options, request.body as SimulateInput);
      if (!outcome.ok) return reply.code(400).send(invalidPolicyBody(outcome.errors));
      return outcome.result;
    },
  };

  const manage = manageHandlers({ store, audit, catalog: options.catalog, upstreamGuard: options.upstreamGuard, ...(options.resolver === undefined ? {} : { resolver: options.resolver }) });

  const discovery = discoveryHandlers({ catalog: options.catalog, inventory: options.inventory ?? new DiscoveryInventory() });

  const tokenRoutes: [string, ApiRouteSpec, Handler][] = [
    ...(Object.entries(API_ROUTES) as [ApiRouteName, ApiRouteSpec][]).map(([name, spec]): [string, ApiRouteSpec, Handler] => [name, spec, handlers[name]]),
    ...(Object.entries(POLICY_ROUTES) as [PolicyRouteName, ApiRouteSpec][]).map(([name, spec]): [string, ApiRouteSpec, Handler] => [name, spec, policyHandlers[name]]),
    ...(Object.entries(MANAGE_ROUTES) as [ManageRouteName, ApiRouteSpec][]).map(([name, spec]): [string, ApiRouteSpec, Handler] => [name, spec, manage[name]]),
    ...(Object.entries(DISCOVERY_ROUTES) as [DiscoveryRouteName, ApiRouteSpec][]).map(([name, spec]): [string, ApiRouteSpec, Handler] => [name, spec, discovery[name]]),
  ];
  for (const [, spec, handler] of tokenRoutes) {
    app.route({
      method: spec.method,
      url: spec.url,
      schema: spec.schema,
      ...(spec.bodyLimit === undefined ? {} : { bodyLimit: spec.bodyLimit }),
      onRequest: limiters.bySource,
      preValidation: spec.bodyOptional === true ? [apiAuthenticator(store, spec.roles, options.consoleAuth), emptyBody] : apiAuthenticator(store, spec.roles, options.consoleAuth),
      preHandler: limiters.byToken,
      handler,
    });
  }

  await meRoutes(app, options, limiters);

  const document = buildOpenApi(options.version);
  app.get(OPENAPI_PATH, { onRequest: limiters.bySource }, async () => document);
}
