import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { isZerogateError, ZerogateError, type ErrorCode, ERROR_CODES } from '../../../shared/errors.ts';
import { endpointConnector, isEndpointFailure, UNTRUSTED_TLS } from './connect.ts';
import { describeEndpoint, sharedEndpoints, type ProxyEndpoint, type ProxyEndpoints } from './endpoints.ts';

/** Deadline for one request to the proxy, and the largest response body the agent reads. */
export const REQUEST_TIMEOUT_MS = 15_000;
export const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface TlsIdentity {
  /** Trusted CA certificates (the pinned proxy CA). */
  ca?: string;
  /** Client certificate and key, for mTLS routes. */
  cert?: string;
  key?: string;
  /** Only for fetching the CA before it is pinned: the caller checks the fingerprint itself. */
  insecureSkipVerify?: boolean;
}

export interface ProxyResponse {
  status: number;
  body: string;
  peerCertificateDer?: Buffer;
}

export interface ProxyRequestOptions {
  method?: string;
  body?: unknown;
  tls: TlsIdentity;
  timeoutMs?: number;
  bearer?: string | undefined;
  /**
   * The deployment's endpoints: the request goes to the one in use and moves to the next when
   * it cannot be reached. Default: the endpoints an agent in this process registered for the
   * URL's origin ({@link sharedEndpoints}), else the URL alone. `false`: the URL alone.
   */
  endpoints?: ProxyEndpoints | false;
  /** Deadline for TCP and TLS to one endpoint before the next is tried (default ENDPOINT_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
}

/** Methods that may be sent again to another node after a failure mid-request. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * One HTTPS request to the proxy with a deadline and a bounded body. Transport failures become
 * ZG_ERR_TUNNEL_CONNECT; an error body `{code, message}` from the proxy becomes that coded error.
 *
 * With several endpoints (docs/failover.md), a connection failure (refused, reset, timed out,
 * TLS cut off or an untrusted certificate) moves the request to the next endpoint at once; an
 * HTTP answer, whatever its status, is the answer. A request that reached a node and then lost
 * it is sent again only when its method is idempotent.
 */
export async function proxyRequest(url: URL, options: ProxyRequestOptions): Promise<ProxyResponse> {
  const endpoints = options.endpoints === false || options.tls.insecureSkipVerify === true ? undefined : (options.endpoints ?? sharedEndpoints(url.origin));
  if (endpoints === undefined) return requestOnce(url, options);
  const failures: { endpoint: ProxyEndpoint; error: ZerogateError }[] = [];
  const method = (options.method ?? 'GET').toUpperCase();
  for (const endpoint of await endpoints.round()) {
    let connected = false;
    const target = new URL(`${url.pathname}${url.search}`, endpoint.origin);
    try {
      const response = await requestOnce(target, options, endpoint, () => (connected = true));
      endpoints.markWorking(endpoint);
      return response;
    } catch (error) {
      const coded = error instanceof ZerogateError ? error : transportError(target, error as Error);
      if (!isEndpointFailure(coded.cause ?? coded) || (connected && !IDEMPOTENT.has(method))) throw coded;
      failures.push({ endpoint, error: coded });
    }
  }
  endpoints.invalidate();
  throw roundFailure(failures);
}

/** The error of a round where no endpoint answered: an untrusted certificate outranks an unreachable node. */
function roundFailure(failures: { endpoint: ProxyEndpoint; error: ZerogateError }[]): ZerogateError {
  const untrusted = failures.find((f) => f.error.code === 'ZG_ERR_PKI_FINGERPRINT_MISMATCH');
  if (untrusted !== undefined || failures.length === 1) return (untrusted ?? failures[0]!).error;
  const list = failures.map((f) => `${describeEndpoint(f.endpoint)}: ${errnoOf(f.error) || 'error'}`).join(', ');
  return new ZerogateError('ZG_ERR_TUNNEL_CONNECT', `cannot reach the proxy at any of its addresses (${list})`, { cause: failures[0]?.error });
}

function errnoOf(error: ZerogateError): string {
  return (error.cause as NodeJS.ErrnoException | undefined)?.code ?? '';
}

function requestOnce(url: URL, options: ProxyRequestOptions, endpoint?: ProxyEndpoint, onConnected?: () => void): Promise<ProxyResponse> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const requestOptions: RequestOptions = {
    method: options.method ?? 'GET',
    headers: {
      accept: 'application/json',
      ...(options.bearer === undefined ? {} : { authorization: `Bearer ${options.bearer}` }),
      ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
    },
    ca: options.tls.ca,
    cert: options.tls.cert,
    key: options.tls.key,
    rejectUnauthorized: options.tls.insecureSkipVerify !== true,
    minVersion: 'TLSv1.2',
    timeout: options.timeoutMs ?? REQUEST_TIMEOUT_MS,
    // No connection pooling: `agent: false` for a plain request; with an endpoint, its own
    // createConnection, which node uses only when no agent is given.
    ...(endpoint === undefined ? { agent: false } : { createConnection: endpointConnector(endpoint, {
            ...(onConnected === undefined ? {} : { onConnected }),
            ...(options.connectTimeoutMs === undefined ? {} : { timeoutMs: options.connectTimeoutMs }),
          }) as RequestOptions['createConnection'] }),
  };
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const peer = (res.socket as TLSSocket).getPeerCertificate?.(false);
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          req.destroy(new ZerogateError('ZG_ERR_TUNNEL_CONNECT', `the proxy's response from ${url.pathname} is too large`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          ...(peer?.raw === undefined ? {} : { peerCertificateDer: peer.raw }),
        }),
      );
      res.on('error', (error) => reject(transportError(url, error)));
    });
    req.on('timeout', () => {
      const cause = Object.assign(new Error('request deadline'), { code: 'ETIMEDOUT' });
      req.destroy(new ZerogateError('ZG_ERR_TUNNEL_CONNECT', `the proxy at ${url.origin} did not answer in time`, { cause }));
    });
    req.on('error', (error) => reject(transportError(url, error)));
    req.end(payload);
  });
}

/** Parses a JSON response, turning the proxy's error shape into a coded error. */
export function parseJsonResponse<T>(response: ProxyResponse, what: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    throw new ZerogateError('ZG_ERR_TUNNEL_CONNECT', `the proxy sent an unreadable answer to ${what} (HTTP ${response.status})`);
  }
  if (response.status >= 400) {
    const body = parsed as { code?: unknown; message?: unknown; reasons?: unknown };
    const code = typeof body.code === 'string' && body.code in ERROR_CODES ? (body.code as ErrorCode) : 'ZG_ERR_INTERNAL';
    const reasons = Array.isArray(body.reasons) ? body.reasons.filter((r): r is string => typeof r === 'string') : [];
    const message = typeof body.message === 'string' ? body.message.slice(0, 500) : `${what} failed with HTTP ${response.status}`;
    throw new ZerogateError(code, message, { reasons });
  }
  return parsed as T;
}

function transportError(url: URL, error: Error): ZerogateError {
  if (isZerogateError(error)) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (UNTRUSTED_TLS.test(code)) {
    return new ZerogateError('ZG_ERR_PKI_FINGERPRINT_MISMATCH', `the proxy at ${url.origin} presented a certificate that the pinned CA did not issue (${code})`, { cause: error });
  }
  return new ZerogateError('ZG_ERR_TUNNEL_CONNECT', `cannot reach the proxy at ${url.origin}${code ? ` (${code})` : ''}`, { cause: error });
}
