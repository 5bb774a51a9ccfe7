/**
 * OpenAPI validation of an HTTP app's traffic (issue 8, item 2). Requests that do not match the
 * app's document are refused with 400 (`requestValidation: enforce`) or only audited (`report`);
 * JSON responses of declared operations are checked for fields the response schema does not
 * declare, excessive data exposure (OWASP API3), and audited (`responseValidation: report`) or
 * replaced with 502 (`enforce`). Every violation is an `http.violation` audit event (an
 * incident): field names and paths, never values.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AuditLog } from '../../audit/index.ts';
import type { HttpExchange, HttpInspector, HttpRefusal, HttpResponseInfo } from '../types.ts';
import { isJsonMediaType, mediaTypeOf, responseSchema, type CompiledApi, type CompiledOperation } from './compile.ts';
import { httpSettings, OpenApiRegistry } from './registry.ts';
import { undeclaredFields } from './schema.ts';
import { findOperation, validateRequest, type Violation } from './validate.ts';

/** Most undeclared field paths named in one audit event. */
export const UNDECLARED_FIELDS_MAX = 20;
/** Longest request path quoted in an audit event. */
const PATH_MAX = 256;

type Audit = Pick<AuditLog, 'record'>;

function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = Number(headers['content-length'] ?? '0');
  return headers['transfer-encoding'] !== undefined || (Number.isFinite(length) && length > 0);
}

export class OpenApiInspector implements HttpInspector {
  readonly name = 'openapi';
  readonly #audit: Audit;
  readonly #registry: OpenApiRegistry;
  /** The declared operation of each exchange in flight (for its response). */
  readonly #operations = new WeakMap<HttpExchange, CompiledOperation>();

  constructor(deps: { audit: Audit; registry?: OpenApiRegistry }) {
    this.#audit = deps.audit;
    this.#registry = deps.registry ?? new OpenApiRegistry();
  }

  get registry(): OpenApiRegistry {
    return this.#registry;
  }

  wantsRequestBody(exchange: HttpExchange): boolean {
    const settings = httpSettings(exchange.app);
    return settings?.openapi !== undefined && settings.requestValidation !== 'off' && hasBody(exchange.headers);
  }

  onRequest(exchange: HttpExchange): HttpRefusal | undefined {
    const settings = httpSettings(exchange.app);
    if (settings?.openapi === undefined || (settings.requestValidation === 'off' && settings.responseValidation === 'off')) return undefined;
    const compiled = this.#registry.get(exchange.app);
    if (compiled === undefined) return undefined;
    if (!compiled.ok) {
      // The config loader refuses such a document; one published otherwise fails closed.
      if (settings.requestValidation !== 'enforce') return undefined;
      return { status: 500, code: 'ZG_ERR_INTERNAL', reasons: [], message: `the OpenAPI document of app ${exchange.app.id} cannot be used: ${compiled.message}`, detail: { problem: 'document' } };
    }
    this.#remember(compiled.api, exchange);
    if (settings.requestValidation === 'off') return undefined;
    const violation = validateRequest(compiled.api, {
      method: exchange.method,
      path: exchange.path,
      query: exchange.query,
      headers: exchange.headers,
      ...(exchange.body === undefined ? {} : { body: exchange.body }),
      hasBody: hasBody(exchange.headers),
      maxBodyBytes: settings.maxBodyBytes,
    });
    if (violation === undefined) return undefined;
    const enforce = settings.requestValidation === 'enforce';
    const detail = this.#requestDetail(exchange, violation);
    this.#incident(exchange, enforce, ['request-invalid'], { direction: 'request', mode: settings.requestValidation, ...detail });
    if (!enforce) return undefined;
    return { status: 400, code: 'ZG_ERR_HTTP_BAD_REQUEST', reasons: ['request-invalid'], message: messageOf(violation), detail };
  }

  wantsResponseBody(exchange: HttpExchange, status: number, headers: IncomingHttpHeaders): boolean {
    const settings = httpSettings(exchange.app);
    if (settings === undefined || settings.responseValidation === 'off') return false;
    const op = this.#operations.get(exchange);
    return op !== undefined && responseSchema(op, status) !== undefined && isJsonMediaType(mediaTypeOf(headers['content-type'] as string | undefined));
  }

