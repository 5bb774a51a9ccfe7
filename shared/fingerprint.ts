import { ZerogateError } from './errors.ts';

/**
 * SHA-256 certificate fingerprints as people copy them: any case, with or without colons, with
 * or without a `SHA256:` prefix. The canonical form is upper-case, colon-separated hex (what
 * OpenSSL and Node's `X509Certificate.fingerprint256` print).
 */
export function normalizeFingerprint(input: string): string {
  const hex = input.trim().replace(/^sha-?256:/i, '').replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new ZerogateError('ZG_ERR_USAGE', 'a CA fingerprint is 64 hex digits (SHA-256), optionally separated by colons');
  }
  return hex.match(/../g)!.join(':');
}

/** Compares two fingerprints in their canonical form, without an early exit. */
export function fingerprintsEqual(a: string, b: string): boolean {
  const x = normalizeFingerprint(a);
  const y = normalizeFingerprint(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x.charCodeAt(i) ^ y.charCodeAt(i);
  return diff === 0;
}
