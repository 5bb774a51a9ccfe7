/**
 * The admin API's changes to what the proxy publishes (DESIGN.md §3): apps and policies written
 * through the API (persisted in the store, overlaying the config file: catalog.ts), the live
 * sessions the helpdesk looks at, and API tokens. Every change is audited as `admin.change`
 * with who made it; apps published here pass the SSRF guard (upstream-guard.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { tryParseDuration } from '../../shared/duration.ts';
import { ZerogateError } from '../../shared/errors.ts';
import type { AuditLog } from '../audit/index.ts';
import type { ApiRole, ApiTokenRecord, LiveSession, Store } from '../store/index.ts';
import { byOf, callerOf } from './auth.ts';
import { appsUsing, parseAppDefinition, type AppDefinition, type CatalogApp, type CatalogService } from './catalog.ts';
import { API_TOKEN_MAX_TTL_MS, API_TOKEN_MIN_TTL_MS, API_TOKENS_LIST_LIMIT, PAGE_DEFAULT } from './limits.ts';
import { invalidPolicyBody, validatePolicy } from './policies.ts';
import type { ManageRouteName } from './schemas.ts';
import { createApiToken, revokeApiToken } from './tokens.ts';
import { checkUpstream, type GuardContext, type Resolver } from './upstream-guard.ts';

export interface ManageDeps {
  store: Store;
  audit: AuditLog;
  catalog: CatalogService;
  /** Who the proxy is, for the SSRF guard. */
  upstreamGuard: GuardContext;
  /** Name resolution for the SSRF guard (tests); default: the system resolver. */
  resolver?: Resolver;
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
type AppBody = Omit<AppDefinition, 'id'> & { id?: string; reason?: string };

const iso = (ms: number): string => new Date(ms).toISOString();

function notFound(what: string): ZerogateError {
  return new ZerogateError('ZG_ERR_NOT_FOUND', `no such ${what}`);
}

function badRequest(message: string): ZerogateError {
  return new ZerogateError('ZG_ERR_BAD_REQUEST', message);
}

export function appView(entry: CatalogApp): Record<string, unknown> {
  const { app } = entry;
  return {
    id: app.id,
    name: app.name,
    upstream: app.upstream.url,
    ...(app.policy === undefined ? {} : { policy: app.policy }),
    users: [...app.users],
    ...(entry.allowRestrictedUpstream ? { allowRestrictedUpstream: true } : {}),
    ...(app.http === undefined
      ? {}
      : {
          http: {
            assertion: app.http.assertion,
            clientless: app.http.clientless,
            openapi: app.http.openapi !== undefined,
            requestValidation: app.http.requestValidation,
            responseValidation: app.http.responseValidation,
            rateLimit: { ...app.http.rateLimit },
          },
        }),
    source: entry.source,
    ...(entry.updatedAt === undefined ? {} : { updatedAt: iso(entry.updatedAt) }),
    ...(entry.updatedBy === undefined ? {} : { updatedBy: entry.updatedBy }),
  };
}

function sessionView(live: LiveSession): Record<string, unknown> {
  const s = live.session;
  return {
    user: s.user,
    device: s.deviceId,
    ...(live.hostname === undefined ? {} : { hostname: live.hostname }),
    method: s.method,
    groups: [...s.groups],
    startedAt: iso(s.createdAt),
    expiresAt: iso(s.maxExpiresAt),
  };
}

function tokenView(t: ApiTokenRecord, now: number): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    createdAt: iso(t.createdAt),
    expiresAt: iso(t.expiresAt),
    ...(t.revokedAt === undefined ? {} : { revokedAt: iso(t.revokedAt) }),
    status: t.revokedAt !== undefined ? 'revoked' : now >= t.expiresAt ? 'expired' : 'active',
  };
}

/** The definition kept in the store: the body as written, without the change's reason. */
function definitionOf(id: string, body: AppBody): AppDefinition {
  const { reason: _reason, id: _id, ...rest } = body;
  return { id, ...rest };
}

