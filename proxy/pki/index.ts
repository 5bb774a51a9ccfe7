/**
 * The proxy PKI (DESIGN.md §3): the device CA, the proxy's TLS server certificate, device
 * certificates issued from agents' CSRs, fingerprints, and the data dir that holds them.
 */
export { createCa, type CaKeyPair, type CertKeyPair, type CreateCaOptions, type LoadedCa } from './ca.ts';
export { createServerCert, type CreateServerCertOptions } from './server-cert.ts';
export { signDeviceCsr, type IssuedDeviceCert, type SignDeviceCsrOptions } from './sign-csr.ts';
export { fingerprint, fingerprintsEqual, normalizeFingerprint } from './fingerprint.ts';
export { deviceIdFromX509, parseDeviceCert, type DeviceCertInfo } from './device-cert.ts';
export { initPki, loadPki, pkiPaths, type InitPkiOptions, type InitPkiResult, type LoadedPki } from './data-dir.ts';
export {
  CA_KEY_BITS,
  DEFAULT_CA_VALIDITY_DAYS,
  DEFAULT_SERVER_VALIDITY_DAYS,
  DEVICE_ID_PATTERN,
  DEVICE_URI_PREFIX,
  MAX_DEVICE_CERT_TTL_MS,
  MIN_DEVICE_KEY_BITS,
  PKI_FILES,
  SERVER_KEY_BITS,
  SERVER_RENEW_BEFORE_MS,
} from './constants.ts';
