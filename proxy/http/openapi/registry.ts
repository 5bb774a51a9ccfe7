/**
 * The compiled OpenAPI documents of the published apps, compiled once per app version (an
 * edited app comes with a new document object, which is compiled again) and shared by request
 * validation and shadow-API discovery. Bounded: at most {@link OPENAPI_CACHE_MAX} apps, the
 * least recently used dropped first (it is compiled again when next needed).
 */
import type { AppConfig, HttpAppConfig } from '../../config/index.ts';
import { compileOpenApi, type CompiledApi } from './compile.ts';
import { OpenApiError, type Json } from './schema.ts';

export const OPENAPI_CACHE_MAX = 256;

export type HttpValidationSettings = HttpAppConfig;

/** The app's HTTP settings; undefined for a TCP app. */
export function httpSettings(app: AppConfig): HttpAppConfig | undefined {
  return app.http;
}

export type CompileResult = { ok: true; api: CompiledApi } | { ok: false; message: string };

export class OpenApiRegistry {
  readonly #cache = new Map<string, { document: Json; result: CompileResult }>();
  readonly #max: number;

  constructor(max = OPENAPI_CACHE_MAX) {
    this.#max = max;
  }

  /** The app's compiled document; undefined when it declares none. */
  get(app: AppConfig): CompileResult | undefined {
    const document = httpSettings(app)?.openapi?.document;
    if (document === undefined) return undefined;
    const cached = this.#cache.get(app.id);
    if (cached !== undefined && cached.document === document) {
      this.#cache.delete(app.id);
      this.#cache.set(app.id, cached); // most recently used last
      return cached.result;
    }
    const result = compile(document);
    this.#cache.delete(app.id);
    this.#cache.set(app.id, { document, result });
    while (this.#cache.size > this.#max) this.#cache.delete(this.#cache.keys().next().value as string);
    return result;
  }

  get size(): number {
    return this.#cache.size;
  }
}

function compile(document: Json): CompileResult {
  try {
    return { ok: true, api: compileOpenApi(document) };
  } catch (error) {
    if (error instanceof OpenApiError) return { ok: false, message: error.message };
    return { ok: false, message: `the document cannot be compiled: ${(error as Error).message.slice(0, 200)}` };
  }
}

/** For the config loader: the problem with a document, or undefined when it compiles. */
export function checkOpenApiDocument(document: Json): string | undefined {
  const result = compile(document);
  return result.ok ? undefined : result.message;
}
