/**
 * Syntax of an OPEN `target`: `host:port`, where host is a DNS name, a dotted-quad IPv4
 * address or a bracketed IPv6 address (RFC 3986 §3.2.2, without zone ids), and port is 1-65535.
 *
 * Only canonical spellings pass: a host whose last label looks numeric must be a strict
 * dotted quad, so `010.1`, `0x7f.1` or `2130706433` (which `getaddrinfo` would read as
 * addresses) cannot slip past a policy that compares targets as strings.
 */
import { FIELD_LIMITS } from './constants.ts';

const IPV4_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4_RE = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`);
const HEX_GROUP_RE = /^[0-9a-f]{1,4}$/i;
const DNS_LABEL_RE = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i;
/** A last label that WHATWG URL and inet_aton would treat as a number. */
const NUMERIC_LABEL_RE = /^(?:[0-9]+|0x[0-9a-f]*)$/i;
const PORT_RE = /^[1-9][0-9]{0,4}$/;
const DNS_NAME_MAX_LENGTH = 253;
const IPV6_MAX_LENGTH = 45;

/** Whether `value` is a dotted-quad IPv4 address without leading zeros. */
export function isIPv4(value: string): boolean {
  return IPV4_RE.test(value);
}

function hexGroupsValid(groups: readonly string[]): boolean {
  for (const group of groups) if (!HEX_GROUP_RE.test(group)) return false;
  return true;
}

/** Whether `value` is an IPv6 address in RFC 4291 §2.2 text form (no brackets, no zone id). */
export function isIPv6(value: string): boolean {
  if (value.length < 2 || value.length > IPV6_MAX_LENGTH) return false;
  let text = value;
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    if (lastColon < 0 || !isIPv4(text.slice(lastColon + 1))) return false;
    // An embedded IPv4 address (`::ffff:192.0.2.1`) stands for the last two groups.
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const gap = text.indexOf('::');
  if (gap < 0) {
    const parts = text.split(':');
    return parts.length === 8 && hexGroupsValid(parts);
  }
  if (text.indexOf('::', gap + 1) >= 0) return false;
  const left = gap === 0 ? [] : text.slice(0, gap).split(':');
  const right = gap + 2 === text.length ? [] : text.slice(gap + 2).split(':');
  // `::` stands for at least one group.
  return left.length + right.length < 8 && hexGroupsValid(left) && hexGroupsValid(right);
}

/** Whether `value` is a DNS name (letters, digits, `-`, `_`; no trailing dot) that is not numeric-looking. */
export function isDnsName(value: string): boolean {
  if (value.length === 0 || value.length > DNS_NAME_MAX_LENGTH) return false;
  const labels = value.split('.');
  for (const label of labels) if (!DNS_LABEL_RE.test(label)) return false;
  return !NUMERIC_LABEL_RE.test(labels[labels.length - 1] ?? '');
}

/** Whether `value` is a valid OPEN `target` (`host:port`, see the module comment). */
export function isValidTarget(value: string): boolean {
  if (value.length === 0 || value.length > FIELD_LIMITS.targetMaxLength) return false;
  const colon = value.lastIndexOf(':');
  if (colon <= 0) return false;
  const port = value.slice(colon + 1);
  if (!PORT_RE.test(port) || Number(port) > 65_535) return false;
  const host = value.slice(0, colon);
  if (host.startsWith('[')) {
    return host.endsWith(']') && isIPv6(host.slice(1, -1));
  }
  return isIPv4(host) || isDnsName(host);
}
