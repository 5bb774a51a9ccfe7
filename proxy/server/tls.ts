import type { SecureContextOptions, TlsOptions } from 'node:tls';

/**
 * TLS settings for the proxy's one port (DESIGN.md §3): TLS 1.2 and 1.3 only, forward-secret
 * AEAD suites only. AES-GCM comes first because these machines have AES-NI; ChaCha20 stays for
 * clients without it.
 */
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export const TLS_OPTIONS: TlsOptions & SecureContextOptions = {
  minVersion: 'TLSv1.2',
  ciphers: TLS_CIPHERS,
  honorCipherOrder: true,
};
