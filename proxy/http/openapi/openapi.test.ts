import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SAMPLE_API_OPENAPI } from '../../../test/helpers/sample-api.ts';
import type { AppConfig, HttpAppConfig } from '../../config/index.ts';
import type { AuditInput } from '../../audit/index.ts';
import type { HttpExchange } from '../types.ts';
import { compileOpenApi, OPENAPI_DOCUMENT_MAX_BYTES } from './compile.ts';
import { OpenApiInspector } from './inspector.ts';
import { checkOpenApiDocument, OpenApiRegistry } from './registry.ts';
import { OpenApiError, undeclaredFields } from './schema.ts';
import { validateRequest, type RequestToCheck } from './validate.ts';

const SAMPLE = parse(readFileSync(SAMPLE_API_OPENAPI, 'utf8')) as Record<string, unknown>;

function request(method: string, url: string, extra: Partial<RequestToCheck> = {}): RequestToCheck {
  const parsed = new URL(url, 'http://app');
  return { method, path: parsed.pathname, query: parsed.searchParams, headers: {}, hasBody: false, maxBodyBytes: 1024 * 1024, ...extra };
}

function jsonBody(value: unknown): Partial<RequestToCheck> {
  const body = Buffer.from(JSON.stringify(value));
  return { body, hasBody: true, headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) } };
}

describe('compileOpenApi + validateRequest (the sample API document, OpenAPI 3.0)', () => {
  const api = compileOpenApi(SAMPLE);

  it('accepts requests that match the document', () => {
    expect(validateRequest(api, request('GET', '/health'))).toBeUndefined();
    expect(validateRequest(api, request('GET', '/users?limit=10'))).toBeUndefined();
    expect(validateRequest(api, request('GET', '/users/42'))).toBeUndefined();
    expect(validateRequest(api, request('HEAD', '/users/42'))).toBeUndefined();
    expect(validateRequest(api, request('GET', '/orders/7c9e6679-7425-40de-944b-e07fc1f90ae7'))).toBeUndefined();
    expect(validateRequest(api, request('POST', '/users', jsonBody({ name: 'Ann', email: 'ann@example.com' })))).toBeUndefined();
    // Query parameters the document does not name pass (cache busters).
    expect(validateRequest(api, request('GET', '/users?limit=5&_=123'))).toBeUndefined();
  });

  it('refuses an unknown path and a method the path does not declare', () => {
    expect(validateRequest(api, request('GET', '/internal/debug'))).toMatchObject({ problem: 'unknown-path' });
    expect(validateRequest(api, request('GET', '/users/42/'))).toMatchObject({ problem: 'unknown-path' });
    expect(validateRequest(api, request('DELETE', '/users/42'))).toMatchObject({ problem: 'method', template: '/users/{id}', expected: 'GET' });
  });

  it('refuses parameters of the wrong type or out of range, naming the field', () => {
    expect(validateRequest(api, request('GET', '/users/abc'))).toMatchObject({ problem: 'parameter', template: '/users/{id}', field: 'path.id', expected: 'must be integer' });
    expect(validateRequest(api, request('GET', '/users/0'))).toMatchObject({ problem: 'parameter', field: 'path.id' });
    expect(validateRequest(api, request('GET', '/users?limit=1000'))).toMatchObject({ problem: 'parameter', field: 'query.limit', expected: 'must be <= 100' });
    expect(validateRequest(api, request('GET', '/users?limit=1&limit=2'))).toMatchObject({ problem: 'parameter', field: 'query.limit', expected: 'a single value' });
    expect(validateRequest(api, request('GET', '/orders/not-a-uuid'))).toMatchObject({ problem: 'parameter', field: 'path.orderId' });
  });

  it('refuses bodies that do not match: missing field, extra field, bad JSON, undeclared type, no body', () => {
    expect(validateRequest(api, request('POST', '/users', jsonBody({ name: 'Ann' })))).toMatchObject({ problem: 'body', field: 'body.email', expected: 'present' });
    expect(validateRequest(api, request('POST', '/users', jsonBody({ name: 'Ann', email: 'ann@example.com', admin: true })))).toMatchObject({ problem: 'body', field: 'body.admin', expected: 'no such property' });
    expect(validateRequest(api, request('POST', '/users', jsonBody({ name: 'Ann', email: 'not-an-email' })))).toMatchObject({ problem: 'body', field: 'body.email' });
    expect(validateRequest(api, request('POST', '/users', { ...jsonBody({}), body: Buffer.from('{"name":') }))).toMatchObject({ problem: 'body', expected: 'valid JSON' });
    expect(validateRequest(api, request('POST', '/users', { hasBody: true, body: Buffer.from('name=Ann'), headers: { 'content-type': 'application/x-www-form-urlencoded' } }))).toMatchObject({ problem: 'body', field: 'content-type', expected: 'application/json' });
    expect(validateRequest(api, request('POST', '/users'))).toMatchObject({ problem: 'body', expected: 'a body' });
    expect(validateRequest(api, request('GET', '/users', jsonBody({ a: 1 })))).toMatchObject({ problem: 'body', expected: 'no body' });
    // Too large to be buffered (the gateway hands no body): refused, not let through unchecked.
    expect(validateRequest(api, request('POST', '/users', { ...jsonBody({ name: 'A', email: 'a@b.co' }), body: undefined }))).toMatchObject({ problem: 'body', expected: 'at most 1048576 bytes' });
  });
});

