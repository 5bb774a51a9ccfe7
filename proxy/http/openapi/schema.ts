/**
 * JSON schemas of an app's OpenAPI document made compilable by one validator (Ajv, JSON Schema
 * 2020-12, which OpenAPI 3.1 uses): OpenAPI 3.0's dialect is translated (`nullable`, boolean
 * `exclusiveMinimum`/`exclusiveMaximum`), `$ref`s to `#/components/schemas/*` point into one
 * shared schema of the document's components, and other local `$ref`s are inlined. External
 * references are refused: the proxy never fetches anything an app's document names.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';

export type Json = Record<string, unknown>;

/** The id under which a compiled document's components are registered with Ajv. */
export const COMPONENTS_ID = 'urn:zerogate:openapi:components';
/** How deep local non-component `$ref`s are inlined (a cycle through them is refused). */
const INLINE_DEPTH_MAX = 16;

export class OpenApiError extends Error {}

const SCHEMA_KEYWORDS = ['items', 'additionalProperties', 'not', 'contains', 'propertyNames', 'if', 'then', 'else', 'unevaluatedItems', 'unevaluatedProperties', 'additionalItems'];
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Resolves a local JSON pointer (`#/a/b~1c`) in `root`. */
export function resolvePointer(root: Json, ref: string): unknown {
  if (!ref.startsWith('#')) throw new OpenApiError(`$ref ${ref} is not local to the document: only "#/..." references are supported`);
  const parts = ref.slice(1).split('/').slice(1).map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = root;
  for (const part of parts) {
    if (!isObject(node) && !Array.isArray(node)) throw new OpenApiError(`$ref ${ref} does not resolve`);
    if (!Object.hasOwn(node, part)) throw new OpenApiError(`$ref ${ref} does not resolve`);
    node = (node as Json)[part];
  }
  return node;
}

/** Follows `$ref`s of OpenAPI objects (parameters, request bodies, responses) to the object. */
export function deref(root: Json, value: unknown, depth = 0): Json {
  if (!isObject(value)) throw new OpenApiError('expected an object');
  if (typeof value.$ref !== 'string') return value;
  if (depth >= INLINE_DEPTH_MAX) throw new OpenApiError(`$ref ${value.$ref} is nested too deep (a cycle?)`);
  return deref(root, resolvePointer(root, value.$ref), depth + 1);
}

/** Translates one schema (and everything under it) for Ajv 2020-12. */
export function normalizeSchema(root: Json, schema: unknown, openapi30: boolean, depth = 0): unknown {
  if (typeof schema === 'boolean') return schema;
  if (!isObject(schema)) throw new OpenApiError('a schema must be an object');
  const out: Json = { ...schema };
  if (typeof out.$ref === 'string') {
    const ref = out.$ref;
    if (ref.startsWith('#/components/schemas/')) out.$ref = `${COMPONENTS_ID}#/$defs/${ref.slice('#/components/schemas/'.length)}`;
    else {
      if (depth >= INLINE_DEPTH_MAX) throw new OpenApiError(`$ref ${ref} is nested too deep (a cycle?)`);
      delete out.$ref;
      const target = normalizeSchema(root, resolvePointer(root, ref), openapi30, depth + 1);
      // In 3.0 siblings of $ref are ignored; in 3.1 they apply too: allOf keeps both.
      return openapi30 || Object.keys(out).length === 0 ? target : { allOf: [target, normalizeSchema(root, out, openapi30, depth)] };
    }
    if (openapi30) return { $ref: out.$ref };
  }
  if (openapi30) translate30(out);
  for (const key of SCHEMA_KEYWORDS) {
    if (key in out) out[key] = Array.isArray(out[key]) ? (out[key] as unknown[]).map((s) => normalizeSchema(root, s, openapi30, depth)) : normalizeSchema(root, out[key], openapi30, depth);
  }
  for (const key of SCHEMA_MAPS) {
    if (isObject(out[key])) out[key] = Object.fromEntries(Object.entries(out[key] as Json).map(([k, s]) => [k, normalizeSchema(root, s, openapi30, depth)]));
  }
  for (const key of SCHEMA_LISTS) {
    if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map((s) => normalizeSchema(root, s, openapi30, depth));
  }
  return out;
}

