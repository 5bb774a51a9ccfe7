/**
 * An app's OpenAPI 3.0/3.1 document compiled once per app version: a path matcher (literal
 * segments win over templated ones, as OpenAPI requires), the operations of each path with
 * their parameter and request-body validators (Ajv; path, query and header values are strings
 * coerced to their schema's type), and each operation's response schemas for the undeclared-
 * field check. Bounded: the document's size and operation count are capped.
 */
import type { ValidateFunction, ErrorObject } from 'ajv';
import { deref, newAjv, normalizeSchema, OpenApiError, type Json } from './schema.ts';

/** Largest document accepted (its JSON text). */
export const OPENAPI_DOCUMENT_MAX_BYTES = 4 * 1024 * 1024;
/** Most operations (method + path) in one document. */
export const OPENAPI_OPERATIONS_MAX = 2_000;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface CompiledParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  /** Whether the schema is an array (a query parameter may repeat). */
  array: boolean;
  validate: ValidateFunction | undefined;
}

export interface CompiledBody {
  required: boolean;
  /** Declared media types, lower case, without parameters (`application/json`, `image/*`). */
  mediaTypes: string[];
  /** The validator of the JSON media type, when one is declared with a schema. */
  json: ValidateFunction | undefined;
}

export interface CompiledOperation {
  method: string;
  template: string;
  operationId?: string;
  parameters: CompiledParameter[];
  body: CompiledBody | undefined;
  /** Response schemas of JSON media types by status key (`200`, `2XX`, `default`). */
  responses: Map<string, unknown>;
}

export interface CompiledApi {
  version: '3.0' | '3.1';
  /** Normalized `components.schemas` (for the undeclared-field walk). */
  components: Json;
  /** Every declared operation, `METHOD template`. */
  operations: CompiledOperation[];
  /** The declared template of a path, with its parameter values; undefined when none matches. */
  match(path: string): { template: string; params: Record<string, string>; methods: Map<string, CompiledOperation> } | undefined;
}

interface Segment {
  /** A literal segment, or a pattern with parameter names (`{id}`, `{name}.json`). */
  literal?: string;
  regex?: RegExp;
  names?: string[];
}