describe('compileOpenApi: OpenAPI features', () => {
  const base = (paths: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths, ...extra });

  it('prefers literal segments over templated ones, whatever the order in the document', () => {
    const api = compileOpenApi(base({ '/users/{id}': { get: { responses: {} } }, '/users/me': { get: { operationId: 'me', responses: {} } } }));
    expect(api.match('/users/me')?.template).toBe('/users/me');
    expect(api.match('/users/7')?.template).toBe('/users/{id}');
    expect(api.match('/users/7')?.params).toEqual({ id: '7' });
  });

  it('matches templated parts of a segment and prefixes the server path', () => {
    const api = compileOpenApi(base({ '/files/{name}.json': { get: { responses: {} } } }, { servers: [{ url: 'https://api.example.com/v2' }] }));
    expect(api.match('/v2/files/report.json')).toMatchObject({ template: '/v2/files/{name}.json', params: { name: 'report' } });
    expect(api.match('/files/report.json')).toBeUndefined();
  });

  it('resolves $refs to components (parameters, request bodies, schemas) and checks headers', () => {
    const api = compileOpenApi(
      base(
        {
          '/items/{id}': {
            parameters: [{ $ref: '#/components/parameters/Id' }],
            put: { parameters: [{ name: 'X-Tenant', in: 'header', required: true, schema: { type: 'string', pattern: '^[a-z]+$' } }], requestBody: { $ref: '#/components/requestBodies/Item' }, responses: {} },
          },
        },
        {
          components: {
            parameters: { Id: { name: 'id', in: 'path', required: true, schema: { type: 'integer' } } },
            requestBodies: { Item: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } } },
            schemas: { Item: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, tags: { type: 'array', items: { $ref: '#/components/schemas/Tag' } } } }, Tag: { type: 'string', maxLength: 5 } },
          },
        },
      ),
    );
    const headers = { 'x-tenant': 'acme' };
    expect(validateRequest(api, request('PUT', '/items/3', { ...jsonBody({ name: 'x', tags: ['ok'] }), headers: { ...jsonBody({}).headers, ...headers } }))).toBeUndefined();
    expect(validateRequest(api, request('PUT', '/items/x', { ...jsonBody({ name: 'x' }), headers: { ...jsonBody({}).headers, ...headers } }))).toMatchObject({ field: 'path.id' });
    expect(validateRequest(api, request('PUT', '/items/3', jsonBody({ name: 'x' })))).toMatchObject({ problem: 'parameter', field: 'header.x-tenant', expected: 'present' });
    expect(validateRequest(api, request('PUT', '/items/3', { ...jsonBody({ name: 'x', tags: ['too-long'] }), headers: { ...jsonBody({}).headers, ...headers } }))).toMatchObject({ problem: 'body', field: 'body.tags.0' });
  });

  it('understands 3.0 nullable and boolean exclusiveMinimum', () => {
    const doc = { ...base({ '/p': { post: { requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { a: { type: 'string', nullable: true }, n: { type: 'number', minimum: 0, exclusiveMinimum: true } } } } } }, responses: {} } } }), openapi: '3.0.3' };
    const api = compileOpenApi(doc);
    expect(validateRequest(api, request('POST', '/p', jsonBody({ a: null, n: 1 })))).toBeUndefined();
    expect(validateRequest(api, request('POST', '/p', jsonBody({ a: 1 })))).toMatchObject({ field: 'body.a' });
    expect(validateRequest(api, request('POST', '/p', jsonBody({ n: 0 })))).toMatchObject({ field: 'body.n', expected: 'must be > 0' });
  });

  it('accepts a declared non-JSON media type without reading it', () => {
    const api = compileOpenApi(base({ '/upload': { post: { requestBody: { content: { 'image/*': {} } }, responses: {} } } }));
    expect(validateRequest(api, request('POST', '/upload', { hasBody: true, headers: { 'content-type': 'image/png' } }))).toBeUndefined();
    expect(validateRequest(api, request('POST', '/upload', { hasBody: true, headers: { 'content-type': 'text/plain' } }))).toMatchObject({ problem: 'body', field: 'content-type' });
  });

  it('refuses documents it cannot use: external $ref, wrong version, too large', () => {
    expect(() => compileOpenApi(base({ '/a': { get: { parameters: [{ name: 'q', in: 'query', schema: { $ref: 'https://evil.example/s.json' } }], responses: {} } } }))).toThrow(OpenApiError);
    expect(() => compileOpenApi({ swagger: '2.0', paths: {} })).toThrow(/3\.0\.x or 3\.1\.x/);
    expect(() => compileOpenApi(base({ '/a': { get: { responses: {} } } }, { 'x-pad': 'x'.repeat(OPENAPI_DOCUMENT_MAX_BYTES) }))).toThrow(/larger than/);
    expect(checkOpenApiDocument(base({ '/a': { get: { parameters: [{ $ref: '#/components/parameters/Missing' }], responses: {} } } }))).toMatch(/does not resolve/);
    expect(checkOpenApiDocument(SAMPLE)).toBeUndefined();
  });
});

