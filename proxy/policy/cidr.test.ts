import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cidrContains, formatIp, parseCidr, parseIp } from './cidr.ts';

const text = (value: string | undefined) => {
  const parsed = value === undefined ? undefined : parseIp(value);
  return parsed === undefined ? undefined : formatIp(parsed);
};

describe('parseIp / formatIp', () => {
  it.each([
    ['10.1.2.3', '10.1.2.3'],
    ['0.0.0.0', '0.0.0.0'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal runs
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero word is not compressed
    ['::ffff:10.1.2.3', '::ffff:a01:203'], // config: a mapped address stays IPv6
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
  ])('%s → %s', (input, canonical) => {
    expect(text(input)).toBe(canonical);
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.4 ', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8', ':1::', '1:', '12345::', 'g::', '1.2.3.4::', '::1.2.3', 'fe80::1%eth0'])(
    'refuses %j in a config',
    (input) => {
      expect(parseIp(input)).toBeUndefined();
    },
  );

  it('for a peer, drops the zone and unmaps IPv4-mapped addresses', () => {
    expect(parseIp('fe80::1%eth0', { peer: true })).toEqual({ family: 6, bytes: Uint8Array.from([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) });
    expect(parseIp('::ffff:10.1.2.3', { peer: true })).toEqual({ family: 4, bytes: Uint8Array.from([10, 1, 2, 3]) });
    expect(parseIp('%eth0', { peer: true })).toBeUndefined();
  });

  it('agrees with node:net on what an address is, and round-trips through its canonical text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.string({ maxLength: 46 })), (candidate) => {
        const parsed = parseIp(candidate);
        // ipV4Extended produces octal/hex forms node:net refuses too; they are no addresses here.
        if (isIP(candidate) === 0) expect(parsed).toBeUndefined();
        else {
          expect(parsed).toBeDefined();
          const canonical = formatIp(parsed!);
          expect(isIP(canonical)).toBe(parsed!.family);
          expect(parseIp(canonical)).toEqual(parsed);
          // WHATWG URL serialises IPv6 with the same RFC 5952 compression.
          if (parsed!.family === 6) expect(canonical).toBe(new URL(`http://[${candidate}]`).hostname.slice(1, -1));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', { cidr: '10.0.0.0/8', family: 4, network: '10.0.0.0', prefix: 8 }],
    ['0.0.0.0/0', { cidr: '0.0.0.0/0', family: 4, network: '0.0.0.0', prefix: 0 }],
    ['192.0.2.7', { cidr: '192.0.2.7/32', family: 4, network: '192.0.2.7', prefix: 32 }],
    ['FD00::/8', { cidr: 'fd00::/8', family: 6, network: 'fd00::', prefix: 8 }],
    ['::/0', { cidr: '::/0', family: 6, network: '::', prefix: 0 }],
    ['2001:db8::1', { cidr: '2001:db8::1/128', family: 6, network: '2001:db8::1', prefix: 128 }],
    ['::ffff:10.0.0.0/104', { cidr: '10.0.0.0/8', family: 4, network: '10.0.0.0', prefix: 8 }],
    ['::ffff:0:0/96', { cidr: '0.0.0.0/0', family: 4, network: '0.0.0.0', prefix: 0 }],
  ])('%s', (input, block) => {
    expect(parseCidr(input)).toEqual({ ok: true, value: block });
  });

  it.each([
    ['10.0.0.1/8', 'a network address with its host bits zero, such as 10.0.0.0/8 (or 10.0.0.1/32 for one host)'],
    ['10.0.0.0/08', 'an IPv4 or IPv6 network in CIDR notation, such as 10.0.0.0/8 or fd00::/8 (an IPv4 prefix length is 0 to 32)'],
    ['10.0.0.0/', 'an IPv4 or IPv6 network in CIDR notation, such as 10.0.0.0/8 or fd00::/8 (an IPv4 prefix length is 0 to 32)'],
    ['10.0.0.0/8/8', 'an IPv4 or IPv6 network in CIDR notation, such as 10.0.0.0/8 or fd00::/8 (an IPv4 prefix length is 0 to 32)'],
    ['/8', 'an IPv4 or IPv6 network in CIDR notation, such as 10.0.0.0/8 or fd00::/8'],
    ['fd00::1/8', 'a network address with its host bits zero, such as fd00::/8 (or fd00::1/128 for one host)'],
  ])('refuses %s', (input, expected) => {
    expect(parseCidr(input)).toEqual({ ok: false, expected });
  });
});

describe('cidrContains', () => {
  const block = (value: string) => {
    const parsed = parseCidr(value);
    if (!parsed.ok) throw new Error(parsed.expected);
    return parsed.value;
  };
  const ip = (value: string) => parseIp(value, { peer: true })!;

  it('tests prefixes that end inside a byte', () => {
    expect(cidrContains(block('192.168.16.0/20'), ip('192.168.31.255'))).toBe(true);
    expect(cidrContains(block('192.168.16.0/20'), ip('192.168.32.0'))).toBe(false);
    expect(cidrContains(block('2001:db8:8000::/33'), ip('2001:db8:ffff::1'))).toBe(true);
    expect(cidrContains(block('2001:db8:8000::/33'), ip('2001:db8:7fff::1'))).toBe(false);
  });

  it('matches everything of its family with /0 and one host with a full prefix', () => {
    expect(cidrContains(block('0.0.0.0/0'), ip('203.0.113.9'))).toBe(true);
    expect(cidrContains(block('::/0'), ip('2001:db8::1'))).toBe(true);
    expect(cidrContains(block('192.0.2.7'), ip('192.0.2.7'))).toBe(true);
    expect(cidrContains(block('192.0.2.7'), ip('192.0.2.8'))).toBe(false);
  });

  it('matches IPv4-mapped sources against IPv4 blocks, and mapped blocks against IPv4 sources', () => {
    expect(cidrContains(block('10.0.0.0/8'), ip('::ffff:10.9.9.9'))).toBe(true);
    expect(cidrContains(block('::ffff:10.0.0.0/104'), ip('10.9.9.9'))).toBe(true);
  });

  it('agrees with node:net BlockList for random IPv4 and IPv6 blocks', async () => {
    const { BlockList } = await import('node:net');
    fc.assert(
      fc.property(fc.oneof(fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4()), fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 }), fc.ipV6())), ([network, prefix, probe]) => {
        const family = isIP(network) === 4 ? 'ipv4' : 'ipv6';
        const address = parseIp(network)!;
        // Mask the host bits so the block is valid.
        const bytes = address.bytes.slice();
        for (let bit = prefix; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(1 << (7 - (bit & 7)));
        const masked = formatIp({ family: address.family, bytes });
        const parsed = parseCidr(`${masked}/${prefix}`);
        expect(parsed.ok).toBe(true);
        if (!parsed.ok || parsed.value.family !== address.family) return; // mapped blocks become IPv4: compared elsewhere
        const list = new BlockList();
        list.addSubnet(masked, prefix, family);
        const probeAddress = parseIp(probe)!;
        if (probeAddress.family === 6 && /^::ffff:/i.test(formatIp(probeAddress))) return;
        expect(cidrContains(parsed.value, probeAddress)).toBe(list.check(probe, family));
      }),
      { numRuns: 2000 },
    );
  });
});
