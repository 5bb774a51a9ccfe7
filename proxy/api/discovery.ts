/**
 * The shadow-API discovery routes (issue 8): an HTTP app's inventory of endpoints actually
 * called, flagged against its OpenAPI document, and the same as an OpenAPI 3.1 document. The
 * inventory is kept in memory by each node (proxy/http/discovery): with several nodes, each
 * answers for the traffic it carried.
 */
import type { FastifyRequest } from 'fastify';
import { ZerogateError } from '../../shared/errors.ts';
import type { AppConfig } from '../config/index.ts';
import type { DiscoveryInventory } from '../http/discovery/index.ts';
import type { CatalogService } from './catalog.ts';
import type { DiscoveryRouteName } from './schemas.ts';

type Handler = (request: FastifyRequest) => Promise<unknown>;

/** The published HTTP app of the route's `:id` (a TCP app has no HTTP to inventory: 404). */
function httpApp(catalog: CatalogService, request: FastifyRequest): AppConfig {
  const { id } = request.params as { id: string };
  const app = catalog.current().apps.get(id)?.app;
  if (app === undefined || app.http === undefined) throw new ZerogateError('ZG_ERR_NOT_FOUND', 'no such HTTP app');
  return app;
}

export function discoveryHandlers(deps: { catalog: CatalogService; inventory: DiscoveryInventory }): Record<DiscoveryRouteName, Handler> {
  return {
    async listAppEndpoints(request) {
      return deps.inventory.list(httpApp(deps.catalog, request));
    },
    async exportAppEndpoints(request) {
      return deps.inventory.exportOpenApi(httpApp(deps.catalog, request));
    },
  };
}