describe('undeclaredFields', () => {
  const api = compileOpenApi(SAMPLE);
  const op = (template: string) => api.operations.find((o) => o.template === template && o.method === 'GET')!;

  it('names fields the response schema does not declare, in objects and arrays, never values', () => {
    const user = op('/users/{id}').responses.get('200');
    expect(undeclaredFields(api.components, user, { id: 1, name: 'A', email: 'a@x', passwordHash: 'scrypt$secret' }, 20)).toEqual(['passwordHash']);
    const list = op('/users').responses.get('200');
    expect(undeclaredFields(api.components, list, { items: [{ id: 1, name: 'A', email: 'a', ssn: '1' }, { id: 2, name: 'B', email: 'b', passwordHash: 'h' }], total: 2 }, 20)).toEqual(['items[].ssn', 'items[].passwordHash', 'total']);
    expect(undeclaredFields(api.components, user, { id: 1, name: 'A', email: 'a@x' }, 20)).toEqual([]);
  });

  it('treats free-form objects, additionalProperties and allOf as declaring their fields', () => {
    const whoami = op('/whoami').responses.get('200');
    expect(undeclaredFields(api.components, whoami, { headers: { anything: 1 }, claims: { sub: 'a' } }, 20)).toEqual([]);
    const schema = { allOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { properties: { b: { type: 'object', additionalProperties: { type: 'object', properties: { c: {} } } } } }] };
    expect(undeclaredFields({}, schema, { a: '1', b: { k1: { c: 1, d: 2 } }, e: 3 }, 20)).toEqual(['b.k1.d', 'e']);
  });

  it('stops at the limit', () => {
    const value = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, i]));
    expect(undeclaredFields({}, { type: 'object', additionalProperties: false }, value, 5)).toHaveLength(5);
  });
});

// ---- The inspector ---------------------------------------------------------------------

function httpConfig(over: Partial<HttpAppConfig> = {}): HttpAppConfig {
  return { assertion: true, rateLimit: { perIdentityPerMinute: 600, perAppPerMinute: 6000 }, openapi: { source: 'inline', document: SAMPLE }, requestValidation: 'enforce', responseValidation: 'off', clientless: false, maxBodyBytes: 1024 * 1024, ...over };
}

