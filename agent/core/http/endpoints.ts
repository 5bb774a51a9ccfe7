/**
 * The proxy endpoints an agent may use (docs/failover.md): every configured proxy URL, and for
 * a URL whose host name resolves to several addresses (A/AAAA), one endpoint per address. The
 * agent keeps to the endpoint that works (sticky: no flapping back to the first one) and moves
 * on to the next one at once when a connection to it fails.
 *
 * Every endpoint is reached with TLS checked against the URL's host name (SNI and certificate
 * identity), whatever address it resolved to: an address is only where to connect, never what
 * to trust.
 */
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { ZerogateError } from '../../../shared/errors.ts';

/** How long a resolution is reused before the host names are looked up again. */
export const RESOLVE_TTL_MS = 30_000;
/** The most proxy URLs an enrolment keeps (a list beyond this is a mistake, not a cluster). */
export const MAX_PROXY_URLS = 16;
/** The most addresses used from one host name. */
export const MAX_ADDRESSES_PER_NAME = 16;

/** One place to connect to: a configured proxy URL and one address of its host. */
export interface ProxyEndpoint {
  /** The configured proxy origin this endpoint comes from, e.g. `https://proxy.example:8443`. */
  readonly origin: string;
  /** The host name (or IP literal) that SNI and the certificate check use. */
  readonly hostname: string;
  readonly port: number;
  /** The IP address to connect to. */
  readonly address: string;
  readonly family: 4 | 6;
}

/** `dns.lookup(name, {all: true})`: the seam a test may replace with a fixed answer. */
export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemLookup: LookupAll = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => (error === null ? resolve(addresses) : reject(error)));
  });

/** A short, stable label for logs and `zerogate status`: the origin, plus the address when it is not the host itself. */
export function describeEndpoint(endpoint: ProxyEndpoint): string {
  if (endpoint.address === endpoint.hostname) return endpoint.origin;
  return `${endpoint.origin} (${endpoint.family === 6 ? `[${endpoint.address}]` : endpoint.address})`;
}

export function sameEndpoint(a: ProxyEndpoint | undefined, b: ProxyEndpoint | undefined): boolean {
  return a !== undefined && b !== undefined && a.origin === b.origin && a.address === b.address;
}

/** The host of a URL without IPv6 brackets, and its port (default 443). */
function hostAndPort(url: URL): { hostname: string; port: number } {
  return { hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? 443 : Number(url.port) };
}

export interface ProxyEndpointsOptions {
  lookup?: LookupAll;
  now?: () => number;
}

/**
 * The ordered, resolved endpoints of one deployment, and which one is in use. Shared by the
 * tunnel and the HTTPS calls of one agent, so they agree on the node they talk to.
 */
export class ProxyEndpoints {
  /** The configured origins, in the order given (the order of preference). */
  readonly origins: readonly string[];
  readonly #lookup: LookupAll;
  readonly #now: () => number;
  #resolved: { at: number; endpoints: ProxyEndpoint[] } | undefined;
  #current: ProxyEndpoint | undefined;

  constructor(urls: readonly string[], options: ProxyEndpointsOptions = {}) {
    if (urls.length === 0) throw new TypeError('at least one proxy URL is required');
    const origins = [...new Set(urls.map((u) => new URL(u).origin))];
    for (const origin of origins) if (!origin.startsWith('https://')) throw new TypeError(`proxy URLs must be https: ${origin}`);
    this.origins = origins.slice(0, MAX_PROXY_URLS);
    this.#lookup = options.lookup ?? systemLookup;
    this.#now = options.now ?? Date.now;
  }

  /** The endpoint that last worked (undefined before the first success). */
  get current(): ProxyEndpoint | undefined {
    return this.#current;
  }

  /** True when there is more than one place to connect to (or may be, once names are resolved). */
  get several(): boolean {
    return this.origins.length > 1 || this.origins.some((o) => isIP(hostAndPort(new URL(o)).hostname) === 0);
  }

