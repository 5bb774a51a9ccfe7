import { ZerogateError } from './errors.ts';

/**
 * SHA-256 certificate fingerprints as admins paste them. The canonical form is upper-case,
 * colon-separated hex: what `openssl x509 -fingerprint -sha256` and Node's `fingerprint256` print.
 * Accepts the prefixes `SHA256:` and openssl's `sha256 Fingerprint=`; not OpenSSH's base64 form.
 */
const PREFIX = /^(?:sha-?256(?:\s+fingerprint)?\s*[:=]\s*)/i;
const HEX_PLAIN = /^[0-9a-f]{64}$/i;
const HEX_COLONS = /^[0-9a-f]{2}(?::[0-9a-f]{2}){31}$/i;

/**
 * Brings a SHA-256 fingerprint to its canonical form: any case, 64 hex digits plain or in
 * colon-separated pairs, optional prefix and surrounding white space. Anything else is
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
 * Whether two fingerprints name the same certificate, compared without an early exit. A
 * malformed input throws rather than comparing unequal: a mistyped pin is a usage error to
 * report, not a mismatch to retry.
 */
export function fingerprintsEqual(a: string, b: string): boolean {
  const x = normalizeFingerprint(a);
  const y = normalizeFingerprint(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x.charCodeAt(i) ^ y.charCodeAt(i);
  return diff === 0;
}