export function manageHandlers(deps: ManageDeps): Record<ManageRouteName, Handler> {
  const { store, audit, catalog } = deps;

  /** `{reason}` when given, for audit details. */
  const reasonOf = (body: unknown): { reason?: string } => {
    const reason = (body as { reason?: unknown } | undefined)?.reason;
    return typeof reason === 'string' ? { reason } : {};
  };

  /**
   * Parses an app body against the current catalogue and runs the SSRF guard on its upstream.
   * Returns the audit detail about a restricted upstream that the body's override allowed.
   */
  async function vetApp(definition: AppDefinition): Promise<{ restrictedUpstream?: true }> {
    const parsed = parseAppDefinition(definition, catalog.current().policies, { clientlessAllowed: catalog.clientlessAllowed });
    if (!parsed.ok) throw badRequest(`the app is not valid: ${parsed.message}`);
    const verdict = await checkUpstream(parsed.app.upstream, deps.upstreamGuard, deps.resolver);
    if (!verdict.restricted) return {};
    if (definition.allowRestrictedUpstream === true) return { restrictedUpstream: true };
    throw new ZerogateError(
      'ZG_ERR_API_UPSTREAM_FORBIDDEN',
      `upstream ${parsed.app.upstream.url} is ${verdict.why}: apps published through the API may not point there; if this is intended, send "allowRestrictedUpstream": true`,
    );
  }

  /** Writes an app row and answers its effective entry. */
  async function writeApp(request: FastifyRequest, definition: AppDefinition): Promise<CatalogApp> {
    const caller = callerOf(request);
    const next = await catalog.write('app', { id: definition.id, definition: { ...definition }, deleted: false, updatedAt: Date.now(), updatedBy: byOf(caller).by ?? 'api' });
    const entry = next.apps.get(definition.id);
    if (entry === undefined) throw new TypeError(`app ${definition.id} was written but is not in the catalogue`);
    return entry;
  }

  /** Audits an admin change; resolves once the event is stored, so the answer can acknowledge it. */
  function auditChange(request: FastifyRequest, action: string, fields: { app?: string; detail: Record<string, unknown> }): Promise<void> {
    return audit.recordDurable({
      type: 'admin.change',
      source: request.ip,
      ...(fields.app === undefined ? {} : { app: fields.app }),
      detail: { action, ...byOf(callerOf(request)), ...reasonOf(request.body), ...fields.detail },
    });
  }

  return {
    async listApps() {
      return { items: [...catalog.current().apps.values()].map(appView) };
    },

    async publishApp(request, reply) {
      const body = request.body as AppBody & { id: string };
      const definition = definitionOf(body.id, body);
      const { entry, restricted } = await catalog.exclusive(async () => {
        const existing = catalog.current().apps.get(body.id);
        if (existing !== undefined) {
          throw new ZerogateError('ZG_ERR_API_CONFLICT', `app ${body.id} is already published (source: ${existing.source}): change it with PUT /v1/admin/apps/${body.id}`);
        }
        const restricted = await vetApp(definition);
        return { entry: await writeApp(request, definition), restricted };
      });
      await auditChange(request, 'app.publish', { app: body.id, detail: { app: body.id, upstream: entry.app.upstream.url, ...restricted } });
      return reply.code(201).send(appView(entry));
    },

    async editApp(request) {
      const { id } = request.params as { id: string };
      const definition = definitionOf(id, request.body as AppBody);
      const { entry, restricted, previous } = await catalog.exclusive(async () => {
        const existing = catalog.current().apps.get(id);
        if (existing === undefined) throw notFound('app');
        const restricted = await vetApp(definition);
        return { entry: await writeApp(request, definition), restricted, previous: existing.source };
      });
      await auditChange(request, 'app.edit', { app: id, detail: { app: id, upstream: entry.app.upstream.url, previousSource: previous, ...restricted } });
      return appView(entry);
    },

    async unpublishApp(request) {
      const { id } = request.params as { id: string };
      const caller = callerOf(request);
      const previous = await catalog.exclusive(async () => {
        const existing = catalog.current().apps.get(id);
        if (existing === undefined) throw notFound('app');
        // Applying the catalogue decides every live stream again: streams to this app are reset (app-not-found).
        await catalog.write('app', { id, definition: undefined, deleted: true, updatedAt: Date.now(), updatedBy: byOf(caller).by ?? 'api' });
        return existing.source;
      });
      await auditChange(request, 'app.unpublish', { app: id, detail: { app: id, previousSource: previous } });
      return { id, unpublished: true };
    },

    async listPolicies() {
      const current = catalog.current();
      return {
        items: [...current.policies.values()].map((p) => ({
          name: p.name,
          policy: p.written,
          source: p.source,
          usedBy: appsUsing(current, p.name),
          ...(p.updatedAt === undefined ? {} : { updatedAt: iso(p.updatedAt) }),
          ...(p.updatedBy === undefined ? {} : { updatedBy: p.updatedBy }),
        })),
      };
    },

    async putPolicy(request, reply) {
      const { name } = request.params as { name: string };
      const { policy } = request.body as { policy: Record<string, unknown> };
      const checked = validatePolicy(policy);
      if (!checked.valid) return reply.code(400).send(invalidPolicyBody(checked.errors));
      const caller = callerOf(request);
      const created = await catalog.exclusive(async () => {
        const created = !catalog.current().policies.has(name);
        await catalog.write('policy', { id: name, definition: policy, deleted: false, updatedAt: Date.now(), updatedBy: byOf(caller).by ?? 'api' });
        return created;
      });
      await auditChange(request, created ? 'policy.create' : 'policy.edit', { detail: { policy: name, usedBy: appsUsing(catalog.current(), name) } });
      return { name, policy, created };
    },

    async deletePolicy(request) {
      const { name } = request.params as { name: string };
      const caller = callerOf(request);
      await catalog.exclusive(async () => {
        const current = catalog.current();
        if (!current.policies.has(name)) throw notFound('policy');
        const users = appsUsing(current, name);
        if (users.length > 0) {
          throw new ZerogateError('ZG_ERR_API_CONFLICT', `policy ${name} is used by app(s) ${users.join(', ')}: give them another policy first`);
        }
        await catalog.write('policy', { id: name, definition: undefined, deleted: true, updatedAt: Date.now(), updatedBy: byOf(caller).by ?? 'api' });
      });
      await auditChange(request, 'policy.delete', { detail: { policy: name } });
      return { name, deleted: true };
    },

    async listSessions(request) {
      const q = request.query as { user?: string; limit?: number; before?: number };
      const limit = q.limit ?? PAGE_DEFAULT;
      const sessions = await store.listLiveSessions({ user: q.user, before: q.before, limit, now: Date.now() });
      const last = sessions.at(-1);
      return { items: sessions.map(sessionView), ...(sessions.length === limit && last !== undefined ? { next: last.cursor } : {}) };
    },

    async listApiTokens() {
      const now = Date.now();
      return { items: (await store.listApiTokens(API_TOKENS_LIST_LIMIT)).map((t) => tokenView(t, now)) };
    },

    async createApiToken(request, reply) {
      const body = request.body as { name: string; role: ApiRole; ttl: string };
      const ttlMs = tryParseDuration(body.ttl);
      if (ttlMs === undefined || ttlMs < API_TOKEN_MIN_TTL_MS || ttlMs > API_TOKEN_MAX_TTL_MS) {
        throw badRequest(`ttl must be a duration from 1m to 90d, such as "30d"; got "${body.ttl}"`);
      }
      const created = await createApiToken(store, { role: body.role, name: body.name, ttlMs });
      await auditChange(request, 'api-token.create', { detail: { tokenId: created.id, name: created.name, role: created.role, expiresAt: iso(created.expiresAt) } });
      return reply.code(201).send({ token: created.token, id: created.id, name: created.name, role: created.role, expiresAt: iso(created.expiresAt) });
    },

    async revokeApiToken(request) {
      const { id } = request.params as { id: string };
      const token = await store.getApiToken(id);
      if (token === undefined) throw notFound('API token');
      const revoked = await revokeApiToken(store, id);
      if (revoked) await auditChange(request, 'api-token.revoke', { detail: { tokenId: id, name: token.name, role: token.role } });
      return { id, revoked };
    },
  };
}