interface Route {
  template: string;
  segments: Segment[];
  methods: Map<string, CompiledOperation>;
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function parseSegment(text: string): Segment {
  if (!text.includes('{')) return { literal: text };
  const names: string[] = [];
  const source = text.split(/(\{[^{}]+\})/).map((part) => {
    const m = /^\{([^{}]+)\}$/.exec(part);
    if (m === null) return escapeRegex(part);
    names.push(m[1]!);
    return '([^/]+?)';
  });
  return { regex: new RegExp(`^${source.join('')}$`), names };
}

/** How specific a route is at each segment: literal (2) beats a pattern with text (1) beats `{x}` (0). */
function rank(segment: Segment): number {
  if (segment.literal !== undefined) return 2;
  return segment.regex?.source === '^([^/]+?)$' ? 0 : 1;
}

function compareRoutes(a: Route, b: Route): number {
  for (let i = 0; i < Math.min(a.segments.length, b.segments.length); i++) {
    const d = rank(b.segments[i]!) - rank(a.segments[i]!);
    if (d !== 0) return d;
  }
  return 0;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function matchRoute(route: Route, parts: string[]): Record<string, string> | undefined {
  if (route.segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const segment = route.segments[i]!;
    const part = parts[i]!;
    if (segment.literal !== undefined) {
      if (segment.literal !== part) return undefined;
      continue;
    }
    const m = segment.regex!.exec(part);
    if (m === null || part === '') return undefined;
    segment.names!.forEach((name, j) => (params[name] = safeDecode(m[j + 1]!)));
  }
  return params;
}

/** The path of the document's first server (`servers[0].url`), prefixed to every template. */
function basePath(document: Json): string {
  const servers = document.servers;
  if (!Array.isArray(servers) || !isObject(servers[0]) || typeof servers[0].url !== 'string') return '';
  try {
    const path = new URL(servers[0].url.replace(/\{[^}]*\}/g, 'x'), 'http://base').pathname;
    return path === '/' ? '' : path.replace(/\/$/, '');
  } catch {
    return '';
  }
}

export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export function isJsonMediaType(mediaType: string): boolean {
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

/**
 * Compiles a document; throws OpenApiError naming what is wrong. `document` is the parsed
 * JSON/YAML object (config: `app.http.openapi.document`).
 */
export function compileOpenApi(document: Json): CompiledApi {
  const text = JSON.stringify(document);
  if (text.length > OPENAPI_DOCUMENT_MAX_BYTES) throw new OpenApiError(`the document is larger than ${OPENAPI_DOCUMENT_MAX_BYTES} bytes`);
  const version = typeof document.openapi === 'string' ? document.openapi : '';
  if (!/^3\.[01]\.\d+$/.test(version)) throw new OpenApiError(`openapi must be 3.0.x or 3.1.x, not "${version.slice(0, 20)}"`);
  const openapi30 = version.startsWith('3.0');
  if (!isObject(document.paths)) throw new OpenApiError('the document has no paths');
  const rawComponents = isObject(document.components) && isObject(document.components.schemas) ? document.components.schemas : {};
  const components = Object.fromEntries(Object.entries(rawComponents).map(([name, s]) => [name, normalizeSchema(document, s, openapi30)])) as Json;
  const params = newAjv(true, components);
  const bodies = newAjv(false, components);
  const compile = (ajv: ReturnType<typeof newAjv>, schema: unknown): ValidateFunction => {
    try {
      return ajv.compile(normalizeSchema(document, schema, openapi30) as Json);
    } catch (error) {
      if (error instanceof OpenApiError) throw error;
      throw new OpenApiError(`a schema does not compile: ${(error as Error).message.slice(0, 200)}`);
    }
  };

  const base = basePath(document);
  const routes: Route[] = [];
  const operations: CompiledOperation[] = [];
  for (const [path, rawItem] of Object.entries(document.paths)) {
    if (!path.startsWith('/')) throw new OpenApiError(`path ${path.slice(0, 100)} does not start with /`);
    const item = deref(document, rawItem);
    const template = `${base}${path}`;
    const route: Route = { template, segments: template.split('/').slice(1).map(parseSegment), methods: new Map() };
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of HTTP_METHODS) {
      if (!isObject(item[method])) continue;
      if (operations.length >= OPENAPI_OPERATIONS_MAX) throw new OpenApiError(`the document has more than ${OPENAPI_OPERATIONS_MAX} operations`);
      const op = compileOperation(document, item[method] as Json, shared, method.toUpperCase(), template, (s, coerce) => compile(coerce ? params : bodies, s));
      route.methods.set(op.method, op);
      operations.push(op);
    }
    routes.push(route);
  }
  routes.sort(compareRoutes);

  return {
    version: openapi30 ? '3.0' : '3.1',
    components,
    operations,
    match(path) {
      const parts = path.split('/').slice(1);
      for (const route of routes) {
        const found = matchRoute(route, parts);
        if (found !== undefined) return { template: route.template, params: found, methods: route.methods };
      }
      return undefined;
    },
  };
}

type Compile = (schema: unknown, coerce: boolean) => ValidateFunction;

function compileOperation(document: Json, operation: Json, shared: unknown[], method: string, template: string, compile: Compile): CompiledOperation {
  const byKey = new Map<string, Json>();
  for (const raw of [...shared, ...(Array.isArray(operation.parameters) ? operation.parameters : [])]) {
    const p = deref(document, raw);
    if (typeof p.name !== 'string' || typeof p.in !== 'string') throw new OpenApiError(`${method} ${template}: a parameter has no name or in`);
    byKey.set(`${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`, p);
  }
  const parameters: CompiledParameter[] = [];
  for (const p of byKey.values()) {
    if (p.in !== 'path' && p.in !== 'query' && p.in !== 'header') continue; // cookies are not checked
    const schema = isObject(p.schema) ? p.schema : undefined;
    const resolved = schema === undefined ? undefined : isObject(schema) && typeof schema.$ref === 'string' ? undefined : schema;
    parameters.push({
      name: p.in === 'header' ? (p.name as string).toLowerCase() : (p.name as string),
      in: p.in,
      required: p.in === 'path' || p.required === true,
      array: resolved?.type === 'array',
      // Wrapped so Ajv can coerce the value in place (a root value cannot be coerced).
      validate: schema === undefined ? undefined : compile({ type: 'object', properties: { value: schema } }, true),
    });
  }
  return {
    method,
    template,
    ...(typeof operation.operationId === 'string' ? { operationId: operation.operationId } : {}),
    parameters,
    body: operation.requestBody === undefined ? undefined : compileBody(document, operation.requestBody, compile),
    responses: compileResponses(document, operation.responses, openapiVersion30(document)),
  };
}

function openapiVersion30(document: Json): boolean {
  return String(document.openapi).startsWith('3.0');
}

function compileBody(document: Json, raw: unknown, compile: Compile): CompiledBody {
  const body = deref(document, raw);
  const content = isObject(body.content) ? body.content : {};
  const mediaTypes = Object.keys(content).map((m) => mediaTypeOf(m));
  const jsonType = Object.keys(content).find((m) => isJsonMediaType(mediaTypeOf(m)));
  const media = jsonType === undefined ? undefined : content[jsonType];
  const schema = isObject(media) ? media.schema : undefined;
  return { required: body.required === true, mediaTypes, json: schema === undefined ? undefined : compile(schema, false) };
}

function compileResponses(document: Json, raw: unknown, openapi30: boolean): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!isObject(raw)) return out;
  for (const [status, value] of Object.entries(raw)) {
    const response = deref(document, value);
    const content = isObject(response.content) ? response.content : {};
    const jsonType = Object.keys(content).find((m) => isJsonMediaType(mediaTypeOf(m)));
    const media = jsonType === undefined ? undefined : content[jsonType];
    if (isObject(media) && media.schema !== undefined) out.set(status.toUpperCase(), normalizeSchema(document, media.schema, openapi30));
  }
  return out;
}

/** The response schema for a status: exact, then `2XX`-style, then `default`. */
export function responseSchema(op: CompiledOperation, status: number): unknown {
  return op.responses.get(String(status)) ?? op.responses.get(`${String(status)[0]}XX`) ?? op.responses.get('DEFAULT');
}

/** A short, value-free description of the first validation error. */
export function describeErrors(errors: ErrorObject[] | null | undefined, prefix: string, wrapped = false): { field: string; expected: string } {
  const first = errors?.[0];
  if (first === undefined) return { field: prefix, expected: 'a valid value' };
  const pointer = wrapped ? first.instancePath.replace(/^\/value/, '') : first.instancePath;
  const missing = first.keyword === 'required' ? `/${String((first.params as { missingProperty?: string }).missingProperty)}` : '';
  const extra = first.keyword === 'additionalProperties' ? `/${String((first.params as { additionalProperty?: string }).additionalProperty)}` : '';
  const field = `${prefix}${pointer}${missing}${extra}`.replace(/\//g, '.');
  const expected = first.keyword === 'additionalProperties' ? 'no such property' : first.keyword === 'required' ? 'present' : (first.message ?? 'a valid value');
  return { field, expected: expected.slice(0, 200) };
}
