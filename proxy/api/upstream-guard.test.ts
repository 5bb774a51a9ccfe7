import { describe, expect, it } from 'vitest';
import { checkAddress, checkHostName, checkUpstream, publicEndpoint, restrictedAddress, type GuardContext, type Resolver } from './upstream-guard.ts';

const CONTEXT: GuardContext = { listenPort: 8443, publicHost: 'zerogate.example.com', publicPort: 443, ownAddresses: () => ['127.0.0.1', '::1', '10.1.2.3', 'fe80::1'] };

const fixedResolver =
  (table: Record<string, string[]>): Resolver =>
  async (host) => {
    const found = table[host];
    if (found === undefined) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    return found;
  };

describe('restrictedAddress', () => {
  it.each([
    '169.254.169.254',
    '169.254.0.1',
    '0.0.0.0',
    '0.1.2.3',
    '100.100.100.200',
    'fe80::1',
    'febf:ffff::1',
    'fd00:ec2::254',
    '::',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '0:0:0:0:0:ffff:a9fe:a9fe',
    '::ffff:0.0.0.0',
    '::ffff:100.100.100.200',
    '64:ff9b::169.254.169.254',
    '::169.254.169.254',
  ])('refuses %s', (address) => {
    expect(restrictedAddress(address).restricted).toBe(true);
  });

  it.each(['127.0.0.1', '10.0.0.5', '192.168.1.1', '100.100.100.201', '169.255.0.1', '::1', '2001:db8::1', 'fec0::1', 'fd00:ec2::253', '::ffff:10.0.0.1', 'db.internal'])(
    'allows %s',
    (address) => {
      expect(restrictedAddress(address).restricted).toBe(false);
    },
  );
});

describe('checkAddress: the proxy itself', () => {
  it.each([
    ['127.0.0.1', 8443],
    ['127.1.2.3', 8443],
    ['::1', 8443],
    ['::ffff:127.0.0.1', 8443],
    ['10.1.2.3', 8443],
    ['127.0.0.1', 443],
  ])('refuses %s port %d (loopback or its own address on its port)', (address, port) => {
    const verdict = checkAddress(address, port, CONTEXT);
    expect(verdict).toMatchObject({ restricted: true, why: expect.stringContaining('the proxy itself') });
  });

  it.each([
    ['127.0.0.1', 8080],
    ['10.1.2.3', 5432],
    ['10.9.9.9', 8443],
  ])('allows %s port %d (another port, or another machine)', (address, port) => {
    expect(checkAddress(address, port, CONTEXT).restricted).toBe(false);
  });
});

describe('checkHostName', () => {
  it.each(['metadata.google.internal', 'METADATA.google.internal', 'metadata', 'instance-data', 'metadata.goog'])('refuses the metadata name %s', (name) => {
    expect(checkHostName(name, 80, CONTEXT).restricted).toBe(true);
  });
  it('refuses the public URL host on its port and localhost on the listen port, not on others', () => {
    expect(checkHostName('zerogate.example.com', 443, CONTEXT).restricted).toBe(true);
    expect(checkHostName('zerogate.example.com', 22, CONTEXT).restricted).toBe(false);
    expect(checkHostName('localhost', 8443, CONTEXT).restricted).toBe(true);
    expect(checkHostName('localhost', 8081, CONTEXT).restricted).toBe(false);
  });
});

describe('checkUpstream', () => {
  const resolver = fixedResolver({
    'evil.example.com': ['203.0.113.7', '169.254.169.254'],
    'sneaky.example.com': ['::ffff:a9fe:a9fe'],
    'db.internal': ['10.0.0.5'],
    'self.example.com': ['10.1.2.3'],
  });

  it('refuses a name that resolves to a restricted address, among others', async () => {
    expect(await checkUpstream({ host: 'evil.example.com', port: 80 }, CONTEXT, resolver)).toMatchObject({ restricted: true, why: expect.stringContaining('evil.example.com resolves to a link-local') });
    expect((await checkUpstream({ host: 'sneaky.example.com', port: 80 }, CONTEXT, resolver)).restricted).toBe(true);
    expect((await checkUpstream({ host: 'self.example.com', port: 8443 }, CONTEXT, resolver)).restricted).toBe(true);
  });

  it('allows ordinary names and addresses, and names that do not resolve yet', async () => {
    expect((await checkUpstream({ host: 'db.internal', port: 5432 }, CONTEXT, resolver)).restricted).toBe(false);
    expect((await checkUpstream({ host: 'self.example.com', port: 22 }, CONTEXT, resolver)).restricted).toBe(false);
    expect((await checkUpstream({ host: 'not-yet.internal', port: 80 }, CONTEXT, resolver)).restricted).toBe(false);
    expect((await checkUpstream({ host: '127.0.0.1', port: 8081 }, CONTEXT, resolver)).restricted).toBe(false);
  });

  it('refuses literal restricted addresses without resolving', async () => {
    const never: Resolver = async () => {
      throw new Error('must not resolve');
    };
    expect((await checkUpstream({ host: 'fe80::1', port: 80 }, CONTEXT, never)).restricted).toBe(true);
    expect((await checkUpstream({ host: '127.0.0.1', port: 8443 }, CONTEXT, never)).restricted).toBe(true);
  });
});

describe('publicEndpoint', () => {
  it('takes the host and port of the public URL (443 by default, IPv6 unbracketed)', () => {
    expect(publicEndpoint('https://Proxy.example.com')).toEqual({ publicHost: 'proxy.example.com', publicPort: 443 });
    expect(publicEndpoint('https://[::1]:8443')).toEqual({ publicHost: '::1', publicPort: 8443 });
  });
});
