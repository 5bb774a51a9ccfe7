import type { IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import type { CustomFetch, CustomFetchOptions } from 'openid-client';
import { ZerogateError } from '../../../shared/errors.ts';
import { IDP_REQUEST_TIMEOUT_MS, MAX_IDP_RESPONSE_BYTES } from './constants.ts';

export interface PinnedFetchOptions {
  /**
   * PEM of the only CA to trust. Node's `ca` option replaces the default trust store, and then
   * neither the bundled roots nor `NODE_EXTRA_CA_CERTS` apply. Unset: the system trust store.
   */
  ca?: string;
  /** Deadline for one request, connect to last byte. Default {@link IDP_REQUEST_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Largest response body. Default {@link MAX_IDP_RESPONSE_BYTES}. */
  maxResponseBytes?: number;
}

/** TLS failures that mean "this server is not vouched for by the CA we trust". */
const UNTRUSTED_TLS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME/;

/** Statuses a `Response` must carry without a body (Fetch standard, "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * A Fetch-compatible function over `node:https` for openid-client's `customFetch` (Node 20's
 * global fetch cannot take a CA, and undici is not a dependency). It trusts only `ca` when set,
 * requires TLS 1.2+, never follows redirects (openid-client asks for `redirect: 'manual'`),
 * bounds each request by a deadline and the body by a size, and honours the caller's signal by
 * rejecting with the signal's reason, as fetch does, so openid-client reports a timeout or abort.
 *
 * Transport failures reject with a ZerogateError: `ZG_ERR_AUTH_IDP_UNTRUSTED` (certificate not
 * from the trusted CA), `ZG_ERR_AUTH_IDP_UNAVAILABLE` (refused, reset, deadline) or
 * `ZG_ERR_AUTH_IDP_MISCONFIGURED` (not https, oversized or unusable answer).
 */
export function createPinnedFetch(options: PinnedFetchOptions = {}): CustomFetch {
  const timeoutMs = checkPositiveInteger(options.timeoutMs ?? IDP_REQUEST_TIMEOUT_MS, 'timeoutMs');
  const maxResponseBytes = checkPositiveInteger(options.maxResponseBytes ?? MAX_IDP_RESPONSE_BYTES, 'maxResponseBytes');
  if (options.ca !== undefined && (typeof options.ca !== 'string' || !options.ca.includes('-----BEGIN CERTIFICATE-----'))) {
    throw new TypeError('ca must be a PEM certificate');
  }
  const ca = options.ca;
  return (url, init) => pinnedRequest(url, init, { ca, timeoutMs, maxResponseBytes });
}

interface Limits {
  ca: string | undefined;
  timeoutMs: number;
  maxResponseBytes: number;
}

function pinnedRequest(href: string, init: CustomFetchOptions, limits: Limits): Promise<Response> {
  const url = new URL(href);
  if (url.protocol !== 'https:') {
    return Promise.reject(new ZerogateError('ZG_ERR_AUTH_IDP_MISCONFIGURED', `the identity provider endpoint ${url.origin}${url.pathname} is not https`));
  }
  const { signal } = init;
  if (signal?.aborted === true) return Promise.reject(signal.reason);
  const body = encodeBody(init.body);
  // Headers may come as a Headers object (jose, openid-client), an array of pairs or a record.
  const headers: Record<string, string | number> = Object.fromEntries(new Headers(init.headers as ConstructorParameters<typeof Headers>[0]).entries());
  if (init.body instanceof URLSearchParams && !hasHeader(headers, 'content-type')) {
    headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
  }
  if (body !== undefined) headers['content-length'] = body.length;
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const requestOptions: RequestOptions = {
    method: init.method,
    headers,
    ca: limits.ca,
    // SNI carries DNS names only (RFC 6066 §3); Node warns when given an IP literal.
    ...(isIP(hostname) === 0 ? { servername: hostname } : {}),
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
    agent: false,
  };
  const where = url.origin;

  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (error: unknown): void => finish(() => reject(error));
    const req = httpsRequest(url, requestOptions, (res) => collect(res, req, limits.maxResponseBytes, where, fail, (response) => finish(() => resolve(response))));
    const onAbort = (): void => {
      const reason: unknown = signal?.reason;
      fail(reason);
      req.destroy();
    };
    const deadline = setTimeout(() => {
      fail(new ZerogateError('ZG_ERR_AUTH_IDP_UNAVAILABLE', `the identity provider at ${where} did not answer within ${limits.timeoutMs} ms`));
      req.destroy();
    }, limits.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error) => fail(transportError(where, error)));
    req.end(body);
  });
}

function collect(
  res: IncomingMessage,
  req: ReturnType<typeof httpsRequest>,
  maxBytes: number,
  where: string,
  fail: (error: unknown) => void,
  done: (response: Response) => void,
): void {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    fail(tooLarge(where, maxBytes));
    req.destroy();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) {
      fail(tooLarge(where, maxBytes));
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  res.on('error', (error) => fail(transportError(where, error)));
  res.on('close', () => {
    if (!res.complete) fail(new ZerogateError('ZG_ERR_AUTH_IDP_UNAVAILABLE', `the identity provider at ${where} closed the connection mid-response`));
  });
  res.on('end', () => {
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 599) {
      fail(new ZerogateError('ZG_ERR_AUTH_IDP_MISCONFIGURED', `the identity provider at ${where} answered with HTTP status ${status}`));
      return;
    }
    try {
      const headers = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
      const payload = NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks);
      done(new Response(payload, { status, statusText: res.statusMessage ?? '', headers }));
    } catch (cause) {
      fail(new ZerogateError('ZG_ERR_AUTH_IDP_MISCONFIGURED', `the identity provider at ${where} sent an unreadable HTTP response`, { cause }));
    }
  });
}

function encodeBody(body: CustomFetchOptions['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  // openid-client sends forms and JSON; a stream body would be a new caller, not a runtime case.
  throw new TypeError('the pinned fetch does not send streaming request bodies');
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function tooLarge(where: string, maxBytes: number): ZerogateError {
  return new ZerogateError('ZG_ERR_AUTH_IDP_MISCONFIGURED', `the identity provider at ${where} sent a response larger than ${maxBytes} bytes`);
}

function transportError(where: string, error: Error): ZerogateError {
  if (error instanceof ZerogateError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (UNTRUSTED_TLS.test(code)) {
    return new ZerogateError('ZG_ERR_AUTH_IDP_UNTRUSTED', `the identity provider at ${where} presented a certificate that the trusted CA did not issue (${code})`, {
      cause: error,
      detail: { tlsCode: code },
    });
  }
  return new ZerogateError('ZG_ERR_AUTH_IDP_UNAVAILABLE', `cannot reach the identity provider at ${where}${code === '' ? '' : ` (${code})`}`, { cause: error });
}

function checkPositiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer`);
  return value;
}
