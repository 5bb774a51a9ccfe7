import forge from 'node-forge';
import type { CaKeyPair, CertKeyPair } from './ca.ts';
import { caSigner, leafNotAfterMs } from './ca-signer.ts';
import {
  CA_BACKDATE_MS,
  DAY_MS,
  DEFAULT_SERVER_VALIDITY_DAYS,
  MAX_VALIDITY_DAYS,
  PROXY_ORGANIZATION,
  SERVER_KEY_BITS,
} from './constants.ts';
import { parseServerNames } from './hostnames.ts';
import { checkInteger, checkNow, floorToSecond } from './validate.ts';
import { generateRsaKey, nameAttribute, randomSerialHex, signCertificate } from './x509-builder.ts';

export interface CreateServerCertOptions {
  /** Default 397; cut to the CA's own notAfter. */
  validityDays?: number;
  /** The issuing time (tests freeze it); default now. */
  now?: Date;
}

/**
 * Issues the proxy's TLS server certificate from the device CA (RFC 5280, RFC 6125): RSA 2048,
 * SHA-256, SAN with every hostname (DNS names, IPv4 and IPv6 addresses), extKeyUsage
 * serverAuth, keyUsage digitalSignature + keyEncipherment, CA:false, and an authority key
 * identifier naming the CA's key. A hostname that is neither a DNS name nor an IP address is a
 * TypeError; a CA that cannot sign is `ZG_ERR_PKI_CA_INVALID`.
 */
export function createServerCert(
  ca: CaKeyPair,
  hostnames: readonly string[],
  options: CreateServerCertOptions = {},
): CertKeyPair {
  const names = parseServerNames(hostnames);
  const validityDays = checkInteger(options.validityDays ?? DEFAULT_SERVER_VALIDITY_DAYS, 'validityDays', 1, MAX_VALIDITY_DAYS);
  const now = checkNow(options.now);
  const signer = caSigner(ca);
  const notAfter = leafNotAfterMs(signer, now, now + validityDays * DAY_MS);

  const key = generateRsaKey(SERVER_KEY_BITS);
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = floorToSecond(now - CA_BACKDATE_MS);
  cert.validity.notAfter = floorToSecond(notAfter);
  // The CN is informational (RFC 6125 §6.4.4: clients match the SAN); 64 is its upper bound.
  const commonName = names.dns[0] ?? names.ips[0]?.address ?? '';
  cert.setSubject([
    ...(commonName.length <= 64 ? [nameAttribute('CN', commonName)] : []),
    nameAttribute('O', PROXY_ORGANIZATION),
  ]);
  cert.setIssuer(signer.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...names.dns.map((value) => ({ type: 2, value })),
        // `value` (raw bytes) rather than forge's `ip`, whose parser misses embedded IPv4.
        ...names.ips.map((ip) => ({ type: 7, value: ip.bytes.toString('binary') })),
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: signer.keyIdentifier },
  ]);
  return { certPem: signCertificate(cert, signer.key).pem, keyPem: key.keyPem };
}
