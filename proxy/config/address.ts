/**
 * Parsers for the network addresses in the config: listen addresses, certificate hostnames,
 * the public URL and app upstreams. Each returns a value or the text of what was expected.
 */

import { isIP } from 'node:net';
import type { HostPort, UpstreamConfig } from './types.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };

const fail = (expected: string): { ok: false; expected: string } => ({ ok: false, expected });

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
/** Container and compose service names may hold `_`; certificate names may not. */
const LOOSE_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/** True for a DNS name (RFC 1123 labels, no trailing dot, no wildcard) or an IP address. */
export function isHostOrIp(text: string, options: { allowUnderscore?: boolean } = {}): boolean {
  // IPv6 zone ids (`fe80::1%eth0`) name an interface of one machine: not for a config.
  if (text.includes('%')) return false;
  if (isIP(text) !== 0) return true;
  if (text.length === 0 || text.length > 253) return false;
  const label = options.allowUnderscore === true ? LOOSE_LABEL : LABEL;
  const labels = text.split('.');
  // An all-numeric last label would make `1.2.3.999` a "hostname"; it is a bad IPv4 address.
  if (/^\d+$/.test(labels.at(-1) ?? '')) return false;
  return labels.every((part) => label.test(part));
}

/** Lowercase, and IPv6 in its canonical short form (`0:0::1` → `::1`), without brackets. */
export function normalizeHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) === 6 && !bare.includes('%')) return new URL(`http://[${bare}]`).hostname.slice(1, -1);
  return bare.toLowerCase();
}

/** `host` as written in a URL authority: IPv6 in brackets. */
export function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

const LISTEN_EXPECTED = 'host:port, such as 0.0.0.0:8443 or [::]:8443';

/** Parses `host:port` or `[v6]:port` (port 0-65535; 0 asks the OS for a free port, for tests and tools). */
export function parseHostPort(text: string): Parsed<HostPort> {
  const match = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  if (match === null) {
    if (/^:\d+$/.test(text)) return fail(`${LISTEN_EXPECTED} (the host is required)`);
    if (isIP(text) === 6 || (text.split(':').length > 2 && !text.startsWith('['))) {
      return fail(`${LISTEN_EXPECTED} (IPv6 addresses go in brackets)`);
    }
    return fail(LISTEN_EXPECTED);
  }
  const [, v6, name, portText] = match;
  const port = Number(portText);
  if (port > 65_535) return fail(`${LISTEN_EXPECTED} (port 0-65535)`);
  if (v6 !== undefined) {
    return isIP(v6) === 6 && isHostOrIp(v6) ? { ok: true, value: { host: normalizeHost(v6), port } } : fail(LISTEN_EXPECTED);
  }
  if (name === undefined || !isHostOrIp(name)) return fail(`${LISTEN_EXPECTED} (the host is not a DNS name or IP address)`);
  return { ok: true, value: { host: normalizeHost(name), port } };
}

/**
 * Parses the public URL: `https://` only (the proxy serves nothing else), no credentials, no
 * path, query or fragment. Returns the origin (`https://host[:port]`).
 */
export function parsePublicUrl(text: string): Parsed<{ origin: string; host: string }> {
  const expected = 'an https:// URL such as https://zerogate.example.com:8443';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(expected);
  }
  if (url.protocol !== 'https:') return fail(`${expected} (the proxy serves only TLS)`);
  if (url.username !== '' || url.password !== '') return fail(`${expected} without user:password@`);
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || text.endsWith('?') || text.endsWith('#')) {
    return fail(`${expected} without a path, query or fragment`);
  }
  const host = normalizeHost(url.hostname);
  if (!isHostOrIp(host)) return fail(expected);
  return { ok: true, value: { origin: url.origin, host } };
}

const UPSTREAM_EXPECTED = 'a URL such as tcp://db.internal:5432 or http://127.0.0.1:8081';

const DEFAULT_PORTS = { http: 80, https: 443 } as const;

/**
 * Parses an app upstream: `tcp://host:port` (port required; nothing after it), or
 * `http(s)://host[:port][/path][?query]` (ports 80 / 443 by default). Never credentials, which
 * would end up in logs, and never a fragment, which means nothing to an upstream.
 */
export function parseUpstream(text: string): Parsed<UpstreamConfig> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme !== 'tcp' && scheme !== 'http' && scheme !== 'https') {
    return fail(`${UPSTREAM_EXPECTED} (scheme tcp://, http:// or https://)`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(UPSTREAM_EXPECTED);
  }
  if (url.username !== '' || url.password !== '') return fail(`${UPSTREAM_EXPECTED} without user:password@`);
  if (url.hash !== '' || text.includes('#')) return fail(`${UPSTREAM_EXPECTED} without a #fragment`);
  const host = normalizeHost(url.hostname);
  if (host === '' || !isHostOrIp(host, { allowUnderscore: true })) {
    return fail(`${UPSTREAM_EXPECTED} (the host is not a DNS name or IP address)`);
  }

  if (scheme === 'tcp') {
    if (url.port === '') return fail('tcp://host:port (a tcp upstream needs a port)');
    if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || text.includes('?')) {
      return fail('tcp://host:port with nothing after the port');
    }
    const port = Number(url.port);
    if (port < 1) return fail('tcp://host:port (port 1-65535)');
    return { ok: true, value: { protocol: 'tcp', host, port, url: `tcp://${urlHost(host)}:${port}` } };
  }

  const port = url.port === '' ? DEFAULT_PORTS[scheme] : Number(url.port);
  if (port < 1) return fail(`${UPSTREAM_EXPECTED} (port 1-65535)`);
  const rest = `${url.pathname === '/' ? '' : url.pathname}${url.search}`;
  return { ok: true, value: { protocol: scheme, host, port, url: `${url.origin}${rest}` } };
}
