/**
 * HTTP-aware apps (issue 8): the contract between the gateway (gateway.ts: terminates HTTP from
 * tunnel streams and from browsers, strips spoofable headers, adds the signed identity
 * assertion, rate limits, forwards) and the inspectors it runs on every exchange (OpenAPI
 * validation, shadow-API discovery, anomaly detection), so each can be built and tested alone.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorCode } from '../../shared/errors.ts';
import type { AppConfig } from '../config/index.ts';

/** Who makes a request, as the gateway established it before any inspector runs. */
export interface HttpPrincipal {
  user: string;
  groups: string[];
  email?: string;
  /** The device (agent tunnel); absent for clientless browser access. */
  deviceId?: string;
  /** The device's posture verdict for this app's policy at the time of the request. */
  posture: 'pass' | 'fail' | 'unknown' | 'none';
  via: 'tunnel' | 'browser';
  /** The client's address (the agent's tunnel source, or the browser's). */
  source: string;
}

/** One request as inspectors see it. */
export interface HttpExchange {
  /** A unique id (also sent upstream as x-request-id and used in audit events). */
  id: string;
  app: AppConfig;
  principal: HttpPrincipal;
  method: string;
  /** The path as the app sees it (for clientless access: without the `/a/<app>` prefix), no query. */
  path: string;
  query: URLSearchParams;
  /** Request headers after spoofable identity headers were stripped (lower-case names). */
  headers: IncomingHttpHeaders;
  /** The request body when an inspector asked for it (see wantsRequestBody) and it fit the limit. */
  body?: Buffer;
  startedAt: number;
}

/** What the client gets instead of the app's answer. */
export interface HttpRefusal {
  status: number;
  code: ErrorCode;
  reasons: string[];
  message: string;
  /** Seconds, for 429 and temporary blocks. */
  retryAfter?: number;
  /** Secret-free detail for the audit event (what did not match, which detector fired). */
  detail?: Record<string, unknown>;
}

export interface HttpResponseInfo {
  status: number;
  headers: IncomingHttpHeaders;
  /** The response body when an inspector asked for it (wantsResponseBody) and it fit the limit. */
  body?: Buffer;
  /** Bytes sent to the client (known at the end). */
  bytes: number;
  durationMs: number;
}

export interface HttpInspector {
  readonly name: string;
  /** Whether the gateway must buffer this request's body (up to its limit) before onRequest. */
  wantsRequestBody?(exchange: HttpExchange): boolean;
  /** Before forwarding: return a refusal to stop the request (the gateway audits it). */
  onRequest?(exchange: HttpExchange): HttpRefusal | undefined | Promise<HttpRefusal | undefined>;
  /** Whether the gateway must buffer this response's body (up to its limit) before onResponse. */
  wantsResponseBody?(exchange: HttpExchange, status: number, headers: IncomingHttpHeaders): boolean;
  /**
   * After the app answered. With a buffered body, a refusal replaces the app's answer (enforce
   * mode); otherwise the answer has already streamed and the return value is ignored.
   */
  onResponse?(exchange: HttpExchange, response: HttpResponseInfo): HttpRefusal | undefined;
  /**
   * An answer this inspector wanted buffered is larger than `maxBodyBytes`, so it cannot be
   * checked. A refusal replaces it (enforce mode: never pass what could not be checked);
   * otherwise it streams through unchecked, and onResponse sees it without a body at the end.
   */
  onResponseTooLarge?(exchange: HttpExchange, status: number, headers: IncomingHttpHeaders): HttpRefusal | undefined;
}
