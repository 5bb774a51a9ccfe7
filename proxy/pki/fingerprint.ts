import { X509Certificate } from 'node:crypto';
import { ZerogateError } from '../../shared/errors.ts';

/**
 * Parses a certificate given as PEM (the first one, if several) or DER with Node's OpenSSL.
 * Anything else is `ZG_ERR_PKI_BAD_CERT`.
 */
export function parseX509(certPemOrDer: string | Uint8Array): X509Certificate {
  if (typeof certPemOrDer !== 'string' && !(certPemOrDer instanceof Uint8Array)) {
    throw new TypeError('a certificate must be a PEM string or DER bytes');
  }
  try {
    return new X509Certificate(certPemOrDer);
  } catch (cause) {
    throw new ZerogateError('ZG_ERR_PKI_BAD_CERT', 'the certificate cannot be parsed as X.509 PEM or DER', {
      cause,
      detail: { reason: 'unparsable' },
    });
  }
}

/**
 * The SHA-256 fingerprint of a certificate's DER encoding, as uppercase colon-separated hex:
 * the format of `openssl x509 -noout -fingerprint -sha256` and of Node's `fingerprint256`.
 */
export function fingerprint(certPemOrDer: string | Uint8Array): string {
  return parseX509(certPemOrDer).fingerprint256;
}

export { fingerprintsEqual, normalizeFingerprint } from '../../shared/fingerprint.ts';