function appWith(http: HttpAppConfig): AppConfig {
  return { id: 'orders', name: 'Orders', upstream: { protocol: 'http', host: '127.0.0.1', port: 9000, url: 'http://127.0.0.1:9000' }, users: [], http };
}

let seq = 0;
function exchange(app: AppConfig, method: string, url: string, body?: unknown): HttpExchange {
  const parsed = new URL(url, 'http://app');
  const buffer = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return {
    id: `req-${++seq}`,
    app,
    principal: { user: 'alice', groups: [], deviceId: 'dev-1', posture: 'pass', via: 'tunnel', source: '10.1.2.3' },
    method,
    path: parsed.pathname,
    query: parsed.searchParams,
    headers: buffer === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(buffer.length) },
    ...(buffer === undefined ? {} : { body: buffer }),
    startedAt: 0,
  };
}

function recorder(): { events: AuditInput[]; record(e: AuditInput): boolean } {
  const events: AuditInput[] = [];
  return { events, record: (e) => (events.push(e), true) };
}

describe('OpenApiInspector', () => {
  it('enforce: refuses with 400 request-invalid and audits an http.violation incident', () => {
    const audit = recorder();
    const inspector = new OpenApiInspector({ audit });
    const app = appWith(httpConfig());
    expect(inspector.onRequest(exchange(app, 'GET', '/users/7'))).toBeUndefined();
    const ex = exchange(app, 'POST', '/users', { name: 'x' });
    expect(inspector.wantsRequestBody(ex)).toBe(true);
    const refusal = inspector.onRequest(ex);
    expect(refusal).toMatchObject({ status: 400, code: 'ZG_ERR_HTTP_BAD_REQUEST', reasons: ['request-invalid'], detail: { method: 'POST', path: '/users', template: '/users', problem: 'body', field: 'body.email' } });
    expect(audit.events).toEqual([
      expect.objectContaining({ type: 'http.violation', user: 'alice', device: 'dev-1', app: 'orders', source: '10.1.2.3', decision: 'deny', reasons: ['request-invalid'], detail: expect.objectContaining({ request: ex.id, direction: 'request', mode: 'enforce', problem: 'body' }) }),
    ]);
  });

  it('report: lets the request through and still audits it; off: neither', () => {
    const audit = recorder();
    const inspector = new OpenApiInspector({ audit });
    expect(inspector.onRequest(exchange(appWith(httpConfig({ requestValidation: 'report' })), 'GET', '/internal/debug'))).toBeUndefined();
    expect(audit.events).toEqual([expect.objectContaining({ type: 'http.violation', decision: 'allow', detail: expect.objectContaining({ mode: 'report', problem: 'unknown-path', path: '/internal/debug' }) })]);
    expect(inspector.onRequest(exchange(appWith(httpConfig({ requestValidation: 'off' })), 'GET', '/internal/debug'))).toBeUndefined();
    expect(audit.events).toHaveLength(1);
  });

  it('response validation: reports or replaces an answer with undeclared fields (names only)', () => {
    for (const mode of ['report', 'enforce'] as const) {
      const audit = recorder();
      const inspector = new OpenApiInspector({ audit });
      const app = appWith(httpConfig({ responseValidation: mode }));
      const ex = exchange(app, 'GET', '/users/3');
      expect(inspector.onRequest(ex)).toBeUndefined();
      const headers = { 'content-type': 'application/json' };
      expect(inspector.wantsResponseBody(ex, 200, headers)).toBe(true);
      expect(inspector.wantsResponseBody(ex, 200, { 'content-type': 'text/html' })).toBe(false);
      const body = Buffer.from(JSON.stringify({ id: 3, name: 'C', email: 'c@x', passwordHash: 'scrypt$very-secret' }));
      const result = inspector.onResponse(ex, { status: 200, headers, body, bytes: body.length, durationMs: 1 });
      if (mode === 'enforce') expect(result).toMatchObject({ status: 502, code: 'ZG_ERR_HTTP_BAD_RESPONSE', detail: { fields: ['passwordHash'] } });
      else expect(result).toBeUndefined();
      expect(audit.events).toEqual([expect.objectContaining({ type: 'http.violation', decision: mode === 'enforce' ? 'deny' : 'allow', detail: expect.objectContaining({ direction: 'response', problem: 'undeclared-fields', fields: ['passwordHash'], template: '/users/{id}', status: 200 }) })]);
      expect(JSON.stringify(audit.events)).not.toContain('very-secret');
    }
  });

  it('an answer too large to check: reported (report) or refused (enforce), never passed as checked', () => {
    for (const mode of ['report', 'enforce'] as const) {
      const audit = recorder();
      const inspector = new OpenApiInspector({ audit });
      const ex = exchange(appWith(httpConfig({ responseValidation: mode })), 'GET', '/users/3');
      expect(inspector.onRequest(ex)).toBeUndefined();
      const result = inspector.onResponseTooLarge(ex, 200);
      if (mode === 'enforce') expect(result).toMatchObject({ status: 502, code: 'ZG_ERR_HTTP_BAD_RESPONSE', detail: { problem: 'too-large', maxBodyBytes: ex.app.http!.maxBodyBytes } });
      else expect(result).toBeUndefined();
      expect(result?.message ?? '').toMatch(mode === 'enforce' ? /larger than \d+ bytes \(maxBodyBytes\)/ : /^$/);
      expect(audit.events).toEqual([expect.objectContaining({ type: 'http.violation', decision: mode === 'enforce' ? 'deny' : 'allow', detail: expect.objectContaining({ direction: 'response', problem: 'too-large', template: '/users/{id}', status: 200 }) })]);
    }
    // Off, or an exchange without a declared operation: nothing to say.
    const audit = recorder();
    const inspector = new OpenApiInspector({ audit });
    const off = exchange(appWith(httpConfig({ responseValidation: 'off' })), 'GET', '/users/3');
    inspector.onRequest(off);
    expect(inspector.onResponseTooLarge(off, 200)).toBeUndefined();
    expect(audit.events).toEqual([]);
  });

  it('checks responses of undeclared operations or statuses not at all', () => {
    const audit = recorder();
    const inspector = new OpenApiInspector({ audit });
    const app = appWith(httpConfig({ requestValidation: 'off', responseValidation: 'enforce' }));
    const debug = exchange(app, 'GET', '/internal/debug');
    inspector.onRequest(debug);
    expect(inspector.wantsResponseBody(debug, 200, { 'content-type': 'application/json' })).toBe(false);
    const missing = exchange(app, 'GET', '/users/999');
    inspector.onRequest(missing);
    expect(inspector.wantsResponseBody(missing, 404, { 'content-type': 'application/json' })).toBe(false);
    expect(audit.events).toEqual([]);
  });

  it('refuses an answer that claims JSON and is not (enforce), and fails closed on a document that does not compile', () => {
    const audit = recorder();
    const inspector = new OpenApiInspector({ audit });
    const ex = exchange(appWith(httpConfig({ responseValidation: 'enforce' })), 'GET', '/users/3');
    inspector.onRequest(ex);
    const body = Buffer.from('{"id": 3, "name": ');
    expect(inspector.onResponse(ex, { status: 200, headers: { 'content-type': 'application/json' }, body, bytes: body.length, durationMs: 1 })).toMatchObject({ status: 502, code: 'ZG_ERR_HTTP_BAD_RESPONSE', detail: { problem: 'malformed' } });
    const broken = appWith(httpConfig({ openapi: { source: 'inline', document: { openapi: '3.1.0', paths: { '/a': { get: { parameters: [{ $ref: '#/nowhere' }] } } } } } }));
    expect(inspector.onRequest(exchange(broken, 'GET', '/a'))).toMatchObject({ status: 500, code: 'ZG_ERR_INTERNAL' });
    expect(inspector.onRequest(exchange({ ...broken, http: { ...broken.http!, requestValidation: 'report' } }, 'GET', '/a'))).toBeUndefined();
  });

  it('compiles each app version once, and again when the document changes', () => {
    const registry = new OpenApiRegistry(2);
    const app = appWith(httpConfig());
    const first = registry.get(app);
    expect(registry.get(app)).toBe(first);
    const edited = appWith(httpConfig({ openapi: { source: 'inline', document: { ...SAMPLE } } }));
    expect(registry.get(edited)).not.toBe(first);
    registry.get({ ...app, id: 'b' });
    registry.get({ ...app, id: 'c' });
    expect(registry.size).toBe(2);
  });
});
