/**
 * The device key pair and its CSR (DESIGN.md §3, "Login and enrolment", step 3). The proxy
 * reads only the public key and the proof of possession from the CSR; it sets subject and
 * extensions itself.
 */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

/** RSA modulus of device keys: the proxy's minimum, valid well past a 7-day certificate. */
export const DEVICE_KEY_BITS = 2048;
/** X.520 upper bound of a commonName (RFC 5280 Appendix A, ub-common-name). */
const MAX_COMMON_NAME_LENGTH = 64;
/** The characters of an ASN.1 PrintableString (X.680 §41.4). */
const PRINTABLE_STRING = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export interface DeviceKeyPair {
  /** PKCS#8 PEM. Store it 0600 (or with `safeStorage` on the desktop). */
  privateKeyPem: string;
  /** SPKI PEM. */
  publicKeyPem: string;
}

/** Generates the device's RSA 2048 key pair with Node's native crypto (~0.1-0.4 s). */
export function generateDeviceKey(): DeviceKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: DEVICE_KEY_BITS,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

export interface CreateCsrOptions {
  /**
   * Subject CN, informational (typically the hostname): the proxy ignores it. Cut to 64
   * characters, the X.520 bound, so a long FQDN cannot break enrolment.
   */
  commonName: string;
}

/**
 * Creates a PKCS#10 CSR (RFC 2986) signed with SHA-256 and RSASSA-PKCS1-v1_5 by the RSA key
 * `privateKeyPem` (PKCS#8 or PKCS#1 PEM). A key that is not an unencrypted RSA PEM key, or an
 * empty `commonName`, is a TypeError.
 */
export function createCsr(privateKeyPem: string, options: CreateCsrOptions): string {
  const commonName = options?.commonName;
  if (typeof commonName !== 'string' || commonName.length === 0 || /[\u0000-\u001f\u007f]/.test(commonName)) {
    throw new TypeError('commonName must be a non-empty string without control characters');
  }
  let key: forge.pki.rsa.PrivateKey;
  try {
    key = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
  } catch {
    // The cause is not kept: forge's message may quote the input.
    throw new TypeError('privateKeyPem must be an unencrypted RSA private key in PEM');
  }
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  const cn = [...commonName].slice(0, MAX_COMMON_NAME_LENGTH).join('');
  // forge writes PrintableString unless told otherwise; other characters need UTF8String.
  csr.setSubject([
    PRINTABLE_STRING.test(cn)
      ? { shortName: 'CN', value: cn }
      : { shortName: 'CN', value: cn, valueTagClass: forge.asn1.Type.UTF8 as number as forge.asn1.Class },
  ]);
  csr.sign(key, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}
