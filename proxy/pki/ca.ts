import forge from 'node-forge';
import {
  CA_BACKDATE_MS,
  CA_KEY_BITS,
  DAY_MS,
  DEFAULT_CA_COMMON_NAME,
  DEFAULT_CA_VALIDITY_DAYS,
  MAX_VALIDITY_DAYS,
  PROXY_ORGANIZATION,
} from './constants.ts';
import { checkInteger, checkName, checkNow, floorToSecond } from './validate.ts';
import { generateRsaKey, nameAttribute, randomSerialHex, signCertificate } from './x509-builder.ts';

/** A certificate and its private key, both PEM (the key is PKCS#8). */
export interface CertKeyPair {
  readonly certPem: string;
  readonly keyPem: string;
}

/** The device CA as PEM: what {@link createCa} returns and what the signing functions take. */
export type CaKeyPair = CertKeyPair;

/** The device CA as {@link loadPki} returns it: PEM plus the parsed forge objects. */
export interface LoadedCa extends CaKeyPair {
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
}

export interface CreateCaOptions {
  /** Subject CN (default `Zerogate device CA`). */
  commonName?: string;
  /** Default 3650. */
  validityDays?: number;
  /** The issuing time (tests freeze it); default now. */
  now?: Date;
}

/**
 * Creates the self-signed device CA (RFC 5280): RSA 3072, SHA-256, basicConstraints CA:true
 * with pathLen 0 (it signs leaves only), keyUsage keyCertSign + cRLSign, a subject key
 * identifier and a random 16-byte serial. Key generation uses Node's native crypto.
 */
export function createCa(options: CreateCaOptions = {}): CaKeyPair {
  const commonName = checkName(options.commonName ?? DEFAULT_CA_COMMON_NAME, 'commonName', 64);
  const validityDays = checkInteger(options.validityDays ?? DEFAULT_CA_VALIDITY_DAYS, 'validityDays', 1, MAX_VALIDITY_DAYS);
  const now = checkNow(options.now);

  const key = generateRsaKey(CA_KEY_BITS);
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = floorToSecond(now - CA_BACKDATE_MS);
  cert.validity.notAfter = floorToSecond(now + validityDays * DAY_MS);
  const name = [nameAttribute('CN', commonName), nameAttribute('O', PROXY_ORGANIZATION)];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: true, pathLenConstraint: 0 },
    { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  return { certPem: signCertificate(cert, key.keyObject).pem, keyPem: key.keyPem };
}
