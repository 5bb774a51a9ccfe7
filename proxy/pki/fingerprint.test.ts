import { X509Certificate, createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCa, type CaKeyPair } from './ca.ts';
import { fingerprint, fingerprintsEqual, normalizeFingerprint } from './fingerprint.ts';
import { createServerCert } from './server-cert.ts';
import { expectZgError } from './test-helpers.ts';

describe('fingerprint', { timeout: 30_000 }, () => {
  let ca: CaKeyPair;
  let der: Buffer;
  let expected: string;
  beforeAll(() => {
    ca = createCa();
    der = new X509Certificate(ca.certPem).raw;
    expected = createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)?.join(':') ?? '';
  });

  it('is the SHA-256 of the DER as uppercase colon-separated hex (the openssl format)', () => {
    expect(fingerprint(ca.certPem)).toBe(expected);
    expect(expected).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
  });

  it('takes PEM, DER Buffer or Uint8Array, and the first certificate of a chain', () => {
    expect(fingerprint(der)).toBe(expected);
    expect(fingerprint(new Uint8Array(der))).toBe(expected);
    expect(fingerprint(ca.certPem + createServerCert(ca, ['localhost']).certPem)).toBe(expected);
  });

  it('refuses what is not a certificate (ZG_ERR_PKI_BAD_CERT)', () => {
    expectZgError(() => fingerprint('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), 'ZG_ERR_PKI_BAD_CERT');
    expectZgError(() => fingerprint(Buffer.from('junk')), 'ZG_ERR_PKI_BAD_CERT');
    expectZgError(() => fingerprint(ca.keyPem), 'ZG_ERR_PKI_BAD_CERT');
    expect(() => fingerprint(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('normalizeFingerprint', () => {
  const hex = 'ab'.repeat(16) + '0123456789abcdef'.repeat(2);
  const canonical = hex.toUpperCase().match(/../g)?.join(':') ?? '';

  it.each([
    ['canonical', canonical],
    ['lowercase with colons', canonical.toLowerCase()],
    ['plain hex', hex],
    ['plain uppercase hex', hex.toUpperCase()],
    ['SHA256: prefix', `SHA256:${canonical}`],
    ['sha256: prefix, plain', `sha256:${hex}`],
    ['SHA-256: prefix', `SHA-256:${hex}`],
    ['openssl 3 output', `sha256 Fingerprint=${canonical}`],
    ['openssl 1.1 output', `SHA256 Fingerprint=${canonical}`],
    ['surrounding white space', `  ${canonical}\n`],
  ])('accepts %s', (_label, input) => {
    expect(normalizeFingerprint(input)).toBe(canonical);
  });

  it.each([
    ['empty', ''],
    ['too short', hex.slice(0, 62)],
    ['too long', `${hex}00`],
    ['SHA-1 length', 'ab'.repeat(20)],
    ['non-hex', `${hex.slice(0, 63)}g`],
    ['odd grouping', `${canonical.slice(0, 4)}${canonical.slice(5)}`.replace('AB:AB', 'ABA:B')],
    ['OpenSSH base64', 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s'],
    ['stray separators', canonical.replaceAll(':', '-')],
  ])('refuses %s with ZG_ERR_PKI_BAD_FINGERPRINT', (_label, input) => {
    const error = expectZgError(() => normalizeFingerprint(input), 'ZG_ERR_PKI_BAD_FINGERPRINT');
    expect(error.statusCode).toBe(400);
  });

  it('rejects a non-string with a TypeError', () => {
    expect(() => normalizeFingerprint(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe('fingerprintsEqual', () => {
  const a = 'AB:'.repeat(31) + 'AB';
  it('compares normalized forms', () => {
    expect(fingerprintsEqual(a, 'ab'.repeat(32))).toBe(true);
    expect(fingerprintsEqual(`SHA256:${a}`, a.toLowerCase())).toBe(true);
    expect(fingerprintsEqual(a, `${'ab'.repeat(31)}ac`)).toBe(false);
  });

  it('throws on a malformed side rather than answering false', () => {
    expectZgError(() => fingerprintsEqual(a, 'abc'), 'ZG_ERR_PKI_BAD_FINGERPRINT');
  });
});
