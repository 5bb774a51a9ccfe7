import { X509Certificate, createPrivateKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCa, type CaKeyPair, type CertKeyPair } from './ca.ts';
import { DAY_MS, SERVER_KEY_BITS } from './constants.ts';
import { createServerCert } from './server-cert.ts';
import { expectZgError, extension, forgeCert } from './test-helpers.ts';

const NOW = new Date('2030-06-01T12:00:00Z');
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

describe('createServerCert', { timeout: 30_000 }, () => {
  let ca: CaKeyPair;
  let caX509: X509Certificate;
  let server: CertKeyPair;
  let leaf: X509Certificate;
  beforeAll(() => {
    ca = createCa({ now: NOW });
    caX509 = new X509Certificate(ca.certPem);
    server = createServerCert(ca, ['proxy.example.com', 'localhost', '127.0.0.1', '::1', '2001:db8::7', '*.apps.example.com'], {
      now: NOW,
    });
    leaf = new X509Certificate(server.certPem);
  });

  it('is issued and signed by the CA, with a matching RSA 2048 key', () => {
    expect(leaf.checkIssued(caX509)).toBe(true);
    expect(leaf.verify(caX509.publicKey)).toBe(true);
    expect(leaf.verify(leaf.publicKey)).toBe(false);
    expect(leaf.ca).toBe(false);
    expect(leaf.publicKey.asymmetricKeyDetails?.modulusLength).toBe(SERVER_KEY_BITS);
    expect(leaf.checkPrivateKey(createPrivateKey(server.keyPem))).toBe(true);
    expect(leaf.subject).toBe('CN=proxy.example.com\nO=Zerogate');
    expect(leaf.issuer).toBe(caX509.subject);
  });

  it('covers every DNS name and IP address (IPv4, IPv6, ::1), and nothing else', () => {
    expect(leaf.checkHost('proxy.example.com')).toBe('proxy.example.com');
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkHost('wiki.apps.example.com')).toBe('*.apps.example.com');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(leaf.checkIP('2001:db8::7')).toBe('2001:db8::7');
    expect(leaf.checkHost('evil.example.com')).toBeUndefined();
    expect(leaf.checkIP('127.0.0.2')).toBeUndefined();
    expect(leaf.subjectAltName).toBe(
      'DNS:proxy.example.com, DNS:localhost, DNS:*.apps.example.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:2001:DB8:0:0:0:0:0:7',
    );
  });

  it('has extKeyUsage serverAuth only, keyUsage digitalSignature+keyEncipherment, CA:false, and AKI = CA SKI', () => {
    expect(leaf.keyUsage).toEqual([SERVER_AUTH]);
    const cert = forgeCert(server.certPem);
    expect(extension(cert, 'keyUsage')).toMatchObject({
      critical: true,
      digitalSignature: true,
      keyEncipherment: true,
      keyCertSign: false,
    });
    expect(extension(cert, 'basicConstraints')).toMatchObject({ critical: true, cA: false });
    const caSki = extension(forgeCert(ca.certPem), 'subjectKeyIdentifier')?.['subjectKeyIdentifier'];
    const aki = extension(cert, 'authorityKeyIdentifier')?.['value'] as string;
    // AuthorityKeyIdentifier ::= SEQUENCE { [0] keyIdentifier }: 30 16 80 14 <20 bytes>.
    expect(Buffer.from(aki, 'binary').subarray(4).toString('hex')).toBe(caSki);
  });

  it('is valid for 397 days by default, and never past the CA', () => {
    expect(new Date(leaf.validTo).getTime()).toBe(NOW.getTime() + 397 * DAY_MS);
    expect(new Date(leaf.validFrom).getTime()).toBe(NOW.getTime() - 60 * 60 * 1000);
    const shortCa = createCa({ validityDays: 10, now: NOW });
    const clamped = new X509Certificate(createServerCert(shortCa, ['localhost'], { now: NOW }).certPem);
    expect(clamped.validTo).toBe(new X509Certificate(shortCa.certPem).validTo);
    const custom = new X509Certificate(createServerCert(ca, ['localhost'], { validityDays: 30, now: NOW }).certPem);
    expect(new Date(custom.validTo).getTime()).toBe(NOW.getTime() + 30 * DAY_MS);
  });

  it('names an IP-only server by its first address', () => {
    const ipOnly = new X509Certificate(createServerCert(ca, ['::1'], { now: NOW }).certPem);
    expect(ipOnly.subject).toBe('CN=::1\nO=Zerogate');
    expect(ipOnly.checkIP('::1')).toBe('::1');
  });

  it('refuses to issue from an expired CA (ZG_ERR_PKI_CA_INVALID)', () => {
    const error = expectZgError(() => createServerCert(ca, ['localhost'], { now: new Date(NOW.getTime() + 3651 * DAY_MS) }), 'ZG_ERR_PKI_CA_INVALID');
    expect(error.detail).toMatchObject({ reason: 'ca-expired' });
  });

  it('refuses a CA whose key does not match, or a leaf used as CA (ZG_ERR_PKI_CA_INVALID)', () => {
    const other = createCa({ now: NOW });
    expectZgError(() => createServerCert({ certPem: ca.certPem, keyPem: other.keyPem }, ['localhost']), 'ZG_ERR_PKI_CA_INVALID');
    expectZgError(() => createServerCert(server, ['localhost']), 'ZG_ERR_PKI_CA_INVALID');
    expectZgError(() => createServerCert({ certPem: 'nope', keyPem: ca.keyPem }, ['localhost']), 'ZG_ERR_PKI_CA_INVALID');
  });

  it('rejects bad hostnames and options with a TypeError', () => {
    expect(() => createServerCert(ca, [])).toThrow(TypeError);
    expect(() => createServerCert(ca, ['under_score.example.com'])).toThrow(TypeError);
    expect(() => createServerCert(ca, ['fe80::1%eth0'])).toThrow(TypeError);
    expect(() => createServerCert(ca, ['localhost'], { validityDays: -1 })).toThrow(TypeError);
  });
});
