/**
 * The OpenAPI 3.1 document of the admin and helpdesk API, built from the same route table the
 * plugin registers (schemas.ts), so every served route is documented and vice versa.
 * OpenAPI 3.1 schemas are JSON Schema 2020-12; the route schemas use only keywords that mean
 * the same there and in fastify's Ajv (draft-07).
 */
import { ERROR_CODES } from '../../shared/errors.ts';
import { SERVICE_ROUTES, type ServiceRoute } from './service-routes.ts';
import { API_ROUTES, DISCOVERY_ROUTES, errorSchema, MANAGE_ROUTES, ME_ROUTES, POLICY_ROUTES, type ApiRouteSpec, type MeRouteSpec } from './schemas.ts';

export const OPENAPI_PATH = '/v1/openapi.json';

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is invalid (ZG_ERR_BAD_REQUEST): a parameter or body field is wrong, missing or not allowed; publishing an app whose upstream is restricted: ZG_ERR_API_UPSTREAM_FORBIDDEN.',
  401: 'No valid API token (ZG_ERR_API_TOKEN_REQUIRED, ZG_ERR_API_TOKEN_INVALID, ZG_ERR_API_TOKEN_EXPIRED, ZG_ERR_API_TOKEN_REVOKED).',
  403: "The token's role does not allow this route (ZG_ERR_API_FORBIDDEN).",
  404: 'No such object (ZG_ERR_NOT_FOUND).',
  409: 'The change conflicts with what exists (ZG_ERR_API_CONFLICT): the app id is taken, or the policy is still used by an app.',
  413: 'The request body is larger than the route accepts (ZG_ERR_BAD_REQUEST).',
  429: 'Too many requests (ZG_ERR_RATE_LIMITED); see Retry-After.',
};

const ME_STATUS_TEXT: Record<number, string> = {
  ...STATUS_TEXT,
  401: 'No valid device certificate or session token (ZG_ERR_DEVICE_*, ZG_ERR_SESSION_*); see reasons.',
  403: 'The device is revoked or its certificate is not accepted; see reasons.',
  404: "No such device among the caller's own (another user's device answers the same, ZG_ERR_NOT_FOUND).",
};

function operation(spec: ApiRouteSpec | MeRouteSpec): Record<string, unknown> {
  const me = !('roles' in spec);
  const parameters: Record<string, unknown>[] = [];
  const params = spec.schema.params as { properties?: Record<string, unknown> } | undefined;
  for (const [name, schema] of Object.entries(params?.properties ?? {})) parameters.push({ name, in: 'path', required: true, schema });
  const query = spec.schema.querystring as { properties?: Record<string, unknown> } | undefined;
  for (const [name, schema] of Object.entries(query?.properties ?? {})) parameters.push({ name, in: 'query', required: false, schema });
  const response = spec.schema.response as { 200?: Record<string, unknown>; 201?: Record<string, unknown>; 400?: Record<string, unknown> };
  const responses: Record<string, unknown> =
    response[201] === undefined
      ? { 200: { description: 'OK', content: { 'application/json': { schema: response[200] } } } }
      : { 201: { description: 'Created', content: { 'application/json': { schema: response[201] } } } };
  for (const status of spec.errors) {
    const own = status === 400 ? response[400] : undefined;
    responses[status] = { description: (me ? ME_STATUS_TEXT : STATUS_TEXT)[status] ?? 'Error', content: { 'application/json': { schema: own ?? { $ref: '#/components/schemas/Error' } } } };
  }
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    description: me ? "Employees: the agent's device certificate (mutual TLS) and session token; only the caller's own objects." : `Roles: ${spec.roles.join(', ')}.`,
    tags: [me ? 'me' : spec.url.startsWith('/v1/admin/') ? 'admin' : 'helpdesk'],
    security: me ? [{ deviceCertificate: [], sessionToken: [] }, { consoleSession: [] }] : [{ apiToken: [] }, { consoleSession: [] }],
    parameters,
    ...(spec.schema.body === undefined ? {} : { requestBody: { required: !('bodyOptional' in spec && spec.bodyOptional === true), content: { 'application/json': { schema: spec.schema.body } } } }),
    responses,
  };
}

function serviceOperation(route: ServiceRoute): Record<string, unknown> {
  const responses: Record<string, unknown> = route.statuses.some((s) => s >= 100 && s < 400)
    ? {}
    : { 200: { description: 'OK', content: { [route.content ?? 'application/json']: { schema: route.content === undefined ? { type: 'object' } : { type: 'string' } } } } };
  for (const status of route.statuses) {
    responses[status] = status < 400 ? { description: status === 101 ? 'Switching Protocols' : status === 204 ? 'No Content' : 'Redirect' } : { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: route.security.length === 0 ? [] : [Object.fromEntries(route.security.map((name) => [name, []]))],
    responses,
  };
}

/** Builds the document (pure: the same input gives the same document). */
export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of [...Object.values(API_ROUTES), ...Object.values(POLICY_ROUTES), ...Object.values(MANAGE_ROUTES), ...Object.values(DISCOVERY_ROUTES), ...Object.values(ME_ROUTES)] as (ApiRouteSpec | MeRouteSpec)[]) {
    const path = spec.url.replace(/:([A-Za-z]+)/g, '{$1}');
    (paths[path] ??= {})[spec.method.toLowerCase()] = operation(spec);
  }
  for (const route of SERVICE_ROUTES) (paths[route.url] ??= {})[route.method.toLowerCase()] = serviceOperation(route);
  paths[OPENAPI_PATH] = {
    get: {
      operationId: 'openapi',
      summary: 'This document',
      security: [],
      responses: { 200: { description: 'The OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Zerogate proxy API: admin, helpdesk, employees, agents',
      version,
      description: 'See docs/api.md. Error codes: docs/errors.md.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        apiToken: { type: 'http', scheme: 'bearer', bearerFormat: 'zga_<id>_<secret>' },
        deviceCertificate: { type: 'mutualTLS', description: "the device certificate the agent was enrolled with" },
        sessionToken: { type: 'http', scheme: 'bearer', description: "the agent's session token (from sign-in)" },
        consoleSession: { type: 'apiKey', in: 'cookie', name: '__Host-zg_console', description: 'a console sign-in (docs/console.md); changes also need the x-zerogate-csrf header' },
      },
      schemas: { Error: { ...errorSchema, properties: { ...(errorSchema.properties as object), code: { type: 'string', enum: Object.keys(ERROR_CODES) } } } },
    },
    paths,
  };
}
