import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCa, type CaKeyPair } from './ca.ts';
import { caSigner } from './ca-signer.ts';
import { DAY_MS } from './constants.ts';
import { deviceIdFromX509, parseDeviceCert, parseSubjectAltName } from './device-cert.ts';
import { createServerCert } from './server-cert.ts';
import { signDeviceCsr } from './sign-csr.ts';
import { expectZgError, makeCsr } from './test-helpers.ts';
import { generateRsaKey, randomSerialHex, signCertificate } from './x509-builder.ts';

const NOW = new Date('2030-06-01T12:00:00Z');

describe('parseDeviceCert and deviceIdFromX509', { timeout: 30_000 }, () => {
  let ca: CaKeyPair;
  let devicePem: string;
  let leafKey: forge.pki.rsa.PublicKey;
  beforeAll(() => {
    ca = createCa({ now: NOW });
    leafKey = generateRsaKey(2048).publicKey;
    devicePem = signDeviceCsr(ca, makeCsr().csrPem, { deviceId: 'laptop-42abcdef', ttlMs: DAY_MS, now: NOW }).certPem;
  });

  /** A CA-signed leaf with exactly the SAN entries given (what a compromised issuer could mint). */
  function leafWithAltNames(altNames: object[] | undefined, commonName = 'laptop-42abcdef'): string {
    const signer = caSigner(ca);
    const cert = forge.pki.createCertificate();
    cert.publicKey = leafKey;
    cert.serialNumber = randomSerialHex();
    cert.validity.notBefore = NOW;
    cert.validity.notAfter = new Date(NOW.getTime() + DAY_MS);
    cert.setSubject([{ shortName: 'CN', value: commonName }]);
    cert.setIssuer(signer.cert.subject.attributes);
    cert.setExtensions(altNames === undefined ? [] : [{ name: 'subjectAltName', altNames }]);
    return signCertificate(cert, signer.key).pem;
  }

  it('reads id, serial, validity and fingerprint from PEM and DER', () => {
    const x509 = new X509Certificate(devicePem);
    const info = parseDeviceCert(devicePem);
    expect(info).toEqual({
      deviceId: 'laptop-42abcdef',
      serial: x509.serialNumber,
      notBefore: new Date('2030-06-01T11:59:00Z'),
      notAfter: new Date('2030-06-02T12:00:00Z'),
      fingerprint: x509.fingerprint256,
    });
    expect(parseDeviceCert(x509.raw)).toEqual(info);
    expect(deviceIdFromX509(x509)).toBe('laptop-42abcdef');
  });

  it('requires the SAN URI: a certificate without one is ZG_ERR_PKI_BAD_CERT, even with a device-like CN', () => {
    const noSan = leafWithAltNames(undefined);
    expect(deviceIdFromX509(new X509Certificate(noSan))).toBeUndefined();
    expect(expectZgError(() => parseDeviceCert(noSan), 'ZG_ERR_PKI_BAD_CERT').detail).toEqual({ reason: 'no-device-id' });
    const server = createServerCert(ca, ['localhost'], { now: NOW }).certPem;
    expectZgError(() => parseDeviceCert(server), 'ZG_ERR_PKI_BAD_CERT');
  });

  it('refuses garbage with ZG_ERR_PKI_BAD_CERT', () => {
    expect(expectZgError(() => parseDeviceCert('garbage'), 'ZG_ERR_PKI_BAD_CERT').detail).toEqual({ reason: 'unparsable' });
    expectZgError(() => parseDeviceCert(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])), 'ZG_ERR_PKI_BAD_CERT');
  });

  it('finds the device URI among other SAN entries', () => {
    const pem = leafWithAltNames([
      { type: 2, value: 'laptop.example.com' },
      { type: 6, value: 'https://example.com/x' },
      { type: 6, value: 'urn:zerogate:device:laptop-42abcdef' },
    ]);
    expect(deviceIdFromX509(new X509Certificate(pem))).toBe('laptop-42abcdef');
  });

  it.each([
    ['two device URIs', [{ type: 6, value: 'urn:zerogate:device:aaaaaaaa' }, { type: 6, value: 'urn:zerogate:device:bbbbbbbb' }]],
    ['a malformed id', [{ type: 6, value: 'urn:zerogate:device:UPPER_case' }]],
    ['an id too short', [{ type: 6, value: 'urn:zerogate:device:abc' }]],
    ['the URI as a DNS name', [{ type: 2, value: 'urn:zerogate:device:aaaaaaaa' }]],
  ])('answers undefined for %s', (_label, altNames) => {
    expect(deviceIdFromX509(new X509Certificate(leafWithAltNames(altNames)))).toBeUndefined();
  });

  // Regression guard: Node prints such a value as a JSON string (CVE-2021-44532); the parser
  // must decode it as one DNS name, not read a device URI out of it.
  it('is not fooled by a SAN value that embeds ", URI:urn:zerogate:device:..."', () => {
    const pem = leafWithAltNames([{ type: 2, value: 'x, URI:urn:zerogate:device:victim-device, y' }]);
    const x509 = new X509Certificate(pem);
    expect(x509.subjectAltName).toBe('DNS:"x\\u002c URI:urn:zerogate:device:victim-device\\u002c y"');
    expect(deviceIdFromX509(x509)).toBeUndefined();
  });
});

describe('parseSubjectAltName', () => {
  it('splits plain and JSON-quoted entries', () => {
    expect(parseSubjectAltName('DNS:a.example, IP Address:0:0:0:0:0:0:0:1, URI:"urn:x,y", othername:XmppAddr:me@x')).toEqual([
      ['DNS', 'a.example'],
      ['IP Address', '0:0:0:0:0:0:0:1'],
      ['URI', 'urn:x,y'],
      ['othername', 'XmppAddr:me@x'],
    ]);
    expect(parseSubjectAltName('DNS:"a\\"b, c"')).toEqual([['DNS', 'a"b, c']]);
    expect(parseSubjectAltName('')).toEqual([]);
  });

  it.each(['DNS', 'DNS:"unterminated', 'DNS:"a"junk', 'DNS:"bad \\q escape"'])('answers undefined for %j', (text) => {
    expect(parseSubjectAltName(text)).toBeUndefined();
  });
});
