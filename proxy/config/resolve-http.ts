/**
 * Resolution of the HTTP-aware parts of the config (issue 8): an app's `http` block (with its
 * OpenAPI document read and checked at load) and the top-level `anomalies`. The schema has
 * checked the shape; this fills defaults, parses durations and sizes, enforces bounds and
 * cross-key rules, and reads the OpenAPI file.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatDuration, tryParseDuration } from '../../shared/duration.ts';
import { CONFIG_DEFAULTS, DURATION_BOUNDS, HTTP_BOUNDS } from './defaults.ts';
import { describeValue, type ConfigIssues, type Segment } from './issues.ts';
import { formatSize, SIZE_PATTERN, tryParseSize } from './size.ts';
import type { AnomalyConfig, HttpAppConfig, OpenApiSource, UpstreamConfig } from './types.ts';

export interface HttpContext {
  issues: ConfigIssues;
  baseDir: string;
  /** false: `openapi` must be given inline (apps written through the admin API never name proxy files). */
  readFiles: boolean;
}

type Fields = Record<string, unknown>;

/** Most alias expansions in an OpenAPI YAML document (as for the config itself). */
const MAX_OPENAPI_ALIASES = 100;
const OPENAPI_VERSION = /^3\.[01](\.\d+)?$/;
const SIZE_RE = new RegExp(SIZE_PATTERN, 'u');