  /** Records that `endpoint` answered: it stays in use until it fails. */
  markWorking(endpoint: ProxyEndpoint): void {
    if (!sameEndpoint(this.#current, endpoint)) this.#current = endpoint;
  }

  /** Forgets the resolution, so the next round looks the names up again (after a failed round). */
  invalidate(): void {
    this.#resolved = undefined;
  }

  /**
   * The endpoints to try in one round: the one in use first (sticky), then the others in the
   * order given, wrapping around. With `after`, the round starts at the endpoint after that
   * one, which goes last: the tunnel to it just dropped, so the others are likelier to answer.
   */
  async round(options: { after?: ProxyEndpoint } = {}): Promise<ProxyEndpoint[]> {
    const all = await this.resolve();
    const anchor = options.after ?? this.#current;
    const at = anchor === undefined ? -1 : all.findIndex((e) => sameEndpoint(e, anchor));
    if (at < 0) return all;
    const start = options.after === undefined ? at : (at + 1) % all.length;
    return [...all.slice(start), ...all.slice(0, start)];
  }

  /** Every endpoint in the order given; names resolved (cached for RESOLVE_TTL_MS). */
  async resolve(): Promise<ProxyEndpoint[]> {
    const cached = this.#resolved;
    if (cached !== undefined && this.#now() - cached.at < RESOLVE_TTL_MS) return cached.endpoints;
    const lists = await Promise.all(this.origins.map((origin) => this.#resolveOrigin(origin)));
    const endpoints = lists.flat();
    if (endpoints.length === 0) {
      const failures = lists.length === 1 ? `${this.origins[0]}` : this.origins.join(', ');
      throw new ZerogateError('ZG_ERR_TUNNEL_CONNECT', `cannot resolve the proxy address (${failures})`);
    }
    this.#resolved = { at: this.#now(), endpoints };
    return endpoints;
  }

  async #resolveOrigin(origin: string): Promise<ProxyEndpoint[]> {
    const { hostname, port } = hostAndPort(new URL(origin));
    const literal = isIP(hostname);
    if (literal !== 0) return [{ origin, hostname, port, address: hostname, family: literal === 6 ? 6 : 4 }];
    let addresses: { address: string; family: number }[];
    try {
      addresses = await this.#lookup(hostname);
    } catch {
      // One name that does not resolve must not stop the others; a round with none fails.
      return [];
    }
    const seen = new Set<string>();
    const endpoints: ProxyEndpoint[] = [];
    for (const { address, family } of addresses) {
      if (seen.has(address) || isIP(address) === 0 || endpoints.length >= MAX_ADDRESSES_PER_NAME) continue;
      seen.add(address);
      endpoints.push({ origin, hostname, port, address, family: family === 6 ? 6 : 4 });
    }
    return endpoints;
  }
}

/**
 * The endpoints of each enrolled deployment in this process, keyed by the first (primary)
 * origin: the tunnel, the session keeper and `fetchApps` of one agent share one sticky choice,
 * and a request addressed to the primary origin goes to the endpoint in use.
 */
const shared = new Map<string, ProxyEndpoints>();

/**
 * The shared endpoints for a list of proxy URLs (an enrolment's). The same list gives the same
 * object; a different list for the same primary origin replaces it (a new `login`).
 */
export function endpointsFor(urls: readonly string[], options: ProxyEndpointsOptions = {}): ProxyEndpoints {
  const candidate = new ProxyEndpoints(urls, options);
  const primary = candidate.origins[0]!;
  const known = shared.get(primary);
  if (known !== undefined && known.origins.join(' ') === candidate.origins.join(' ') && options.lookup === undefined) return known;
  shared.set(primary, candidate);
  return candidate;
}

/** The shared endpoints whose primary origin is `origin`, if an agent in this process uses them. */
export function sharedEndpoints(origin: string): ProxyEndpoints | undefined {
  return shared.get(origin);
}