  onResponse(exchange: HttpExchange, response: HttpResponseInfo): HttpRefusal | undefined {
    const settings = httpSettings(exchange.app);
    const op = this.#operations.get(exchange);
    if (settings === undefined || settings.responseValidation === 'off' || op === undefined || response.body === undefined) return undefined;
    const compiled = this.#registry.get(exchange.app);
    if (compiled === undefined || !compiled.ok) return undefined;
    const schema = responseSchema(op, response.status);
    if (schema === undefined || !isJsonMediaType(mediaTypeOf(response.headers['content-type'] as string | undefined))) return undefined;
    let fields: string[];
    try {
      fields = undeclaredFields(compiled.api.components, schema, JSON.parse(response.body.toString('utf8')), UNDECLARED_FIELDS_MAX);
    } catch {
      fields = [];
      return this.#responseViolation(exchange, settings.responseValidation, op, response.status, { problem: 'malformed', fields });
    }
    if (fields.length === 0) return undefined;
    return this.#responseViolation(exchange, settings.responseValidation, op, response.status, { problem: 'undeclared-fields', fields });
  }

  onResponseTooLarge(exchange: HttpExchange, status: number): HttpRefusal | undefined {
    const settings = httpSettings(exchange.app);
    const op = this.#operations.get(exchange);
    // Only called for an answer wantsResponseBody asked for: a declared operation, status and JSON.
    if (settings === undefined || settings.responseValidation === 'off' || op === undefined) return undefined;
    return this.#responseViolation(exchange, settings.responseValidation, op, status, { problem: 'too-large', fields: [], maxBodyBytes: settings.maxBodyBytes });
  }

  /** Finds the exchange's declared operation when the request matches one (for its response). */
  #remember(api: CompiledApi, exchange: HttpExchange): void {
    const found = findOperation(api, exchange.method, exchange.path);
    if ('op' in found) this.#operations.set(exchange, found.op);
  }

  #responseViolation(
    exchange: HttpExchange,
    mode: 'report' | 'enforce',
    op: CompiledOperation,
    status: number,
    what: { problem: 'malformed' | 'undeclared-fields' | 'too-large'; fields: string[]; maxBodyBytes?: number },
  ): HttpRefusal | undefined {
    const enforce = mode === 'enforce';
    const detail = {
      method: exchange.method,
      path: exchange.path.slice(0, PATH_MAX),
      template: op.template,
      status,
      problem: what.problem,
      fields: what.fields,
      ...(what.maxBodyBytes === undefined ? {} : { maxBodyBytes: what.maxBodyBytes }),
    };
    this.#incident(exchange, enforce, [], { direction: 'response', mode, ...detail });
    if (!enforce) return undefined;
    const message =
      what.problem === 'malformed'
        ? `the app's answer to ${exchange.method} ${op.template} is not valid JSON`
        : what.problem === 'too-large'
          ? `the app's answer to ${exchange.method} ${op.template} is larger than ${what.maxBodyBytes} bytes (maxBodyBytes), so it cannot be checked against the OpenAPI document`
          : `the app's answer to ${exchange.method} ${op.template} has fields its OpenAPI document does not declare (${what.fields.join(', ')})`;
    return { status: 502, code: 'ZG_ERR_HTTP_BAD_RESPONSE', reasons: [], message, detail };
  }

  #requestDetail(exchange: HttpExchange, violation: Violation): Record<string, unknown> {
    return {
      method: exchange.method,
      path: exchange.path.slice(0, PATH_MAX),
      ...(violation.template === undefined ? {} : { template: violation.template }),
      problem: violation.problem,
      ...(violation.field === undefined ? {} : { field: violation.field }),
      ...(violation.expected === undefined ? {} : { expected: violation.expected }),
    };
  }

  #incident(exchange: HttpExchange, refused: boolean, reasons: string[], detail: Record<string, unknown>): void {
    const p = exchange.principal;
    this.#audit.record({
      type: 'http.violation',
      user: p.user,
      ...(p.deviceId === undefined ? {} : { device: p.deviceId }),
      app: exchange.app.id,
      source: p.source,
      decision: refused ? 'deny' : 'allow',
      ...(reasons.length === 0 ? {} : { reasons }),
      detail: { request: exchange.id, ...detail },
    });
  }
}

function messageOf(v: Violation): string {
  switch (v.problem) {
    case 'unknown-path':
      return 'this path is not part of the app\'s API (its OpenAPI document)';
    case 'method':
      return `this method is not allowed on ${v.template ?? 'this path'}: allowed ${v.expected ?? 'none'}`;
    case 'parameter':
      return `parameter ${v.field ?? ''} is not valid: expected ${v.expected ?? 'a valid value'}`;
    case 'body':
      return `the request body is not valid${v.field === undefined || v.field === 'body' ? '' : ` at ${v.field}`}: expected ${v.expected ?? 'a valid body'}`;
  }
}
