import { request as httpsRequest, type RequestOptions } from 'node:https';
import { ZerogateError, type ErrorCode, ERROR_CODES } from '../../../shared/errors.ts';

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

/**
 * One HTTPS request to the proxy with a deadline and a bounded body. Transport failures become
 * ZG_ERR_TUNNEL_CONNECT; an error body `{code, message}` from the proxy becomes that coded error.
 */
export function proxyRequest(
  url: URL,
  options: { method?: string; body?: unknown; tls: TlsIdentity; timeoutMs?: number; bearer?: string | undefined },
): Promise<ProxyResponse> {
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
    agent: false,
    timeout: options.timeoutMs ?? REQUEST_TIMEOUT_MS,
  };
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate?.(false);
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
    req.on('timeout', () => req.destroy(new ZerogateError('ZG_ERR_TUNNEL_CONNECT', `the proxy at ${url.origin} did not answer in time`)));
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
  if (error instanceof ZerogateError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME/.test(code)) {
    return new ZerogateError('ZG_ERR_PKI_FINGERPRINT_MISMATCH', `the proxy at ${url.origin} presented a certificate that the pinned CA did not issue (${code})`, { cause: error });
  }
  return new ZerogateError('ZG_ERR_TUNNEL_CONNECT', `cannot reach the proxy at ${url.origin}${code ? ` (${code})` : ''}`, { cause: error });
}
