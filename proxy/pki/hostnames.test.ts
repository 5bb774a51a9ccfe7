import { describe, expect, it } from 'vitest';
import { ipAddressBytes, parseServerNames } from './hostnames.ts';

describe('ipAddressBytes', () => {
  it.each([
    ['127.0.0.1', '7f000001'],
    ['10.1.2.3', '0a010203'],
    ['::1', '00000000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['2001:db8::8a2e:370:7334', '20010db80000000000008a2e03707334'],
    ['fe80::', 'fe800000000000000000000000000000'],
    ['2001:DB8:0:0:0:0:0:1', '20010db8000000000000000000000001'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['64:ff9b::198.51.100.7', '0064ff9b0000000000000000c6336407'],
  ])('%s', (address, hex) => {
    expect(ipAddressBytes(address).toString('hex')).toBe(hex);
  });

  it('rejects zone ids and non-addresses', () => {
    expect(() => ipAddressBytes('fe80::1%eth0')).toThrow(TypeError);
    expect(() => ipAddressBytes('localhost')).toThrow(TypeError);
  });
});

describe('parseServerNames', () => {
  it('splits, lowercases and de-duplicates DNS names and IPs', () => {
    const names = parseServerNames(['Proxy.Example.COM', 'localhost', '127.0.0.1', '::1', 'proxy.example.com', '0:0::1', '*.apps.example.com']);
    expect(names.dns).toEqual(['proxy.example.com', 'localhost', '*.apps.example.com']);
    expect(names.ips.map((ip) => ip.address)).toEqual(['127.0.0.1', '::1']);
  });

  it.each([[[]], [['']], [['bad name']], [['-lead.example.com']], [['a..b']], [['*']], [['x.*.com']], [['a'.repeat(64) + '.com']], [[42]]])(
    'rejects %j with a TypeError',
    (hostnames) => {
      expect(() => parseServerNames(hostnames as string[])).toThrow(TypeError);
    },
  );
});
