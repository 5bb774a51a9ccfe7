import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCa, type CaKeyPair } from './ca.ts';
import { DAY_MS, MAX_CSR_PEM_LENGTH } from './constants.ts';
import { parseDeviceCert } from './device-cert.ts';
import { fingerprint } from './fingerprint.ts';
import { signDeviceCsr } from './sign-csr.ts';
import { EC_P256_CSR_PEM, expectZgError, extension, forgeCert, makeCsr, type TestCsr } from './test-helpers.ts';

const NOW = new Date('2030-06-01T12:00:00.750Z');
const WEEK = 7 * DAY_MS;
const DEVICE = 'dev-0123456789abcdef';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

describe('signDeviceCsr', { timeout: 30_000 }, () => {
  let ca: CaKeyPair;
  let caX509: X509Certificate;
  let request: TestCsr;
  beforeAll(() => {
    ca = createCa({ now: NOW });
    caX509 = new X509Certificate(ca.certPem);
    request = makeCsr();
  });

  const sign = (csrPem: string, overrides: Partial<Parameters<typeof signDeviceCsr>[2]> = {}) =>
    signDeviceCsr(ca, csrPem, { deviceId: DEVICE, user: 'alice@example.com', ttlMs: WEEK, now: NOW, ...overrides });

  it('issues a client certificate for the CSR key, chained to the CA', () => {
    const issued = sign(request.csrPem);
    const cert = new X509Certificate(issued.certPem);
    expect(cert.checkIssued(caX509)).toBe(true);
    expect(cert.verify(caX509.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(request.privateKeyPem))).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subject).toBe(`CN=${DEVICE}\nO=Zerogate devices`);
    expect(cert.subjectAltName).toBe(`URI:urn:zerogate:device:${DEVICE}`);
    expect(cert.keyUsage).toEqual([CLIENT_AUTH]);
    const parsed = forgeCert(issued.certPem);
    expect(parsed.signatureOid).toBe(forge.pki.oids['sha256WithRSAEncryption']);
    expect(extension(parsed, 'keyUsage')).toMatchObject({ critical: true, digitalSignature: true, keyEncipherment: false });
    expect(extension(parsed, 'basicConstraints')).toMatchObject({ critical: true, cA: false });
  });

  it('dates the certificate from now - 1 min to now + ttl, in whole seconds', () => {
    const issued = sign(request.csrPem);
    expect(issued.notBefore.toISOString()).toBe('2030-06-01T11:59:00.000Z');
    expect(issued.notAfter.toISOString()).toBe('2030-06-08T12:00:00.000Z');
    const cert = new X509Certificate(issued.certPem);
    expect(new Date(cert.validFrom)).toEqual(issued.notBefore);
    expect(new Date(cert.validTo)).toEqual(issued.notAfter);
    const hour = sign(request.csrPem, { ttlMs: 60 * 60 * 1000 });
    expect(hour.notAfter.toISOString()).toBe('2030-06-01T13:00:00.000Z');
  });

  it('cuts the lifetime to the CA expiry', () => {
    const late = new Date(NOW.getTime() + 3649 * DAY_MS);
    const issued = sign(request.csrPem, { now: late });
    expect(issued.notAfter).toEqual(new Date(caX509.validTo));
  });

  it('returns serial and fingerprint in the forms parseDeviceCert and X509Certificate report', () => {
    const issued = sign(request.csrPem);
    const cert = new X509Certificate(issued.certPem);
    expect(issued.serial).toMatch(/^[4-7][0-9A-F]{31}$/);
    expect(issued.serial).toBe(cert.serialNumber);
    expect(issued.fingerprint).toBe(cert.fingerprint256);
    expect(issued.fingerprint).toBe(fingerprint(issued.certPem));
    expect(parseDeviceCert(issued.certPem)).toEqual({
      deviceId: DEVICE,
      serial: issued.serial,
      notBefore: issued.notBefore,
      notAfter: issued.notAfter,
      fingerprint: issued.fingerprint,
    });
    expect(sign(request.csrPem).serial).not.toBe(issued.serial);
  });

  it('keeps the user out of the certificate', () => {
    const issued = sign(request.csrPem, { user: 'alice@example.com' });
    const der = new X509Certificate(issued.certPem).raw.toString('latin1');
    expect(der).not.toContain('alice');
  });

  // The CSR is the agent's (or an attacker's): only its key may reach the certificate.
  it('ignores the subject and every extension the CSR asks for (CA:true, serverAuth, SANs)', () => {
    const greedy = makeCsr({
      commonName: 'admin',
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true, clientAuth: true, codeSigning: true },
        { name: 'subjectAltName', altNames: [{ type: 2, value: 'proxy.example.com' }, { type: 6, value: 'urn:zerogate:device:other-device' }] },
      ],
    });
    expect(forge.pki.certificationRequestFromPem(greedy.csrPem).getAttribute({ name: 'extensionRequest' })).not.toBeNull();
    const cert = new X509Certificate(sign(greedy.csrPem).certPem);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual([CLIENT_AUTH]);
    expect(cert.subject).toBe(`CN=${DEVICE}\nO=Zerogate devices`);
    expect(cert.subjectAltName).toBe(`URI:urn:zerogate:device:${DEVICE}`);
    expect(cert.checkHost('proxy.example.com')).toBeUndefined();
    const parsed = forgeCert(cert.toString());
    expect(extension(parsed, 'keyUsage')).toMatchObject({ keyCertSign: false, keyEncipherment: false });
    expect(extension(parsed, 'basicConstraints')).toMatchObject({ cA: false });
  });

  it('refuses a CSR whose signature was tampered with (bad-signature)', () => {
    const csr = forge.pki.certificationRequestFromPem(request.csrPem);
    const signature = Buffer.from(csr.signature as string, 'binary');
    signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 0x01;
    csr.signature = signature.toString('binary');
    const tampered = forge.pki.certificationRequestToPem(csr);
    expect(tampered).not.toBe(request.csrPem);
    const error = expectZgError(() => sign(tampered), 'ZG_ERR_PKI_BAD_CSR');
    expect(error.detail).toEqual({ reason: 'bad-signature' });
    expect(error.statusCode).toBe(400);
  });

  it('refuses a CSR whose subject was changed after signing (bad-signature)', () => {
    const csr = forge.pki.certificationRequestFromPem(request.csrPem);
    csr.setSubject([{ shortName: 'CN', value: 'someone-else' }]);
    csr.certificationRequestInfo = null;
    const error = expectZgError(() => sign(forge.pki.certificationRequestToPem(csr)), 'ZG_ERR_PKI_BAD_CSR');
    expect(error.detail).toEqual({ reason: 'bad-signature' });
  });

  it('refuses a CSR carrying another key than the one that signed it (bad-signature)', () => {
    const other = makeCsr();
    const csr = forge.pki.certificationRequestFromPem(request.csrPem);
    csr.publicKey = forge.pki.certificationRequestFromPem(other.csrPem).publicKey;
    csr.certificationRequestInfo = null;
    expect(expectZgError(() => sign(forge.pki.certificationRequestToPem(csr)), 'ZG_ERR_PKI_BAD_CSR').detail).toEqual({
      reason: 'bad-signature',
    });
  });

  it.each([
    ['not PEM', 'hello'],
    ['empty', ''],
    ['a certificate instead of a CSR', 'CERT'],
    ['two CSRs', 'TWO'],
    ['truncated DER', 'TRUNCATED'],
    ['trailing bytes in the DER', 'TRAILING'],
  ])('refuses %s (malformed)', (_label, kind) => {
    const input =
      kind === 'CERT'
        ? ca.certPem
        : kind === 'TWO'
          ? request.csrPem + request.csrPem
          : kind === 'TRUNCATED'
            ? rewrap(derOf(request.csrPem).subarray(0, 200))
            : kind === 'TRAILING'
              ? rewrap(Buffer.concat([derOf(request.csrPem), Buffer.from([0, 0])]))
              : kind;
    expect(expectZgError(() => sign(input), 'ZG_ERR_PKI_BAD_CSR').detail).toEqual({ reason: 'malformed' });
  });

  it('refuses a non-RSA key (unsupported-key)', () => {
    const error = expectZgError(() => sign(EC_P256_CSR_PEM), 'ZG_ERR_PKI_BAD_CSR');
    expect(error.detail).toEqual({ reason: 'unsupported-key' });
    expect(error.message).toContain('ec');
  });

  it('refuses an RSA key under 2048 bits (key-too-small)', () => {
    const weak = makeCsr({ bits: 1024 });
    expect(expectZgError(() => sign(weak.csrPem), 'ZG_ERR_PKI_BAD_CSR').detail).toEqual({ reason: 'key-too-small' });
  });

  it('refuses a SHA-1 signed CSR (unsupported-signature) but takes SHA-384 and SHA-512', () => {
    const sha1 = makeCsr({ md: forge.md.sha1.create() });
    expect(expectZgError(() => sign(sha1.csrPem), 'ZG_ERR_PKI_BAD_CSR').detail).toEqual({ reason: 'unsupported-signature' });
    expect(() => sign(makeCsr({ md: forge.md.sha384.create() }).csrPem)).not.toThrow();
    expect(() => sign(makeCsr({ md: forge.md.sha512.create() }).csrPem)).not.toThrow();
  });

  it('refuses an oversized CSR before parsing it (too-large)', () => {
    const padded = `${'#'.repeat(MAX_CSR_PEM_LENGTH)}\n${request.csrPem}`;
    expect(expectZgError(() => sign(padded), 'ZG_ERR_PKI_BAD_CSR').detail).toEqual({ reason: 'too-large' });
  });

  it('rejects a bad deviceId, ttl or now with a TypeError (our own input)', () => {
    for (const deviceId of ['short', 'UPPERCASE-device', 'dev_underscore', 'a'.repeat(65), 'urn:zerogate:x', '']) {
      expect(() => sign(request.csrPem, { deviceId })).toThrow(TypeError);
    }
    expect(() => sign(request.csrPem, { ttlMs: 0 })).toThrow(TypeError);
    expect(() => sign(request.csrPem, { ttlMs: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => sign(request.csrPem, { ttlMs: 500 * DAY_MS })).toThrow(TypeError);
    expect(() => sign(request.csrPem, { now: new Date('nope') })).toThrow(TypeError);
    expect(() => sign(42 as unknown as string)).toThrow(TypeError);
  });

  it('refuses to issue from an expired CA (ZG_ERR_PKI_CA_INVALID)', () => {
    expectZgError(() => sign(request.csrPem, { now: new Date(NOW.getTime() + 3651 * DAY_MS) }), 'ZG_ERR_PKI_CA_INVALID');
  });

  it('issues certificates whose key matches the CSR public key exactly', () => {
    const issued = new X509Certificate(sign(request.csrPem).certPem);
    const expected = createPublicKey(request.privateKeyPem).export({ type: 'spki', format: 'der' });
    expect(issued.publicKey.export({ type: 'spki', format: 'der' }).equals(expected)).toBe(true);
  });
});

function derOf(pem: string): Buffer {
  return Buffer.from(forge.pem.decode(pem)[0]?.body ?? '', 'binary');
}

function rewrap(der: Buffer): string {
  return forge.pem.encode({ type: 'CERTIFICATE REQUEST', body: der.toString('binary') });
}
