/**
 * Request and response headers at the gateway (docs/http-apps.md): what a client may not say
 * about itself, what the proxy says to the app instead, and the hop-by-hop headers that belong
 * to one connection and never cross the proxy (RFC 9110 §7.6.1).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * Identity headers that apps behind other proxies trust (oauth2-proxy, Apache, nginx
 * auth_request, Pomerium, ...). A client sending them must not be believed: they are removed
 * before any inspector or the app sees the request. The app learns who is calling from
 * X-Zerogate-Assertion only.
 */
export const SPOOFABLE_HEADERS: readonly string[] = [
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-groups',
  'x-forwarded-preferred-username',
  'x-remote-user',
  'remote-user',
  'x-user',
  'x-email',
];

/** Header-name prefixes removed for the same reason: the proxy's own, and auth_request's. */
export const SPOOFABLE_PREFIXES: readonly string[] = ['x-zerogate-', 'x-auth-request-'];

/** Client-supplied forwarding headers, replaced by the proxy's own values. */
export const FORWARDING_HEADERS: readonly string[] = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'forwarded', 'x-real-ip', 'x-request-id'];

/** Cookies of the proxy's console (and clientless sign-in): the app never sees them. */
/** The proxy's own cookies (console session and sign-in state, clientless apps session): never forwarded to an app. */
const PROXY_COOKIE = /^__Host-zg_/;

/** Hop-by-hop headers (RFC 9110 §7.6.1), plus `proxy-authorization`, which is for a proxy, not the app. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export function isSpoofable(name: string): boolean {
  const lower = name.toLowerCase();
  return SPOOFABLE_HEADERS.includes(lower) || SPOOFABLE_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/** Names listed in a Connection header (they are hop-by-hop for this message). */
function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(text.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== ''));
}

/** The Cookie header without the proxy's own cookies; undefined when nothing is left. */
export function withoutProxyCookies(cookie: string | undefined): string | undefined {
  if (cookie === undefined) return undefined;
  const kept = cookie
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '' && !PROXY_COOKIE.test(part.split('=')[0]?.trim() ?? ''));
  return kept.length === 0 ? undefined : kept.join('; ');
}

/**
 * The request headers as inspectors and the app may see them: spoofable identity headers,
 * client forwarding headers, hop-by-hop headers and the proxy's cookies removed.
 */
export function sanitizeRequestHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const hop = connectionTokens(headers);
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || isSpoofable(name) || FORWARDING_HEADERS.includes(name) || HOP_BY_HOP.has(name) || hop.has(name)) continue;
    if (name === 'cookie') {
      const cookie = withoutProxyCookies(Array.isArray(value) ? value.join('; ') : value);
      if (cookie !== undefined) out.cookie = cookie;
      continue;
    }
    out[name] = value;
  }
  return out;
}

export interface ForwardingFacts {
  requestId: string;
  /** The client's address: the agent's tunnel source, or the browser's. */
  source: string;
  /** What the client spoke to reach the proxy (the agent's local listener is plain HTTP). */
  proto: 'http' | 'https';
  /** The Host the client asked for. */
  host: string | undefined;
  /** The upstream's authority, sent as Host (virtual hosts answer for their own name). */
  upstreamHost: string;
  assertion: string | undefined;
}

/** The headers sent upstream: the sanitised ones plus the proxy's forwarding and identity headers. */
export function upstreamRequestHeaders(clean: IncomingHttpHeaders, facts: ForwardingFacts): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...clean };
  out.host = facts.upstreamHost;
  out['x-forwarded-for'] = facts.source;
  out['x-forwarded-proto'] = facts.proto;
  if (facts.host !== undefined) out['x-forwarded-host'] = facts.host;
  out['x-request-id'] = facts.requestId;
  if (facts.assertion !== undefined) out['x-zerogate-assertion'] = facts.assertion;
  return out;
}

/** The app's response headers without hop-by-hop ones (Node frames the body for the client itself). */
export function downstreamResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const hop = connectionTokens(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || hop.has(name)) continue;
    out[name] = value;
  }
  return out;
}
