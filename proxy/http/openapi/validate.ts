/**
 * Does a request match the app's OpenAPI document: a declared path, a declared method on it,
 * its path, query and header parameters, and its body (declared media type; JSON validated
 * against the schema). Query parameters the document does not name are let through (clients
 * add cache busters and tracking parameters; the app ignores what it does not read).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { describeErrors, isJsonMediaType, mediaTypeOf, type CompiledApi, type CompiledOperation, type CompiledParameter } from './compile.ts';

export type Problem = 'unknown-path' | 'method' | 'parameter' | 'body';

export interface Violation {
  problem: Problem;
  template?: string;
  field?: string;
  expected?: string;
}

export interface RequestToCheck {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body?: Buffer;
  /** The request has a body (a non-zero content-length, or chunked). */
  hasBody: boolean;
  /** Largest body checked: a larger one (not buffered) is refused. */
  maxBodyBytes: number;
}

/** The declared operation of a request (HEAD falls back to GET), or why there is none. */
export function findOperation(api: CompiledApi, method: string, path: string): { op: CompiledOperation; params: Record<string, string> } | Violation {
  const route = api.match(path);
  if (route === undefined) return { problem: 'unknown-path', field: 'path', expected: 'a path of the OpenAPI document' };
  const op = route.methods.get(method) ?? (method === 'HEAD' ? route.methods.get('GET') : undefined);
  if (op === undefined) return { problem: 'method', template: route.template, field: 'method', expected: [...route.methods.keys()].join(', ') };
  return { op, params: route.params };
}

export function validateRequest(api: CompiledApi, request: RequestToCheck): Violation | undefined {
  const found = findOperation(api, request.method, request.path);
  if ('problem' in found) return found;
  const { op, params } = found;
  for (const parameter of op.parameters) {
    const problem = checkParameter(parameter, valueOf(parameter, params, request));
    if (problem !== undefined) return { ...problem, template: op.template };
  }
  const body = checkBody(op, request);
  return body === undefined ? undefined : { ...body, template: op.template };
}

function valueOf(p: CompiledParameter, params: Record<string, string>, request: RequestToCheck): unknown {
  if (p.in === 'path') return params[p.name];
  if (p.in === 'header') {
    const value = request.headers[p.name];
    return Array.isArray(value) ? value.join(', ') : value;
  }
  const values = request.query.getAll(p.name);
  if (values.length === 0) return undefined;
  return p.array ? values : values.length === 1 ? values[0] : values;
}

function checkParameter(p: CompiledParameter, value: unknown): Violation | undefined {
  const field = `${p.in}.${p.name}`;
  if (value === undefined) return p.required ? { problem: 'parameter', field, expected: 'present' } : undefined;
  if (Array.isArray(value) && !p.array) return { problem: 'parameter', field, expected: 'a single value' };
  if (p.validate === undefined) return undefined;
  const holder = { value };
  if (p.validate(holder)) return undefined;
  const described = describeErrors(p.validate.errors, field, true);
  return { problem: 'parameter', field: described.field, expected: described.expected };
}

function checkBody(op: CompiledOperation, request: RequestToCheck): Violation | undefined {
  if (op.body === undefined) return request.hasBody ? { problem: 'body', field: 'body', expected: 'no body' } : undefined;
  if (!request.hasBody) return op.body.required ? { problem: 'body', field: 'body', expected: 'a body' } : undefined;
  const mediaType = mediaTypeOf(request.headers['content-type']);
  const declared = op.body.mediaTypes.some((m) => m === mediaType || m === '*/*' || (m.endsWith('/*') && mediaType.startsWith(m.slice(0, -1))));
  if (!declared) return { problem: 'body', field: 'content-type', expected: op.body.mediaTypes.join(', ') };
  if (!isJsonMediaType(mediaType) || op.body.json === undefined) return undefined;
  if (request.body === undefined) return { problem: 'body', field: 'body', expected: `at most ${request.maxBodyBytes} bytes` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString('utf8'));
  } catch {
    return { problem: 'body', field: 'body', expected: 'valid JSON' };
  }
  if (op.body.json(parsed)) return undefined;
  const described = describeErrors(op.body.json.errors, 'body');
  return { problem: 'body', field: described.field, expected: described.expected };
}
