/**
 * Internal: turns a CA given as PEM into what signing needs, checked once and cached per CA
 * object (enrolments sign with the same loaded CA over and over).
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { ZerogateError } from '../../shared/errors.ts';
import type { CaKeyPair } from './ca.ts';

export interface CaSigner {
  readonly cert: forge.pki.Certificate;
  readonly key: KeyObject;
  /** The CA's subject key identifier as a forge byte string, for the leaves' AKI. */
  readonly keyIdentifier: string;
  readonly notAfterMs: number;
}

interface CacheEntry {
  certPem: string;
  keyPem: string;
  signer: CaSigner;
}

const cache = new WeakMap<CaKeyPair, CacheEntry>();

/**
 * Parses and checks the CA: a CA certificate with an RSA key that matches it. Failures are
 * `ZG_ERR_PKI_CA_INVALID` (the CA comes from our own data dir, so it is a server fault).
 */
export function caSigner(ca: CaKeyPair): CaSigner {
  if (typeof ca !== 'object' || ca === null || typeof ca.certPem !== 'string' || typeof ca.keyPem !== 'string') {
    throw new TypeError('ca must be an object with certPem and keyPem strings');
  }
  const hit = cache.get(ca);
  if (hit !== undefined && hit.certPem === ca.certPem && hit.keyPem === ca.keyPem) return hit.signer;

  let x509: X509Certificate;
  let key: KeyObject;
  let cert: forge.pki.Certificate;
  try {
    x509 = new X509Certificate(ca.certPem);
    key = createPrivateKey(ca.keyPem);
    cert = forge.pki.certificateFromPem(ca.certPem);
  } catch (cause) {
    throw new ZerogateError('ZG_ERR_PKI_CA_INVALID', 'the device CA certificate or key cannot be parsed', {
      cause,
      detail: { reason: 'unparsable' },
    });
  }
  if (!x509.ca) {
    throw new ZerogateError('ZG_ERR_PKI_CA_INVALID', 'the device CA certificate is not a CA certificate', {
      detail: { reason: 'not-a-ca' },
    });
  }
  if (key.asymmetricKeyType !== 'rsa' || !x509.checkPrivateKey(key)) {
    throw new ZerogateError('ZG_ERR_PKI_CA_INVALID', 'the device CA key does not match its certificate', {
      detail: { reason: 'key-mismatch' },
    });
  }
  const ski = cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  const keyIdentifier =
    ski?.subjectKeyIdentifier !== undefined
      ? forge.util.hexToBytes(ski.subjectKeyIdentifier)
      : cert.generateSubjectKeyIdentifier().getBytes();
  const signer: CaSigner = { cert, key, keyIdentifier, notAfterMs: cert.validity.notAfter.getTime() };
  cache.set(ca, { certPem: ca.certPem, keyPem: ca.keyPem, signer });
  return signer;
}

/**
 * The notAfter of a leaf: the requested one, cut to the CA's (a leaf outliving its CA fails
 * chain validation anyway). Throws when the CA has expired at `nowMs`.
 */
export function leafNotAfterMs(signer: CaSigner, nowMs: number, requestedMs: number): number {
  if (signer.notAfterMs <= nowMs) {
    throw new ZerogateError('ZG_ERR_PKI_CA_INVALID', 'the device CA has expired: a new CA must be created and devices re-enrolled', {
      detail: { reason: 'ca-expired', caNotAfter: new Date(signer.notAfterMs).toISOString() },
    });
  }
  return Math.min(requestedMs, signer.notAfterMs);
}
