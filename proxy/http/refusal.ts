/**
 * How the gateway answers instead of the app: a JSON error in the proxy's shape
 * `{statusCode, code, error, reasons, message}` for tunnel clients (scripts, CLIs, API
 * clients), or whatever a per-call renderer writes (clientless browser access renders HTML).
 */
import type { ServerResponse } from 'node:http';
import type { HttpExchange, HttpRefusal } from './types.ts';

/** Writes a refusal to the client. `exchange` is undefined when the request could not even be parsed. */
export type RefusalRenderer = (res: ServerResponse, refusal: HttpRefusal, exchange: HttpExchange | undefined) => void;

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error');
}

/** The JSON body of a refusal. */
export function refusalBody(refusal: HttpRefusal): string {
  return JSON.stringify({ statusCode: refusal.status, code: refusal.code, error: statusText(refusal.status), reasons: refusal.reasons, message: refusal.message });
}

export const renderJsonRefusal: RefusalRenderer = (res, refusal, exchange) => {
  const body = refusalBody(refusal);
  res.statusCode = refusal.status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.setHeader('cache-control', 'no-store');
  if (refusal.retryAfter !== undefined) res.setHeader('retry-after', String(refusal.retryAfter));
  if (exchange !== undefined) res.setHeader('x-request-id', exchange.id);
  res.end(body);
};

/** A refusal as raw HTTP/1.1 bytes, for a socket that is not (or no longer) a ServerResponse (upgrades, parse errors). */
export function rawRefusal(refusal: HttpRefusal, requestId?: string): string {
  const body = refusalBody(refusal);
  const lines = [
    `HTTP/1.1 ${refusal.status} ${statusText(refusal.status)}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'cache-control: no-store',
    'connection: close',
    ...(refusal.retryAfter === undefined ? [] : [`retry-after: ${refusal.retryAfter}`]),
    ...(requestId === undefined ? [] : [`x-request-id: ${requestId}`]),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
