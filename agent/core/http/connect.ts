/**
 * Opening a TLS connection to one proxy endpoint: to its address, with SNI and the certificate
 * check on the URL's host name, and a deadline on the TCP and TLS handshakes so that a node that
 * vanished (no RST: a powered-off host, a dropped route) costs seconds, not minutes, before the
 * agent moves on to the next endpoint.
 */
import { isIP } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { ProxyEndpoint } from './endpoints.ts';

/** Deadline for TCP connect plus TLS handshake to one endpoint. */
export const ENDPOINT_CONNECT_TIMEOUT_MS = 3_000;

/** Errors of a connection that never reached a live proxy: the next endpoint may answer. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ZG_CONNECT_TIMEOUT',
]);

/** The proxy's certificate did not check out: not this deployment (or not a proxy at all). */
export const UNTRUSTED_TLS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME/;

/**
 * True for failures that say nothing about this agent, only that this endpoint is unreachable
 * or broken (refused, reset, timed out, TLS cut off, a certificate the pin does not vouch for):
 * the agent tries the next endpoint. An HTTP answer is never one of these.
 */
export function isEndpointFailure(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return /socket hang up|TLS|disconnected|Opening handshake has timed out/i.test(String((error as Error | undefined)?.message ?? ''));
  return UNREACHABLE.has(code) || UNTRUSTED_TLS.test(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS');
}

/**
 * A `createConnection` for `https.request` and `ws`: connects to the endpoint's address with the
 * TLS options the caller gave, checking the certificate against the endpoint's host name.
 * `onConnected` runs once the TLS handshake succeeded (the endpoint is alive).
 */
export function endpointConnector(
  endpoint: ProxyEndpoint,
  options: { timeoutMs?: number; onConnected?: () => void } = {},
): (connectOptions: ConnectionOptions) => TLSSocket {
  return (connectOptions) => {
    // http passes the request's `path` along; for tls.connect a path means a Unix socket.
    const { path: _path, host: _host, hostname: _hostname, servername: _servername, ...rest } = connectOptions as ConnectionOptions & { path?: string; hostname?: string };
    const socket = tlsConnect({
      ...rest,
      host: endpoint.address,
      port: endpoint.port,
      // SNI carries DNS names only (RFC 6066 §3).
      ...(isIP(endpoint.hostname) === 0 ? { servername: endpoint.hostname } : {}),
      checkServerIdentity: (_name, cert) => checkServerIdentity(endpoint.hostname, cert),
    });
    const timer = setTimeout(() => {
      const error = Object.assign(new Error(`no TLS connection to ${endpoint.address}:${endpoint.port} within ${options.timeoutMs ?? ENDPOINT_CONNECT_TIMEOUT_MS} ms`), { code: 'ZG_CONNECT_TIMEOUT' });
      socket.destroy(error);
    }, options.timeoutMs ?? ENDPOINT_CONNECT_TIMEOUT_MS);
    timer.unref();
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      options.onConnected?.();
    });
    socket.once('close', () => clearTimeout(timer));
    return socket;
  };
}
