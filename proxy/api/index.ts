/** The admin and helpdesk API (DESIGN.md §3, §7): API tokens, routes, OpenAPI document. */
export { apiPlugin, type ApiPluginOptions } from './plugin.ts';
export { createApiToken, revokeApiToken, verifyApiToken, parseApiToken, API_ROLES, type ApiCaller, type CreatedApiToken, type CreateApiTokenInput } from './tokens.ts';
export { buildOpenApi, OPENAPI_PATH } from './openapi.ts';
export { API_ROUTES, MANAGE_ROUTES, ME_ROUTES, POLICY_ROUTES, type ApiRouteSpec, type MeRouteSpec } from './schemas.ts';
export { validatePolicy, simulatePolicy, type PolicyIssue, type PolicyValidation, type SimulateInput } from './policies.ts';
export * from './limits.ts';
export { CatalogService, overlayCatalog, parseAppDefinition, policyInputOf, type Catalog, type CatalogApp, type CatalogBase, type CatalogPolicy, type AppDefinition } from './catalog.ts';
export { checkAddress, checkHostName, checkUpstream, publicEndpoint, restrictedAddress, type GuardContext, type Resolver } from './upstream-guard.ts';