function isFields(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function entry(value: unknown, key: string): unknown {
  return isFields(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

function integer(raw: unknown, fallback: number): number {
  return Number.isSafeInteger(raw) ? (raw as number) : fallback;
}

/**
 * The `http` block of app `index`, defaults filled, or undefined for a tcp app (where a block
 * is refused: the proxy does not parse a tcp app's bytes).
 */
export function resolveHttp(ctx: HttpContext, index: number, upstream: UpstreamConfig, raw: unknown): HttpAppConfig | undefined {
  const at: Segment[] = ['apps', index, 'http'];
  if (upstream.protocol === 'tcp') {
    if (raw !== undefined) ctx.issues.add({ segments: at, at: 'key', expected: 'no http block on a tcp:// app (only http:// and https:// apps are HTTP-aware)', found: 'an http block' });
    return undefined;
  }
  const rate = entry(raw, 'rateLimit');
  const openapi = resolveOpenApi(ctx, [...at, 'openapi'], entry(raw, 'openapi'));
  const requested = entry(raw, 'requestValidation');
  const responses = entry(raw, 'responseValidation');
  const http: HttpAppConfig = {
    assertion: entry(raw, 'assertion') !== false,
    rateLimit: {
      perIdentityPerMinute: integer(entry(rate, 'perIdentityPerMinute'), CONFIG_DEFAULTS.httpPerIdentityPerMinute),
      perAppPerMinute: integer(entry(rate, 'perAppPerMinute'), CONFIG_DEFAULTS.httpPerAppPerMinute),
    },
    requestValidation: requested === 'enforce' || requested === 'report' || requested === 'off' ? requested : openapi === undefined ? 'off' : 'enforce',
    responseValidation: responses === 'enforce' || responses === 'report' ? responses : 'off',
    clientless: entry(raw, 'clientless') === true,
    maxBodyBytes: size(ctx, [...at, 'maxBodyBytes'], entry(raw, 'maxBodyBytes'), CONFIG_DEFAULTS.httpMaxBodyBytes, HTTP_BOUNDS.maxBodyBytes),
  };
  if (openapi !== undefined) http.openapi = openapi;
  // Validation against no document would pass everything: say so instead of pretending.
  if (entry(raw, 'openapi') === undefined) {
    for (const key of ['requestValidation', 'responseValidation'] as const) {
      if (http[key] !== 'off') ctx.issues.add({ segments: [...at, key], expected: 'off (or an openapi document for the app)', found: describeValue(http[key]) });
    }
  }
  return http;
}

function resolveOpenApi(ctx: HttpContext, at: Segment[], raw: unknown): OpenApiSource | undefined {
  if (isFields(raw)) return checkedDocument(ctx, at, raw, 'inline');
  if (typeof raw !== 'string') return undefined; // absent, or the schema reported it
  if (!ctx.readFiles) {
    ctx.issues.add({ segments: at, expected: 'the OpenAPI document inline (an object): apps written through the API cannot name files on the proxy', found: 'a file path' });
    return undefined;
  }
  const file = isAbsolute(raw) ? resolvePath(raw) : resolvePath(ctx.baseDir, raw);
  let text: string;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    const bytes = stat.size;
    if (bytes > HTTP_BOUNDS.openapiBytes.max) {
      ctx.issues.add({ segments: at, expected: `an OpenAPI document of at most ${formatSize(HTTP_BOUNDS.openapiBytes.max)}`, found: `${formatSize(bytes)} (${describeValue(raw)})` });
      return undefined;
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    ctx.issues.add({ segments: at, expected: 'a readable OpenAPI document (path relative to the config file)', found: `${describeValue(raw)} (${reason === 'ENOENT' ? 'not found' : reason})` });
    return undefined;
  }
  let document: unknown;
  try {
    // YAML 1.2 reads JSON too.
    document = parseYaml(text, { maxAliasCount: MAX_OPENAPI_ALIASES, uniqueKeys: true, prettyErrors: false });
  } catch (error) {
    const headline = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    ctx.issues.add({ segments: at, expected: 'an OpenAPI document in valid JSON or YAML', found: `${describeValue(raw)}: ${headline.slice(0, 80)}` });
    return undefined;
  }
  return checkedDocument(ctx, at, document, file);
}

/** An OpenAPI 3.0/3.1 document: a mapping with `openapi: 3.x` and a `paths` mapping. */
function checkedDocument(ctx: HttpContext, at: Segment[], document: unknown, source: string): OpenApiSource | undefined {
  const what = source === 'inline' ? 'the inline document' : describeValue(source);
  if (!isFields(document)) {
    ctx.issues.add({ segments: at, expected: 'an OpenAPI 3 document (a mapping)', found: `${what}: ${describeValue(document)}` });
    return undefined;
  }
  const version = entry(document, 'openapi');
  if (typeof version !== 'string' || !OPENAPI_VERSION.test(version)) {
    ctx.issues.add({ segments: at, expected: 'an OpenAPI 3.0 or 3.1 document (openapi: 3.0.x or 3.1.x; Swagger 2 is not supported)', found: `${what} with openapi ${describeValue(version)}` });
    return undefined;
  }
  if (!isFields(entry(document, 'paths'))) {
    ctx.issues.add({ segments: at, expected: 'an OpenAPI document with a `paths` mapping', found: `${what} without paths` });
    return undefined;
  }
  if (source === 'inline' && Buffer.byteLength(JSON.stringify(document)) > HTTP_BOUNDS.openapiBytes.max) {
    ctx.issues.add({ segments: at, expected: `an OpenAPI document of at most ${formatSize(HTTP_BOUNDS.openapiBytes.max)}`, found: 'a larger inline document' });
    return undefined;
  }
  return { source, document: structuredClone(document) };
}

/** `anomalies`, every default filled. */
export function resolveAnomalies(ctx: HttpContext, raw: unknown): AnomalyConfig {
  const stuffing = entry(raw, 'credentialStuffing');
  const enumeration = entry(raw, 'enumeration');
  const exfiltration = entry(raw, 'exfiltration');
  const unusual = entry(raw, 'unusualAccess');
  const at = (...keys: string[]): Segment[] => ['anomalies', ...keys];
  return {
    block: entry(raw, 'block') === true,
    blockForMs: duration(ctx, at('blockFor'), entry(raw, 'blockFor'), 'anomalyBlockFor'),
    credentialStuffing: {
      failures: integer(entry(stuffing, 'failures'), CONFIG_DEFAULTS.credentialStuffingFailures),
      accounts: integer(entry(stuffing, 'accounts'), CONFIG_DEFAULTS.credentialStuffingAccounts),
      windowMs: duration(ctx, at('credentialStuffing', 'window'), entry(stuffing, 'window'), 'credentialStuffingWindow'),
    },
    enumeration: {
      distinctIds: integer(entry(enumeration, 'distinctIds'), CONFIG_DEFAULTS.enumerationDistinctIds),
      windowMs: duration(ctx, at('enumeration', 'window'), entry(enumeration, 'window'), 'enumerationWindow'),
    },
    exfiltration: {
      bytes: size(ctx, at('exfiltration', 'bytes'), entry(exfiltration, 'bytes'), CONFIG_DEFAULTS.exfiltrationBytes, HTTP_BOUNDS.exfiltrationBytes),
      windowMs: duration(ctx, at('exfiltration', 'window'), entry(exfiltration, 'window'), 'exfiltrationWindow'),
      baselineFactor: integer(entry(exfiltration, 'baselineFactor'), CONFIG_DEFAULTS.exfiltrationBaselineFactor),
    },
    unusualAccess: {
      learningDays: integer(entry(unusual, 'learningDays'), CONFIG_DEFAULTS.unusualAccessLearningDays),
      minEvents: integer(entry(unusual, 'minEvents'), CONFIG_DEFAULTS.unusualAccessMinEvents),
    },
  };
}

type DurationName = 'anomalyBlockFor' | 'credentialStuffingWindow' | 'enumerationWindow' | 'exfiltrationWindow';

function duration(ctx: HttpContext, segments: Segment[], raw: unknown, name: DurationName): number {
  const fallback = tryParseDuration(CONFIG_DEFAULTS[name]) ?? 0;
  if (typeof raw !== 'string') return fallback;
  const ms = tryParseDuration(raw);
  if (ms === undefined) return fallback; // the schema's pattern reports it
  const { min, max } = DURATION_BOUNDS[name];
  if (ms < min || ms > max) {
    ctx.issues.add({ segments, expected: `a duration from ${formatDuration(min)} to ${formatDuration(max)}`, found: describeValue(raw) });
    return fallback;
  }
  return ms;
}

function size(ctx: HttpContext, segments: Segment[], raw: unknown, fallback: string, bounds: { min: number; max: number }): number {
  const byDefault = tryParseSize(fallback) ?? 0;
  if (typeof raw !== 'string' && typeof raw !== 'number') return byDefault;
  const bytes = tryParseSize(raw);
  if (bytes === undefined && !(typeof raw === 'string' && SIZE_RE.test(raw))) return byDefault; // the schema reports it
  if (bytes === undefined || bytes < bounds.min || bytes > bounds.max) {
    ctx.issues.add({ segments, expected: `a size from ${formatSize(bounds.min)} to ${formatSize(bounds.max)}`, found: describeValue(raw) });
    return byDefault;
  }
  return bytes;
}