/** OpenAPI 3.0's schema dialect to JSON Schema 2020-12. */
function translate30(out: Json): void {
  if (out.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  delete out.nullable;
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (out[flag] === true && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else if (typeof out[flag] === 'boolean') delete out[flag];
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A validator for one document: formats OpenAPI names, unknown keywords and formats ignored. */
export function newAjv(coerce: boolean, components: Json): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, logger: false, allErrors: false, coerceTypes: coerce ? 'array' : false, validateFormats: true });
  ajv.addFormat('uuid', UUID);
  ajv.addFormat('email', EMAIL);
  ajv.addFormat('date', (s: string) => DATE.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addFormat('date-time', (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  for (const name of ['float', 'double']) ajv.addFormat(name, { type: 'number', validate: () => true });
  for (const name of ['byte', 'binary', 'password', 'uri', 'uri-reference', 'hostname', 'ipv4', 'ipv6', 'regex']) ajv.addFormat(name, () => true);
  ajv.addSchema({ $id: COMPONENTS_ID, $defs: components });
  return ajv;
}

/**
 * Fields of `value` that `schema` does not declare (excessive data exposure), as paths like
 * `passwordHash` or `items[].passwordHash`. Only names, never values. A schema declares an
 * object's field by `properties`, `patternProperties` or an explicit `additionalProperties`;
 * `allOf`/`anyOf`/`oneOf` declare what any branch declares. At most `max` paths.
 */
export function undeclaredFields(components: Json, schema: unknown, value: unknown, max: number): string[] {
  const found: string[] = [];
  walk(components, schema, value, '', found, max, 0);
  return found;
}

function resolveComponent(components: Json, schema: unknown, depth: number): unknown {
  let node = schema;
  for (let i = 0; isObject(node) && typeof node.$ref === 'string' && i < INLINE_DEPTH_MAX + depth; i++) {
    const ref = node.$ref as string;
    const prefix = `${COMPONENTS_ID}#/$defs/`;
    if (!ref.startsWith(prefix)) return true;
    const name = ref.slice(prefix.length).replace(/~1/g, '/').replace(/~0/g, '~');
    node = Object.hasOwn(components, name) ? components[name] : true;
  }
  return node;
}

/** The schemas that together describe a value: the schema and its allOf/anyOf/oneOf branches. */
function branches(components: Json, schema: unknown, depth: number, out: Json[] = []): Json[] {
  const node = resolveComponent(components, schema, depth);
  if (!isObject(node) || out.length > 64) return out;
  out.push(node);
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    if (Array.isArray(node[key])) for (const s of node[key] as unknown[]) branches(components, s, depth, out);
  }
  return out;
}

const WALK_DEPTH_MAX = 32;

function walk(components: Json, schema: unknown, value: unknown, path: string, found: string[], max: number, depth: number): void {
  if (found.length >= max || depth > WALK_DEPTH_MAX || value === null || typeof value !== 'object') return;
  const parts = branches(components, schema, depth);
  // A schema with nothing said about the value's shape (`{}` or `true`) declares anything.
  if (parts.length === 0) return;
  if (Array.isArray(value)) {
    const items = parts.map((p) => p.items).filter((s) => s !== undefined);
    if (items.length === 0) return;
    for (const item of value.slice(0, 1000)) for (const s of items) walk(components, s, item, `${path}[]`, found, max, depth + 1);
    return;
  }
  // `{type: object}` alone is a free-form object: any field is declared.
  const shaped = parts.some((p) => p.properties !== undefined || p.patternProperties !== undefined || p.additionalProperties !== undefined);
  if (!shaped) return;
  for (const [name, child] of Object.entries(value as Json)) {
    const childPath = path === '' ? name : `${path}.${name}`;
    const declared = parts.flatMap((p) => childSchemas(p, name));
    if (declared.length === 0) {
      if (!found.includes(childPath)) found.push(childPath);
      if (found.length >= max) return;
      continue;
    }
    for (const s of declared) walk(components, s, child, childPath, found, max, depth + 1);
  }
}

/** The schemas `part` gives the property `name`; none: undeclared. */
function childSchemas(part: Json, name: string): unknown[] {
  if (isObject(part.properties) && Object.hasOwn(part.properties, name)) return [part.properties[name]];
  if (isObject(part.patternProperties)) {
    const matching = Object.entries(part.patternProperties).filter(([pattern]) => safeTest(pattern, name));
    if (matching.length > 0) return matching.map(([, s]) => s);
  }
  if (part.additionalProperties === true || isObject(part.additionalProperties)) return [part.additionalProperties];
  return [];
}

function safeTest(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(text);
  } catch {
    return false;
  }
}
