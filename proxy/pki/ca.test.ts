import { X509Certificate, createPrivateKey } from 'node:crypto';
import forge from 'node-forge';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCa, type CaKeyPair } from './ca.ts';
import { CA_KEY_BITS, DAY_MS } from './constants.ts';
import { extension, forgeCert } from './test-helpers.ts';

const NOW = new Date('2030-06-01T12:00:00.500Z');

describe('createCa', { timeout: 30_000 }, () => {
  let ca: CaKeyPair;
  let x509: X509Certificate;
  beforeAll(() => {
    ca = createCa({ now: NOW });
    x509 = new X509Certificate(ca.certPem);
  });

  it('is a self-signed SHA-256 CA with an RSA 3072 PKCS#8 key', () => {
    expect(x509.ca).toBe(true);
    expect(x509.checkIssued(x509)).toBe(true);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.subject).toBe('CN=Zerogate device CA\nO=Zerogate');
    expect(x509.issuer).toBe(x509.subject);
    expect(x509.publicKey.asymmetricKeyDetails?.modulusLength).toBe(CA_KEY_BITS);
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(x509.checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(true);
    expect(forgeCert(ca.certPem).signatureOid).toBe(forge.pki.oids['sha256WithRSAEncryption']);
  });

  it('has basicConstraints CA:true pathlen 0, keyUsage keyCertSign+cRLSign (critical) and an SKI', () => {
    const cert = forgeCert(ca.certPem);
    expect(extension(cert, 'basicConstraints')).toMatchObject({ critical: true, cA: true, pathLenConstraint: 0 });
    const keyUsage = extension(cert, 'keyUsage');
    expect(keyUsage).toMatchObject({ critical: true, keyCertSign: true, cRLSign: true });
    expect(keyUsage).toMatchObject({ digitalSignature: false, keyEncipherment: false });
    expect(cert.verifySubjectKeyIdentifier()).toBe(true);
  });

  it('has a positive, minimal 16-byte random serial', () => {
    expect(x509.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
    expect(createCa({ now: NOW }).certPem).not.toBe(ca.certPem);
  });

  it('is valid from an hour before now (clock skew) for 3650 days, in whole seconds', () => {
    expect(new Date(x509.validFrom).toISOString()).toBe('2030-06-01T11:00:00.000Z');
    expect(new Date(x509.validTo).getTime()).toBe(Math.floor((NOW.getTime() + 3650 * DAY_MS) / 1000) * 1000);
  });

  it('takes commonName and validityDays', () => {
    const custom = new X509Certificate(createCa({ commonName: 'Acme & Co CA — prod', validityDays: 30, now: NOW }).certPem);
    expect(custom.subject).toBe('CN=Acme & Co CA — prod\nO=Zerogate');
    expect(new Date(custom.validTo).getTime() - NOW.getTime()).toBeLessThanOrEqual(30 * DAY_MS);
  });

  it('rejects bad options with a TypeError', () => {
    expect(() => createCa({ validityDays: 0 })).toThrow(TypeError);
    expect(() => createCa({ validityDays: 1.5 })).toThrow(TypeError);
    expect(() => createCa({ commonName: '' })).toThrow(TypeError);
    expect(() => createCa({ commonName: 'x'.repeat(65) })).toThrow(TypeError);
    expect(() => createCa({ now: new Date(Number.NaN) })).toThrow(TypeError);
  });
});

/** forge's global switch, missing from @types/node-forge. */
const forgeOptions = (forge as unknown as { options: { usePureJavaScript: boolean } }).options;

describe('CA key generation', { timeout: 30_000 }, () => {
  const saved = forgeOptions.usePureJavaScript;
  afterEach(() => {
    forgeOptions.usePureJavaScript = saved;
  });

  // Regression: forge's rsa.generateKeyPair falls back to pure JS (tens of seconds for 3072
  // bits) when this flag is set; keys must come from Node's native crypto regardless.
  it('stays native even when forge is told to use pure JavaScript', () => {
    forgeOptions.usePureJavaScript = true;
    const forgeKeygen = vi.spyOn(forge.pki.rsa, 'generateKeyPair');
    try {
      const ca = createCa({ now: NOW });
      expect(forgeKeygen).not.toHaveBeenCalled();
      expect(new X509Certificate(ca.certPem).ca).toBe(true);
    } finally {
      forgeKeygen.mockRestore();
    }
  });
});
