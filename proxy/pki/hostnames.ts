/** Internal: sorting the names a server certificate covers into DNS names and IP addresses. */
import { isIP } from 'node:net';

export interface ServerNames {
  /** Lowercased DNS names, in the given order, without duplicates. */
  readonly dns: readonly string[];
  /** IP addresses as given, with their 4- or 16-byte network form. */
  readonly ips: ReadonlyArray<{ readonly address: string; readonly bytes: Buffer }>;
}

const DNS_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** RFC 1123 host names; a leading `*.` wildcard label is allowed (RFC 6125 §6.4.3). */
const DNS_NAME = new RegExp(`^(?:\\*\\.)?${DNS_LABEL}(?:\\.${DNS_LABEL})*$`);
const MAX_DNS_NAME_LENGTH = 253;

/** Splits `hostnames` into DNS names and IPs; a TypeError names the first invalid entry. */
export function parseServerNames(hostnames: readonly string[]): ServerNames {
  if (!Array.isArray(hostnames) || hostnames.length === 0) {
    throw new TypeError('hostnames must be a non-empty array of DNS names or IP addresses');
  }
  const dns: string[] = [];
  const ips: Array<{ address: string; bytes: Buffer }> = [];
  const seen = new Set<string>();
  for (const entry of hostnames as readonly unknown[]) {
    if (typeof entry !== 'string') throw new TypeError('hostnames must contain strings only');
    if (isIP(entry) !== 0) {
      const bytes = ipAddressBytes(entry);
      const key = bytes.toString('hex');
      if (!seen.has(key)) ips.push({ address: entry, bytes });
      seen.add(key);
      continue;
    }
    const name = entry.toLowerCase();
    if (name.length > MAX_DNS_NAME_LENGTH || !DNS_NAME.test(name)) {
      throw new TypeError(`hostname ${JSON.stringify(entry.slice(0, 300))} is neither a DNS name nor an IP address`);
    }
    if (!seen.has(name)) dns.push(name);
    seen.add(name);
  }
  return { dns, ips };
}

/**
 * The network-order bytes of an IPv4 or IPv6 address, as an iPAddress SAN holds them
 * (RFC 5280 §4.2.1.6). Handles `::` compression and embedded IPv4 (`::ffff:192.0.2.1`), which
 * forge's own conversion does not; zone ids (`fe80::1%eth0`) cannot appear in a certificate.
 */
export function ipAddressBytes(address: string): Buffer {
  const family = isIP(address);
  if (family === 4) return Buffer.from(address.split('.').map(Number));
  if (family !== 6 || address.includes('%')) {
    throw new TypeError(`${JSON.stringify(address.slice(0, 100))} is not an IP address usable in a certificate`);
  }
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  const head = halves[0] === '' || halves[0] === undefined ? [] : halves[0].split(':');
  const tail = halves.length < 2 || halves[1] === '' || halves[1] === undefined ? [] : halves[1].split(':');
  const groups = halves.length === 2 ? [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8) throw new TypeError(`${JSON.stringify(address)} is not an IPv6 address`);
  const bytes = Buffer.alloc(16);
  groups.forEach((group, i) => bytes.writeUInt16BE(Number.parseInt(group, 16), i * 2));
  return bytes;
}
