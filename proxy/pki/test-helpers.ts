/**
 * Test-only helpers for the PKI tests (not exported from index.ts). CSRs are made here with
 * forge rather than with agent/core/enroll, which the proxy may not import.
 */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { expect } from 'vitest';
import { ZerogateError, type ErrorCode } from '../../shared/errors.ts';

export interface TestCsr {
  csrPem: string;
  privateKeyPem: string;
}

export interface TestCsrOptions {
  bits?: number;
  commonName?: string;
  /** X.509 extensions to request (forge extension objects). */
  extensions?: object[];
  md?: forge.md.MessageDigest;
}

/** A CSR as an agent (or an attacker) would send it, with a fresh native RSA key. */
export function makeCsr(options: TestCsrOptions = {}): TestCsr {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: options.bits ?? 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject([{ shortName: 'CN', value: options.commonName ?? 'laptop' }]);
  if (options.extensions !== undefined) {
    csr.setAttributes([{ name: 'extensionRequest', extensions: options.extensions }]);
  }
  csr.sign(key, options.md ?? forge.md.sha256.create());
  return { csrPem: forge.pki.certificationRequestToPem(csr), privateKeyPem };
}

/** A P-256 CSR made with `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256`. */
export const EC_P256_CSR_PEM = `-----BEGIN CERTIFICATE REQUEST-----
MIHOMHYCAQAwFDESMBAGA1UEAwwJZWMtZGV2aWNlMFkwEwYHKoZIzj0CAQYIKoZI
zj0DAQcDQgAEygBz7v/M9GqU9H04IkKqLHoZLYzL/4Q0MzdVyNse/xwIVidsuTh4
yoeQks75IY5KIMFjm7l4qC1MfHfwBLycPaAAMAoGCCqGSM49BAMCA0gAMEUCIQDj
Q+D3FO5BcznlxrqneifG7HM6S8L84supV4wnXbrOpQIgOou4S3DYV9fk3CxWUrtj
z255Wc5KtR5AZSNgTziNuIQ=
-----END CERTIFICATE REQUEST-----
`;

/** Runs `fn`, expects a ZerogateError with `code`, and returns it for further checks. */
export function expectZgError(fn: () => unknown, code: ErrorCode): ZerogateError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ZerogateError);
  expect((caught as ZerogateError).code).toBe(code);
  return caught as ZerogateError;
}

/** As {@link expectZgError}, for a promise. */
export async function expectZgRejection(promise: Promise<unknown>, code: ErrorCode): Promise<ZerogateError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ZerogateError);
  expect((caught as ZerogateError).code).toBe(code);
  return caught as ZerogateError;
}

/** Reads a certificate with forge, to inspect extensions Node's X509Certificate does not expose. */
export function forgeCert(pem: string): forge.pki.Certificate {
  return forge.pki.certificateFromPem(pem);
}

/** A forge extension of `cert` by name, typed loosely for assertions. */
export function extension(cert: forge.pki.Certificate, name: string): Record<string, unknown> | undefined {
  return cert.getExtension(name) as Record<string, unknown> | undefined;
}
