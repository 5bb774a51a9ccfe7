import { X509Certificate, timingSafeEqual } from 'node:crypto';
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

/**
 * Accepts the prefixes admins paste: `SHA256:` and openssl's `sha256 Fingerprint=`.
 * Not OpenSSH's base64 `SHA256:` form: a CA fingerprint is shown as hex.
 */
const PREFIX = /^(?:sha-?256(?:\s+fingerprint)?\s*[:=]\s*)/i;
const HEX_PLAIN = /^[0-9a-f]{64}$/i;
const HEX_COLONS = /^[0-9a-f]{2}(?::[0-9a-f]{2}){31}$/i;

/**
 * Brings a SHA-256 fingerprint to the canonical form {@link fingerprint} produces. Accepts any
 * case, 64 hex digits plain or in colon-separated pairs, with an optional `SHA256:` or
 * `sha256 Fingerprint=` prefix and surrounding white space. Anything else is
 * `ZG_ERR_PKI_BAD_FINGERPRINT`.
 */
export function normalizeFingerprint(input: string): string {
  if (typeof input !== 'string') throw new TypeError('a fingerprint must be a string');
  const hex = input.trim().replace(PREFIX, '');
  if (!HEX_PLAIN.test(hex) && !HEX_COLONS.test(hex)) {
    throw new ZerogateError(
      'ZG_ERR_PKI_BAD_FINGERPRINT',
      'a SHA-256 fingerprint is 64 hex digits, optionally in colon-separated pairs (AB:CD:...) and prefixed with "SHA256:"',
      { detail: { length: input.length } },
    );
  }
  return hex.replaceAll(':', '').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/**
 * Whether two fingerprints name the same certificate, in whatever accepted format each comes.
 * The digests are compared in constant time. A malformed input throws (as
 * {@link normalizeFingerprint}) rather than quietly comparing unequal: a mistyped pin is a
 * usage error to report, not a mismatch to retry.
 */
export function fingerprintsEqual(a: string, b: string): boolean {
  return timingSafeEqual(digestBytes(normalizeFingerprint(a)), digestBytes(normalizeFingerprint(b)));
}

function digestBytes(normalized: string): Buffer {
  return Buffer.from(normalized.replaceAll(':', ''), 'hex');
}
