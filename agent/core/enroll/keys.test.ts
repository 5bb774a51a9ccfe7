import { createPrivateKey, createPublicKey, verify } from 'node:crypto';
import forge from 'node-forge';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DEVICE_KEY_BITS, createCsr, generateDeviceKey, type DeviceKeyPair } from './keys.ts';

describe('generateDeviceKey', () => {
  it('makes an RSA 2048 pair as PKCS#8 and SPKI PEM, with native crypto', () => {
    const forgeKeygen = vi.spyOn(forge.pki.rsa, 'generateKeyPair');
    const pair = generateDeviceKey();
    expect(forgeKeygen).not.toHaveBeenCalled();
    forgeKeygen.mockRestore();
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(pair.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const privateKey = createPrivateKey(pair.privateKeyPem);
    expect(privateKey.asymmetricKeyType).toBe('rsa');
    expect(privateKey.asymmetricKeyDetails).toMatchObject({ modulusLength: DEVICE_KEY_BITS, publicExponent: 65537n });
    const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    expect(createPublicKey(pair.publicKeyPem).export({ type: 'spki', format: 'der' }).equals(derived)).toBe(true);
    expect(generateDeviceKey().privateKeyPem).not.toBe(pair.privateKeyPem);
  });
});

describe('createCsr', () => {
  let pair: DeviceKeyPair;
  beforeAll(() => {
    pair = generateDeviceKey();
  });

  it('makes a PKCS#10 CSR for the key, self-signed with SHA-256', () => {
    const pem = createCsr(pair.privateKeyPem, { commonName: 'alice-laptop' });
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\r?\n/);
    const csr = forge.pki.certificationRequestFromPem(pem);
    expect(csr.verify()).toBe(true);
    expect(csr.siginfo.algorithmOid).toBe(forge.pki.oids['sha256WithRSAEncryption']);
    expect(csr.subject.getField('CN')?.value).toBe('alice-laptop');
    const csrKey = createPublicKey(forge.pki.publicKeyToPem(csr.publicKey as forge.pki.rsa.PublicKey));
    expect(csrKey.export({ type: 'spki', format: 'der' }).equals(createPublicKey(pair.publicKeyPem).export({ type: 'spki', format: 'der' }))).toBe(
      true,
    );
  });

  it('is verifiable with Node over the exact DER (what the proxy checks)', () => {
    const der = Buffer.from(forge.pem.decode(createCsr(pair.privateKeyPem, { commonName: 'host' }))[0]?.body ?? '', 'binary');
    const asn = forge.asn1.fromDer(der.toString('binary'));
    const [info, , signature] = asn.value as forge.asn1.Asn1[];
    const infoDer = Buffer.from(forge.asn1.toDer(info as forge.asn1.Asn1).getBytes(), 'binary');
    const sig = Buffer.from((signature?.value as string).slice(1), 'binary');
    expect(verify('sha256', infoDer, pair.publicKeyPem, sig)).toBe(true);
  });

  it('cuts a long commonName to 64 characters and encodes non-printable ones as UTF8String', () => {
    const long = createCsr(pair.privateKeyPem, { commonName: `${'a'.repeat(60)}.example.com` });
    expect(forge.pki.certificationRequestFromPem(long).subject.getField('CN')?.value).toBe(`${'a'.repeat(60)}.exa`);
    const utf8 = forge.pki.certificationRequestFromPem(createCsr(pair.privateKeyPem, { commonName: 'josé_pc' }));
    expect(utf8.verify()).toBe(true);
    expect(forge.util.decodeUtf8(utf8.subject.getField('CN')?.value as string)).toBe('josé_pc');
  });

  it('rejects misuse with a TypeError', () => {
    expect(() => createCsr(pair.privateKeyPem, { commonName: '' })).toThrow(TypeError);
    expect(() => createCsr(pair.privateKeyPem, { commonName: 'a\nb' })).toThrow(TypeError);
    expect(() => createCsr('not a key', { commonName: 'host' })).toThrow(TypeError);
    expect(() => createCsr(pair.publicKeyPem, { commonName: 'host' })).toThrow(TypeError);
  });

  it('does not put key material in its error', () => {
    const broken = pair.privateKeyPem.replace(/[A-Za-z]{10}/, '!!!!!!!!!!');
    let message = '';
    try {
      createCsr(broken, { commonName: 'host' });
    } catch (error) {
      message = String(error) + String((error as Error).cause ?? '');
    }
    expect(message).toContain('TypeError');
    expect(message).not.toContain(pair.privateKeyPem.slice(40, 70));
  });
});
