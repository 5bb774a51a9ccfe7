/**
 * The console's one door to the proxy: every call is same-origin `fetch` with the session
 * cookie, JSON in and out, and `x-zerogate-csrf` on every change (the proxy refuses a change
 * without it, ZG_ERR_CONSOLE_CSRF). Every failure becomes an `ApiError` with the proxy's stable
 * code, so pages show one kind of error.
 */
import type { PolicyIssue } from './types.ts';

export const CSRF_HEADER = 'x-zerogate-csrf';
/** The console session is gone (expired or signed out elsewhere): the app shows the sign-in page. */
export const SESSION_REQUIRED = 'ZG_ERR_CONSOLE_SESSION_REQUIRED';
/** Codes of failures that never reached the proxy's error handler (not in docs/errors.md). */
export const NETWORK_ERROR = 'network-error';
export const BAD_RESPONSE = 'bad-response';

/** A failed call: the proxy's error shape `{statusCode, code, error, reasons?, message}`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly reasons: readonly string[];
  /** The problems of a policy that does not validate (`valid: false`), with their paths. */
  readonly issues: readonly PolicyIssue[];

  constructor(status: number, code: string, message: string, extra: { reasons?: readonly string[]; issues?: readonly PolicyIssue[]; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.reasons = extra.reasons ?? [];
    this.issues = extra.issues ?? [];
  }
}

type Fetch = (input: string, init: RequestInit) => Promise<Response>;
export type Query = Record<string, string | number | undefined | null>;

export interface ApiClientOptions {
  fetch?: Fetch;
  /** The session's CSRF value (absent before sign-in). */
  csrf: () => string | undefined;
  /** Called when a call answers 401 ZG_ERR_CONSOLE_SESSION_REQUIRED. */
  onSessionLost?: () => void;
}

/** `path?a=1&b=x` without empty members. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** A path segment from user input, escaped (`/`, `?`, `#` cannot change the route). */
export const seg = (value: string): string => encodeURIComponent(value);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

function issuesOf(value: unknown): PolicyIssue[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((i) => ({
    path: String(i.path ?? ''),
    expected: String(i.expected ?? ''),
    found: String(i.found ?? ''),
    message: String(i.message ?? ''),
  }));
}

/** Turns a non-2xx answer into an ApiError; a body that is not the error shape still gets a code. */
export function errorOf(status: number, body: unknown): ApiError {
  if (isRecord(body) && typeof body.code === 'string' && typeof body.message === 'string') {
    return new ApiError(status, body.code, body.message, { reasons: strings(body.reasons), issues: issuesOf(body.errors) });
  }
  return new ApiError(status, `http-${status}`, `the proxy answered HTTP ${status} without an error body`);
}

async function bodyOf(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    if (!response.ok) return undefined;
    throw new ApiError(response.status, BAD_RESPONSE, 'the proxy answered something that is not JSON', { cause });
  }
}

export interface ApiClient {
  get<T>(path: string, query?: Query): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

export function createApi(options: ApiClientOptions): ApiClient {
  const doFetch: Fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && method !== 'HEAD') {
      const csrf = options.csrf();
      if (csrf !== undefined) headers[CSRF_HEADER] = csrf;
    }
    let response: Response;
    try {
      response = await doFetch(path, { method, credentials: 'same-origin', headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (cause) {
      throw new ApiError(0, NETWORK_ERROR, 'the proxy could not be reached: check your connection and try again', { cause });
    }
    const parsed = await bodyOf(response);
    if (!response.ok) {
      const error = errorOf(response.status, parsed);
      if (error.status === 401 && error.code === SESSION_REQUIRED) options.onSessionLost?.();
      throw error;
    }
    return parsed as T;
  }
  return {
    get: (path, query) => call('GET', withQuery(path, query)),
    send: (method, path, body) => call(method, path, body),
  };
}
