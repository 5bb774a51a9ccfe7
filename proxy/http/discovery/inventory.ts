/**
 * Shadow-API discovery (issue 8, item 4): per app, the endpoints actually called (method + path
 * template), with first and last seen, request count, distinct callers and status codes, and
 * against the app's OpenAPI document: endpoints it does not declare (`undeclared`, shadow APIs)
 * and declared ones never called (`unused`, candidates for removal: zombie APIs).
 *
 * Kept in memory on each node, bounded (named constants below): a restart starts an empty
 * inventory, and with several nodes each node knows the traffic it carried. Persisting to the
 * store, and merging nodes, is future work.
 */
import type { AppConfig } from '../../config/index.ts';
import type { CompiledApi } from '../openapi/compile.ts';
import { OpenApiRegistry } from '../openapi/registry.ts';
import type { HttpExchange, HttpInspector, HttpResponseInfo } from '../types.ts';
import { templateOf, type PlaceholderKind } from './templates.ts';

/** Most apps with an inventory; the least recently called is dropped first. */
export const DISCOVERY_APPS_MAX = 500;
/** Most endpoints kept per app; endpoints seen after that are counted in `dropped` only. */
export const DISCOVERY_ENDPOINTS_MAX = 1_000;
/** Most distinct callers counted per endpoint (the count stops there). */
export const DISCOVERY_CALLERS_MAX = 1_000;

interface Endpoint {
  method: string;
  template: string;
  kinds: Map<string, PlaceholderKind>;
  firstSeen: number;
  lastSeen: number;
  requests: number;
  callers: Set<string>;
  statuses: Map<number, number>;
}

interface AppInventory {
  endpoints: Map<string, Endpoint>;
  dropped: number;
}

export interface EndpointItem {
  method: string;
  path: string;
  firstSeen?: string;
  lastSeen?: string;
  requests: number;
  callers: number;
  statuses: Record<string, number>;
  declared: boolean;
  flag?: 'undeclared' | 'unused';
}

