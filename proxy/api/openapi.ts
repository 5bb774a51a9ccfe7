/**
 * The OpenAPI 3.1 document of the admin and helpdesk API, built from the same route table the
 * plugin registers (schemas.ts), so every served route is documented and vice versa.
 * OpenAPI 3.1 schemas are JSON Schema 2020-12; the route schemas use only keywords that mean
 * the same there and in fastify's Ajv (draft-07).
 */
import { ERROR_CODES } from '../../shared/errors.ts';
import { API_ROUTES, errorSchema, type ApiRouteSpec } from './schemas.ts';

export const OPENAPI_PATH = '/v1/openapi.json';

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is invalid (ZG_ERR_BAD_REQUEST): a parameter or body field is wrong, missing or not allowed.',
  401: 'No valid API token (ZG_ERR_API_TOKEN_REQUIRED, ZG_ERR_API_TOKEN_INVALID, ZG_ERR_API_TOKEN_EXPIRED, ZG_ERR_API_TOKEN_REVOKED).',
  403: "The token's role does not allow this route (ZG_ERR_API_FORBIDDEN).",
  404: 'No such object (ZG_ERR_NOT_FOUND).',
  429: 'Too many requests (ZG_ERR_RATE_LIMITED); see Retry-After.',
};

function operation(spec: ApiRouteSpec): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = [];
  const params = spec.schema.params as { properties?: Record<string, unknown> } | undefined;
  for (const [name, schema] of Object.entries(params?.properties ?? {})) parameters.push({ name, in: 'path', required: true, schema });
  const query = spec.schema.querystring as { properties?: Record<string, unknown> } | undefined;
  for (const [name, schema] of Object.entries(query?.properties ?? {})) parameters.push({ name, in: 'query', required: false, schema });
  const responses: Record<string, unknown> = {
    200: { description: 'OK', content: { 'application/json': { schema: spec.schema.response[200] } } },
  };
  for (const status of spec.errors) {
    responses[status] = { description: STATUS_TEXT[status] ?? 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    description: `Roles: ${spec.roles.join(', ')}.`,
    tags: [spec.url.startsWith('/v1/admin/') ? 'admin' : 'helpdesk'],
    security: [{ apiToken: [] }],
    parameters,
    ...(spec.schema.body === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: spec.schema.body } } } }),
    responses,
  };
}

/** Builds the document (pure: the same input gives the same document). */
export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of Object.values(API_ROUTES) as ApiRouteSpec[]) {
    const path = spec.url.replace(/:([A-Za-z]+)/g, '{$1}');
    (paths[path] ??= {})[spec.method.toLowerCase()] = operation(spec);
  }
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
      title: 'Zerogate admin and helpdesk API',
      version,
      description: 'See docs/api.md. Error codes: docs/errors.md.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { apiToken: { type: 'http', scheme: 'bearer', bearerFormat: 'zga_<id>_<secret>' } },
      schemas: { Error: { ...errorSchema, properties: { ...(errorSchema.properties as object), code: { type: 'string', enum: Object.keys(ERROR_CODES) } } } },
    },
    paths,
  };
}
