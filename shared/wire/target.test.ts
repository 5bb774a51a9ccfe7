import { describe, expect, it } from 'vitest';
import { isDnsName, isIPv4, isIPv6, isValidTarget } from './target.ts';

describe('isValidTarget', () => {
  it.each([
    'db.internal:5432',
    'localhost:1',
    'a:65535',
    'DB-1.Example.COM:443',
    '_ldap._tcp.example.com:389',
    'host-1.example.com:8080',
    '10.0.0.1:22',
    '255.255.255.255:80',
    '0.0.0.0:80',
    '[::1]:22',
    '[::]:80',
    '[2001:db8::7]:22',
    '[2001:0db8:0000:0000:0000:ff00:0042:8329]:443',
    '[::ffff:192.0.2.1]:80',
    '[1:2:3:4:5:6:1.2.3.4]:80',
    '[fe80::]:1',
    `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}:65535`,
  ])('accepts %s', (target) => {
    expect(isValidTarget(target)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['no port', 'db.internal'],
    ['empty port', 'db.internal:'],
    ['empty host', ':22'],
    ['port 0', 'db:0'],
    ['port above 65535', 'db:65536'],
    ['port with a leading zero', 'db:022'],
    ['port with a sign', 'db:+22'],
    ['port with spaces', 'db: 22'],
    ['IPv4 with a leading zero (octal to inet_aton)', '010.0.0.1:22'],
    ['short IPv4 (inet_aton shorthand)', '10.1:22'],
    ['integer host (inet_aton)', '2130706433:22'],
    ['hex host label', '0x7f.1:22'],
    ['numeric last label', 'host.123:22'],
    ['IPv4 octet above 255', '256.0.0.1:22'],
    ['IPv6 without brackets', '::1:22'],
    ['IPv6 with a zone id', '[fe80::1%eth0]:22'],
    ['IPv6 with two gaps', '[1::2::3]:22'],
    ['IPv6 with nine groups', '[1:2:3:4:5:6:7:8:9]:22'],
    ['IPv6 with seven groups and no gap', '[1:2:3:4:5:6:7]:22'],
    ['IPv6 gap standing for no group', '[1:2:3:4::5:6:7:8]:22'],
    ['IPv6 group of five digits', '[12345::]:22'],
    ['IPv6 triple colon', '[:::]:22'],
    ['IPv4 in brackets', '[10.0.0.1]:22'],
    ['unclosed bracket', '[::1:22'],
    ['label starting with a hyphen', '-db.internal:22'],
    ['label ending with a hyphen', 'db-.internal:22'],
    ['empty label', 'db..internal:22'],
    ['trailing dot', 'db.internal.:22'],
    ['label of 64 characters', `${'a'.repeat(64)}.com:22`],
    ['name longer than 253', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}:1`],
    ['user info', 'user@db:22'],
    ['path', 'db/x:22'],
    ['space', 'd b:22'],
    ['unicode', 'dé.com:22'],
    ['longer than 261', `${'a'.repeat(300)}:22`],
  ])('rejects %s', (_name, target) => {
    expect(isValidTarget(target)).toBe(false);
  });
});

describe('address helpers', () => {
  it('isIPv4 accepts only dotted quads without leading zeros', () => {
    expect(isIPv4('192.0.2.1')).toBe(true);
    expect(isIPv4('192.0.2.01')).toBe(false);
    expect(isIPv4('192.0.2')).toBe(false);
  });

  it('isIPv6 accepts RFC 4291 text forms', () => {
    expect(isIPv6('::')).toBe(true);
    expect(isIPv6('::1.2.3.4')).toBe(true);
    expect(isIPv6('1::')).toBe(true);
    expect(isIPv6(':1.2.3.4')).toBe(false);
    expect(isIPv6('1.2.3.4')).toBe(false);
    expect(isIPv6('1:2:3:4:5:6:7:1.2.3.4')).toBe(false);
  });

  it('isDnsName rejects names that resolvers would read as numbers', () => {
    expect(isDnsName('example.com')).toBe(true);
    expect(isDnsName('1.2.3.4')).toBe(false);
    expect(isDnsName('example.0x1')).toBe(false);
  });
});