export interface EndpointList {
  app: string;
  /** Whether the app has an OpenAPI document (only then are endpoints flagged). */
  declared: boolean;
  items: EndpointItem[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class DiscoveryInventory implements HttpInspector {
  readonly name = 'discovery';
  readonly #apps = new Map<string, AppInventory>();
  readonly #registry: OpenApiRegistry;
  readonly #now: () => number;
  readonly #maxApps: number;
  readonly #maxEndpoints: number;

  constructor(deps: { registry?: OpenApiRegistry; now?: () => number; maxApps?: number; maxEndpoints?: number } = {}) {
    this.#registry = deps.registry ?? new OpenApiRegistry();
    this.#now = deps.now ?? Date.now;
    this.#maxApps = deps.maxApps ?? DISCOVERY_APPS_MAX;
    this.#maxEndpoints = deps.maxEndpoints ?? DISCOVERY_ENDPOINTS_MAX;
  }

  onResponse(exchange: HttpExchange, response: HttpResponseInfo): undefined {
    this.record(exchange.app, exchange.method, exchange.path, exchange.principal.user, response.status);
    return undefined;
  }

  /** Counts one call (also for tests and for other entry points than the gateway). */
  record(app: AppConfig, method: string, path: string, caller: string, status: number): void {
    const inventory = this.#inventory(app.id);
    const templated = templateOf(path, this.#api(app));
    const key = `${method} ${templated.template}`;
    const now = this.#now();
    let endpoint = inventory.endpoints.get(key);
    if (endpoint === undefined) {
      if (inventory.endpoints.size >= this.#maxEndpoints) {
        inventory.dropped++;
        return;
      }
      endpoint = { method, template: templated.template, kinds: new Map(templated.params.map((p) => [p.name, p.kind])), firstSeen: now, lastSeen: now, requests: 0, callers: new Set(), statuses: new Map() };
      inventory.endpoints.set(key, endpoint);
    }
    endpoint.lastSeen = now;
    endpoint.requests++;
    if (endpoint.callers.size < DISCOVERY_CALLERS_MAX) endpoint.callers.add(caller);
    endpoint.statuses.set(status, (endpoint.statuses.get(status) ?? 0) + 1);
  }

  /** Endpoints seen after the app's inventory was full (not listed). */
  dropped(appId: string): number {
    return this.#apps.get(appId)?.dropped ?? 0;
  }

  /** The app's inventory, most called first, then declared endpoints never called. */
  list(app: AppConfig): EndpointList {
    const api = this.#api(app);
    const observed = [...(this.#apps.get(app.id)?.endpoints.values() ?? [])];
    const items: EndpointItem[] = observed
      .sort((a, b) => b.requests - a.requests || a.template.localeCompare(b.template) || a.method.localeCompare(b.method))
      .map((e) => {
        const declared = api !== undefined && isDeclared(api, e.method, e.template);
        return {
          method: e.method,
          path: e.template,
          firstSeen: iso(e.firstSeen),
          lastSeen: iso(e.lastSeen),
          requests: e.requests,
          callers: e.callers.size,
          statuses: Object.fromEntries([...e.statuses].sort(([a], [b]) => a - b).map(([s, n]) => [String(s), n])),
          declared,
          ...(api !== undefined && !declared ? { flag: 'undeclared' as const } : {}),
        };
      });
    if (api !== undefined) {
      const seen = new Set(observed.map((e) => `${e.method} ${e.template}`));
      for (const op of api.operations) {
        if (seen.has(`${op.method} ${op.template}`)) continue;
        items.push({ method: op.method, path: op.template, requests: 0, callers: 0, statuses: {}, declared: true, flag: 'unused' });
      }
    }
    return { app: app.id, declared: api !== undefined, items };
  }

  /** What was observed, as an OpenAPI 3.1 document (paths, methods, path parameters, statuses). */
  exportOpenApi(app: AppConfig): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    const endpoints = [...(this.#apps.get(app.id)?.endpoints.values() ?? [])].sort((a, b) => a.template.localeCompare(b.template) || a.method.localeCompare(b.method));
    const api = this.#api(app);
    for (const e of endpoints) {
      (paths[e.template] ??= {})[e.method.toLowerCase()] = {
        summary: `Observed: ${e.requests} request(s) from ${e.callers.size} caller(s)`,
        ...(parametersOf(e).length === 0 ? {} : { parameters: parametersOf(e) }),
        responses: e.statuses.size === 0 ? { default: { description: 'not observed' } } : Object.fromEntries([...e.statuses].sort(([a], [b]) => a - b).map(([s, n]) => [String(s), { description: `observed ${n} time(s)` }])),
        'x-zerogate-observed': { firstSeen: iso(e.firstSeen), lastSeen: iso(e.lastSeen), requests: e.requests, callers: e.callers.size },
        'x-zerogate-declared': api !== undefined && isDeclared(api, e.method, e.template),
      };
    }
    return {
      openapi: '3.1.0',
      info: {
        title: `${app.name}: endpoints observed by Zerogate`,
        version: iso(this.#now()),
        description: 'Shadow-API discovery: the endpoints this proxy node saw called (docs/api-security.md). Path templates are inferred where the app has no OpenAPI document.',
      },
      paths,
    };
  }

  #api(app: AppConfig): CompiledApi | undefined {
    const compiled = this.#registry.get(app);
    return compiled?.ok === true ? compiled.api : undefined;
  }

  #inventory(appId: string): AppInventory {
    let inventory = this.#apps.get(appId);
    if (inventory !== undefined) {
      this.#apps.delete(appId);
    } else {
      inventory = { endpoints: new Map(), dropped: 0 };
      while (this.#apps.size >= this.#maxApps) this.#apps.delete(this.#apps.keys().next().value as string);
    }
    this.#apps.set(appId, inventory); // most recently called last
    return inventory;
  }
}

function isDeclared(api: CompiledApi, method: string, template: string): boolean {
  return api.operations.some((op) => op.template === template && (op.method === method || (method === 'HEAD' && op.method === 'GET')));
}

const SCHEMAS: Record<PlaceholderKind, Record<string, unknown>> = {
  integer: { type: 'integer' },
  uuid: { type: 'string', format: 'uuid' },
  email: { type: 'string', format: 'email' },
  token: { type: 'string' },
  declared: { type: 'string' },
};

function parametersOf(e: Endpoint): Record<string, unknown>[] {
  return [...e.template.matchAll(/\{([^{}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: SCHEMAS[e.kinds.get(m[1]!) ?? 'token'] }));
}
