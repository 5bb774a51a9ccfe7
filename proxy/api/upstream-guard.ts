/**
 * SSRF protection for upstreams published through the admin API (OWASP API7:2023). An app's
 * upstream is where the proxy itself connects, from inside the network: an API caller must not
 * be able to point it at the proxy (loops, its own API on loopback), at link-local addresses or
 * at a cloud metadata service (credentials of the proxy's host). Checked when an app is
 * published (the name and every address it resolves to) and again at every dial (DNS
 * rebinding: the name may resolve differently later). `allowRestrictedUpstream: true` in the
 * app's body lifts the check for that app (audited). Apps of the config file are the
 * operator's own and are not checked.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** Host names of cloud metadata services (GCP, AWS, Azure, Alibaba, Oracle, DigitalOcean...). */
export const METADATA_HOSTS: readonly string[] = [
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
  'metadata.tencentyun.com',
  'metadata.oraclecloud.com',
  'metadata.platformequinix.com',
];

/** Longest wait for a name to resolve at publish time; unresolved names are checked at dial time. */
export const PUBLISH_LOOKUP_TIMEOUT_MS = 3_000;

/** Who the proxy is, so an upstream pointing back at it can be recognised. */
export interface GuardContext {
  /** The port the proxy listens on. */
  listenPort: number;
  /** The host of `server.publicUrl` (lowercase, IPv6 without brackets) and its port. */
  publicHost: string;
  publicPort: number;
  /** The machine's own addresses; default: every interface's (read at each check). */
  ownAddresses?: () => readonly string[];
}

export type Resolver = (host: string) => Promise<readonly string[]>;

/** Every address a name resolves to (A and AAAA, as the system resolver orders them). */
export const systemResolver: Resolver = async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** The public URL's host and port (443 when the URL leaves it out). */
export function publicEndpoint(publicUrl: string): { publicHost: string; publicPort: number } {
  const url = new URL(publicUrl);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { publicHost: host.toLowerCase(), publicPort: url.port === '' ? 443 : Number(url.port) };
}

/** IPv6 text → eight 16-bit groups (any valid form, including embedded IPv4). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const v4 = ipv4Number(dotted[1] as string);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, -(dotted[1] as string).length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : (halves[0] as string).split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? (halves[1] as string).split(':') : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail].map((g) => Number.parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

function ipv4Number(address: string): number | undefined {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return (((parts[0] as number) << 24) | ((parts[1] as number) << 16) | ((parts[2] as number) << 8) | (parts[3] as number)) >>> 0;
}

const v4 = (text: string): number => ipv4Number(text) as number;
const inV4 = (address: number, network: string, prefix: number): boolean => prefix === 0 || address >>> (32 - prefix) === v4(network) >>> (32 - prefix);

/**
 * The IPv4 address an IPv6 address stands for, if any: IPv4-mapped (`::ffff:a.b.c.d`),
 * IPv4-compatible (`::a.b.c.d`, deprecated) and NAT64 (`64:ff9b::/96`) forms. A connection to
 * them reaches (or may reach) that IPv4 address, so they are judged as it.
 */
function embeddedIpv4(groups: number[]): number | undefined {
  const low = (((groups[6] as number) << 16) | (groups[7] as number)) >>> 0;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zeros(0, 5) && groups[5] === 0xffff) return low;
  if (zeros(0, 6) && low > 1) return low;
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return low;
  return undefined;
}

export type AddressVerdict = { restricted: false } | { restricted: true; why: string };

const OK: AddressVerdict = { restricted: false };

function loopbackOrUnspecified(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return inV4(v4(address), '127.0.0.0', 8) || inV4(v4(address), '0.0.0.0', 8);
  const groups = ipv6Groups(address);
  if (groups === undefined) return false;
  const mapped = embeddedIpv4(groups);
  if (mapped !== undefined) return mapped >>> 24 === 127 || mapped >>> 24 === 0;
  return groups.slice(0, 7).every((g) => g === 0) && (groups[7] === 0 || groups[7] === 1);
}

