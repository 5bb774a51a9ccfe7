/** The admin and helpdesk API (DESIGN.md §3, §7): API tokens, routes, OpenAPI document. */
export { apiPlugin, type ApiPluginOptions } from './plugin.ts';
export { createApiToken, revokeApiToken, verifyApiToken, parseApiToken, API_ROLES, type ApiCaller, type CreatedApiToken, type CreateApiTokenInput } from './tokens.ts';
export { buildOpenApi, OPENAPI_PATH } from './openapi.ts';
export { API_ROUTES, type ApiRouteSpec } from './schemas.ts';
export * from './limits.ts';
