/**
 * Limits and defaults of the PKI, in one place (STYLE.md §5). Every option that overrides one of
 * these is validated against the bounds here.
 */

/**
 * RSA modulus of the device CA. 3072 bits because the CA lives 10 years by default, past 2030,
 * after which NIST SP 800-57 Part 1 Rev. 5 no longer accepts 2048-bit RSA (112-bit security).
 */
export const CA_KEY_BITS = 3072;
/** RSA modulus of the proxy's TLS server key (valid at most 397 days, so 2048 bits suffice). */
export const SERVER_KEY_BITS = 2048;

export const DEFAULT_CA_VALIDITY_DAYS = 3650;
/** 397 days: the CA/Browser Forum ceiling for TLS server certificates. */
export const DEFAULT_SERVER_VALIDITY_DAYS = 397;
/** Upper bound for any `validityDays` option (30 years). */
export const MAX_VALIDITY_DAYS = 30 * 365;

/**
 * How far back the CA and server certificates are dated, so a client whose clock runs a little
 * behind still accepts a CA created a moment ago.
 */
export const CA_BACKDATE_MS = 60 * 60 * 1000;
/** How far back device certificates are dated (clock skew between proxy and agent). */
export const DEVICE_CLOCK_SKEW_MS = 60 * 1000;

/** Bounds of a device certificate's lifetime (`ttlMs`). */
export const MIN_DEVICE_CERT_TTL_MS = 1000;
export const MAX_DEVICE_CERT_TTL_MS = 397 * 24 * 60 * 60 * 1000;

/** Accepted RSA modulus sizes in a device CSR. */
export const MIN_DEVICE_KEY_BITS = 2048;
export const MAX_DEVICE_KEY_BITS = 8192;
/** A CSR larger than this is refused before it is parsed (a 8192-bit RSA CSR is ~2 KiB). */
export const MAX_CSR_PEM_LENGTH = 16 * 1024;

/** `initPki` re-issues the server certificate when it expires within this window. */
export const SERVER_RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

/** Device ids, as chosen by the proxy when it enrols a device. */
export const DEVICE_ID_PATTERN = /^[a-z0-9-]{8,64}$/;
/** SAN URI that names a device in its certificate (DESIGN.md §3). */
export const DEVICE_URI_PREFIX = 'urn:zerogate:device:';
/** Organization (O) of every device certificate subject. */
export const DEVICE_ORGANIZATION = 'Zerogate devices';
/** Organization (O) of the CA and server certificate subjects. */
export const PROXY_ORGANIZATION = 'Zerogate';
export const DEFAULT_CA_COMMON_NAME = 'Zerogate device CA';

/** File names inside the proxy data dir. */
export const PKI_FILES = {
  caCert: 'ca.pem',
  caKey: 'ca.key',
  serverCert: 'server.pem',
  serverKey: 'server.key',
} as const;

export const DAY_MS = 24 * 60 * 60 * 1000;