function restrictedIpv4(address: number): string | undefined {
  if (inV4(address, '169.254.0.0', 16)) return 'a link-local address (169.254.0.0/16, where cloud metadata services answer)';
  if (inV4(address, '0.0.0.0', 8)) return 'an unspecified address (0.0.0.0/8, which reaches this host)';
  if (address === v4('100.100.100.200')) return 'a cloud metadata address (100.100.100.200)';
  return undefined;
}

/** Whether a literal IP address is restricted regardless of the port (link-local, metadata, unspecified). */
export function restrictedAddress(address: string): AddressVerdict {
  const family = isIP(address);
  if (family === 4) {
    const why = restrictedIpv4(v4(address));
    return why === undefined ? OK : { restricted: true, why };
  }
  if (family !== 6) return OK;
  const groups = ipv6Groups(address);
  if (groups === undefined) return { restricted: true, why: 'an IPv6 address that cannot be judged' };
  const mapped = embeddedIpv4(groups);
  if (mapped !== undefined) {
    const why = restrictedIpv4(mapped);
    return why === undefined ? OK : { restricted: true, why: `${why}, in an IPv6 form` };
  }
  if (groups.every((g) => g === 0)) return { restricted: true, why: 'the unspecified address (::, which reaches this host)' };
  if (((groups[0] as number) & 0xffc0) === 0xfe80) return { restricted: true, why: 'a link-local address (fe80::/10)' };
  if (groups.join(':') === [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254].join(':')) return { restricted: true, why: 'a cloud metadata address (fd00:ec2::254)' };
  return OK;
}

function canonical(address: string): string {
  const groups = isIP(address) === 6 ? ipv6Groups(address) : undefined;
  if (groups === undefined) return address;
  const mapped = embeddedIpv4(groups);
  return mapped === undefined ? groups.join(':') : [mapped >>> 24, (mapped >>> 16) & 255, (mapped >>> 8) & 255, mapped & 255].join('.');
}

function ownAddresses(context: GuardContext): readonly string[] {
  if (context.ownAddresses !== undefined) return context.ownAddresses();
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

/** Whether connecting to `address`:`port` may reach this proxy itself, or a restricted address. */
export function checkAddress(address: string, port: number, context: GuardContext): AddressVerdict {
  const fixed = restrictedAddress(address);
  if (fixed.restricted) return fixed;
  if (port === context.listenPort || port === context.publicPort) {
    const target = canonical(address);
    const own = loopbackOrUnspecified(address) || ownAddresses(context).some((a) => canonical(a) === target) || canonical(context.publicHost) === target;
    if (own) return { restricted: true, why: `the proxy itself (port ${port} on one of its own addresses)` };
  }
  return OK;
}

/** Whether a host name (not an address) is restricted by itself: metadata names, or the public URL's host and port. */
export function checkHostName(host: string, port: number, context: GuardContext): AddressVerdict {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (METADATA_HOSTS.includes(name)) return { restricted: true, why: `a cloud metadata host name (${name})` };
  if (name === context.publicHost && port === context.publicPort) return { restricted: true, why: 'the proxy itself (its public URL)' };
  if ((name === 'localhost' || name.endsWith('.localhost')) && port === context.listenPort) return { restricted: true, why: `the proxy itself (port ${port} on localhost)` };
  return OK;
}

/** Resolves with a deadline; undefined when the name does not resolve in time (or at all). */
async function resolveWithin(resolver: Resolver, host: string, timeoutMs: number): Promise<readonly string[] | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([resolver(host).catch(() => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The publish-time check of an upstream: the name itself, then every address it resolves to.
 * A name that does not resolve now passes (internal DNS may not answer the proxy yet): the
 * dial-time check judges what it resolves to when it is used.
 */
export async function checkUpstream(upstream: { host: string; port: number }, context: GuardContext, resolver: Resolver = systemResolver): Promise<AddressVerdict> {
  if (isIP(upstream.host) !== 0) return checkAddress(upstream.host, upstream.port, context);
  const byName = checkHostName(upstream.host, upstream.port, context);
  if (byName.restricted) return byName;
  const addresses = await resolveWithin(resolver, upstream.host, PUBLISH_LOOKUP_TIMEOUT_MS);
  for (const address of addresses ?? []) {
    const verdict = checkAddress(address, upstream.port, context);
    if (verdict.restricted) return { restricted: true, why: `${upstream.host} resolves to ${verdict.why}` };
  }
  return OK;
}
