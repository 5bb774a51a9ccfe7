/**
 * IP addresses and CIDR blocks for `require.sourceCidrs` (RFC 4632 for IPv4, RFC 4291 for IPv6):
 * strict parsing into bytes, canonical text (RFC 5952) and containment. IPv4-mapped IPv6
 * addresses (`::ffff:10.1.2.3`, RFC 4291 §2.5.5.2, what a dual-stack socket reports for an IPv4
 * peer) are treated as the IPv4 address they carry, in sources and in blocks alike. Pure.
 */

import type { CidrBlock } from '../config/index.ts';

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpAddress {
  family: 4 | 6;
  bytes: Uint8Array;
}

export type ParsedCidr = { ok: true; value: CidrBlock } | { ok: false; expected: string };

/** Longest address text considered (the longest IPv6 text form is 45 characters). */
const MAX_ADDRESS_LENGTH = 45;

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/** Dotted-quad IPv4, no leading zeros (`010` would be octal to some parsers). */
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): Uint8Array | undefined {
  if (!IPV4.test(text)) return undefined;
  return Uint8Array.from(text.split('.').map(Number));
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (half: string): string[] => (half === '' ? [] : half.split(':'));
  const left = groupsOf(halves[0] ?? '');
  const right = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  const all = [...left, ...right];
  const words: number[] = [];
  for (const [index, group] of all.entries()) {
    if (HEX_GROUP.test(group)) {
      words.push(Number.parseInt(group, 16));
      continue;
    }
    // An embedded IPv4 address may only end the address (RFC 4291 §2.2, form 3), never precede `::`.
    const last = index === all.length - 1 && (halves.length === 1 || right.length > 0);
    const v4 = last ? parseIpv4(group) : undefined;
    if (v4 === undefined) return undefined;
    words.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
  }
  const leftWords = left.reduce((n, group) => n + (HEX_GROUP.test(group) ? 1 : 2), 0);
  if (halves.length === 1 ? words.length !== 8 : words.length > 7) return undefined;
  const full = new Array<number>(8).fill(0);
  for (let i = 0; i < leftWords; i++) full[i] = words[i] ?? 0;
  const rightWords = words.length - leftWords;
  for (let i = 0; i < rightWords; i++) full[8 - rightWords + i] = words[leftWords + i] ?? 0;
  const bytes = new Uint8Array(16);
  for (const [i, word] of full.entries()) {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  }
  return bytes;
}

/** The IPv4 address an IPv4-mapped IPv6 address carries (`::ffff:a.b.c.d`), else undefined. */
function mappedIpv4(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length !== 16) return undefined;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return undefined;
  if (bytes[10] !== 0xff || bytes[11] !== 0xff) return undefined;
  return bytes.slice(12);
}

/**
 * Parses an IPv4 or IPv6 address. With `peer`, the text is a socket's remote address: an IPv6
 * zone (`%eth0`) is dropped, and an IPv4-mapped address becomes the IPv4 address it carries.
 * Without it (config), zones are refused and mapped addresses stay IPv6.
 */
export function parseIp(text: string, options: { peer?: boolean } = {}): IpAddress | undefined {
  if (typeof text !== 'string') return undefined;
  let value = text;
  const zone = value.indexOf('%');
  if (zone !== -1) {
    if (options.peer !== true) return undefined;
    value = value.slice(0, zone);
  }
  if (value.length === 0 || value.length > MAX_ADDRESS_LENGTH) return undefined;
  if (!value.includes(':')) {
    const v4 = parseIpv4(value);
    return v4 === undefined ? undefined : { family: 4, bytes: v4 };
  }
  const v6 = parseIpv6(value);
  if (v6 === undefined) return undefined;
  const mapped = options.peer === true ? mappedIpv4(v6) : undefined;
  return mapped === undefined ? { family: 6, bytes: v6 } : { family: 4, bytes: mapped };
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run as `::`). */
export function formatIp(address: IpAddress): string {
  const { bytes } = address;
  if (address.family === 4) return Array.from(bytes).join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // RFC 5952 §4.2: compress the longest run of two or more zero words, the first if tied.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && words[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = (from: number, to: number): string => words.slice(from, to).map((w) => w.toString(16)).join(':');
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

function hostBitsZero(bytes: Uint8Array, prefix: number): boolean {
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    if (((bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) return false;
  }
  return true;
}

function masked(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = bytes.slice();
  for (let bit = prefix; bit < out.length * 8; bit++) out[bit >> 3] = (out[bit >> 3] ?? 0) & ~(1 << (7 - (bit & 7)));
  return out;
}

const CIDR_EXPECTED = 'an IPv4 or IPv6 network in CIDR notation, such as 10.0.0.0/8 or fd00::/8';

/**
 * Parses a CIDR block (`10.0.0.0/8`, `2001:db8::/32`), or a bare address as a single host
 * (`/32`, `/128`). The address must be the network's first address: `10.1.2.3/8` is refused
 * (did the admin mean `10.0.0.0/8` or `10.1.2.3/32`?). An IPv4-mapped IPv6 block
 * (`::ffff:10.0.0.0/104`) becomes the IPv4 block it covers.
 */
export function parseCidr(text: string): ParsedCidr {
  if (typeof text !== 'string') return { ok: false, expected: CIDR_EXPECTED };
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
  const address = parseIp(addressText);
  if (address === undefined) return { ok: false, expected: CIDR_EXPECTED };
  const width = address.bytes.length * 8;
  let prefix = width;
  if (prefixText !== undefined) {
    if (!/^(?:0|[1-9]\d{0,2})$/.test(prefixText) || Number(prefixText) > width) {
      return { ok: false, expected: `${CIDR_EXPECTED} (an IPv${address.family} prefix length is 0 to ${width})` };
    }
    prefix = Number(prefixText);
  }
  if (!hostBitsZero(address.bytes, prefix)) {
    const network = formatIp({ family: address.family, bytes: masked(address.bytes, prefix) });
    return {
      ok: false,
      expected: `a network address with its host bits zero, such as ${network}/${prefix} (or ${formatIp(address)}/${width} for one host)`,
    };
  }
  let family = address.family;
  let bytes = address.bytes;
  const mapped = mappedIpv4(bytes);
  if (mapped !== undefined && prefix >= 96) {
    family = 4;
    bytes = mapped;
    prefix -= 96;
  }
  const network = formatIp({ family, bytes });
  return { ok: true, value: { cidr: `${network}/${prefix}`, family, network, prefix } };
}

/** Parsed network addresses of blocks, so a hot path does not re-parse the policy's text. */
const networks = new Map<string, IpAddress | undefined>();
const MAX_CACHED_NETWORKS = 4096;

function networkOf(block: CidrBlock): IpAddress | undefined {
  let network = networks.get(block.network);
  if (network === undefined && !networks.has(block.network)) {
    if (networks.size >= MAX_CACHED_NETWORKS) networks.clear();
    network = parseIp(block.network);
    networks.set(block.network, network);
  }
  return network;
}

/** Whether `address` lies in `block`. Families never mix (map IPv4-mapped peers first: {@link parseIp}). */
export function cidrContains(block: CidrBlock, address: IpAddress): boolean {
  if (block.family !== address.family) return false;
  const network = networkOf(block);
  if (network === undefined || network.family !== block.family) return false;
  const full = block.prefix >> 3;
  for (let i = 0; i < full; i++) if (network.bytes[i] !== address.bytes[i]) return false;
  const rest = block.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((network.bytes[full] ?? 0) & mask) === ((address.bytes[full] ?? 0) & mask);
}
