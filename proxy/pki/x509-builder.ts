/**
 * Internal: the pieces every certificate we issue shares. node-forge builds the TBSCertificate
 * (it can encode X.509 extensions, Node cannot); Node's OpenSSL generates the keys and makes the
 * signature, because forge's pure-JS RSA takes ~60-90 ms per signature here and would block the
 * proxy's event loop on every enrolment.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/** sha256WithRSAEncryption (RFC 4055 §5). */
const SHA256_WITH_RSA_OID = '1.2.840.113549.1.1.11';

export interface GeneratedKey {
  /** PKCS#8 PEM. */
  keyPem: string;
  keyObject: KeyObject;
  publicKey: forge.pki.rsa.PublicKey;
}

/**
 * Generates an RSA key with Node's native crypto. forge's `rsa.generateKeyPair` would also use
 * it, but silently falls back to pure JS (tens of seconds for 3072 bits) when
 * `forge.options.usePureJavaScript` is set or Node is not detected; calling Node directly
 * leaves no such path.
 */
export function generateRsaKey(bits: number): GeneratedKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  const spkiPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    keyObject: privateKey,
    publicKey: forge.pki.publicKeyFromPem(spkiPem),
  };
}

/**
 * A random, positive, 16-byte serial number as lowercase hex (RFC 5280 §4.1.2.2: positive, at
 * most 20 octets; CA/B Forum: at least 64 random bits). The first byte is forced into 0x40-0x7f
 * so the DER INTEGER is positive, minimal (no 0x00 pad) and always 16 octets: 126 random bits.
 */
export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes.toString('hex');
}

export interface SignedCertificate {
  pem: string;
  der: Buffer;
}

/** Signs `cert` with SHA-256 and RSASSA-PKCS1-v1_5 using `key`, and returns it encoded. */
export function signCertificate(cert: forge.pki.Certificate, key: KeyObject): SignedCertificate {
  cert.signatureOid = SHA256_WITH_RSA_OID;
  cert.siginfo.algorithmOid = SHA256_WITH_RSA_OID;
  cert.signature = '';
  const tbs = forge.pki.certificateToAsn1(cert).value[0];
  if (tbs === undefined || typeof tbs === 'string') throw new Error('forge produced no TBSCertificate');
  const tbsDer = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
  cert.tbsCertificate = tbs;
  cert.signature = sign('sha256', tbsDer, key).toString('binary');
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return { pem: toPem(der), der };
}

export function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** SHA-256 of `der` as uppercase colon-separated hex, the format of `openssl x509 -fingerprint`. */
export function formatFingerprint(digest: Buffer): string {
  return digest.toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

export function sha256Fingerprint(der: Buffer): string {
  return formatFingerprint(createHash('sha256').update(der).digest());
}

/** The characters of an ASN.1 PrintableString (X.680 §41.4). */
const PRINTABLE_STRING = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/**
 * A subject attribute for forge: PrintableString when the value fits (what most CAs emit),
 * UTF8String otherwise (RFC 5280 §4.1.2.4), since forge would write any value as
 * PrintableString, making e.g. `*.example.com` or a non-ASCII name an invalid encoding.
 */
export function nameAttribute(shortName: 'CN' | 'O', value: string): forge.pki.CertificateField {
  return PRINTABLE_STRING.test(value)
    ? { shortName, value }
    : { shortName, value, valueTagClass: forge.asn1.Type.UTF8 as number as forge.asn1.Class };
}
