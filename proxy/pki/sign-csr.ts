import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { ZerogateError } from '../../shared/errors.ts';
import type { CaKeyPair } from './ca.ts';
import { caSigner, leafNotAfterMs } from './ca-signer.ts';
import {
  DEVICE_CLOCK_SKEW_MS,
  DEVICE_ID_PATTERN,
  DEVICE_ORGANIZATION,
  DEVICE_URI_PREFIX,
  MAX_CSR_PEM_LENGTH,
  MAX_DEVICE_CERT_TTL_MS,
  MAX_DEVICE_KEY_BITS,
  MIN_DEVICE_CERT_TTL_MS,
  MIN_DEVICE_KEY_BITS,
} from './constants.ts';
import { checkInteger, checkNow, floorToSecond } from './validate.ts';
import { nameAttribute, randomSerialHex, sha256Fingerprint, signCertificate } from './x509-builder.ts';

export interface SignDeviceCsrOptions {
  /** The proxy-chosen device id, `^[a-z0-9-]{8,64}$`; becomes the CN and the SAN URI. */
  deviceId: string;
  /**
   * The enrolling user. Deliberately never written into the certificate: the store maps device
   * to user, so a user change or revocation needs no re-issue and the cert leaks no identity.
   */
  user?: string;
  /** Lifetime from `now` (DESIGN.md §3: default 7 days, chosen by the caller). */
  ttlMs: number;
  /** The issuing time (tests freeze it); default now. */
  now?: Date;
}

export interface IssuedDeviceCert {
  certPem: string;
  /** Uppercase hex, as Node's `X509Certificate.serialNumber` reports it. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER, uppercase colon-separated hex (see `fingerprint`). */
  fingerprint: string;
}

/** RSASSA-PKCS1-v1_5 with SHA-2 (RFC 8017, RFC 4055); SHA-1 and MD5 CSRs are refused. */
const CSR_SIGNATURE_HASHES: ReadonlyMap<string, string> = new Map([
  ['1.2.840.113549.1.1.11', 'sha256'],
  ['1.2.840.113549.1.1.12', 'sha384'],
  ['1.2.840.113549.1.1.13', 'sha512'],
]);
const CSR_PEM_TYPES: ReadonlySet<string> = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);

/**
 * Issues a device client certificate for a PKCS#10 CSR (RFC 2986) from an agent. The CSR only
 * proves possession of the key: its signature is verified (natively) and its RSA key must have
 * 2048-8192 bits, and **everything else it asks for is ignored**. The certificate gets subject
 * CN=`deviceId`, O=`Zerogate devices`, SAN URI `urn:zerogate:device:<deviceId>`, extKeyUsage
 * clientAuth only, keyUsage digitalSignature, CA:false, a random serial, SHA-256, and validity
 * from `now - 1 min` (clock skew) to `now + ttlMs` (cut to the CA's own expiry).
 *
 * An unusable CSR is `ZG_ERR_PKI_BAD_CSR` with `detail.reason` one of `too-large`, `malformed`,
 * `unsupported-key`, `key-too-small`, `key-too-large`, `unsupported-signature`,
 * `bad-signature`. A bad `deviceId` or `ttlMs` is a TypeError (they are our own input).
 */
export function signDeviceCsr(ca: CaKeyPair, csrPem: string, options: SignDeviceCsrOptions): IssuedDeviceCert {
  const { deviceId, ttlMs } = options;
  if (typeof deviceId !== 'string' || !DEVICE_ID_PATTERN.test(deviceId)) {
    throw new TypeError(`deviceId must match ${DEVICE_ID_PATTERN}`);
  }
  checkInteger(ttlMs, 'ttlMs', MIN_DEVICE_CERT_TTL_MS, MAX_DEVICE_CERT_TTL_MS);
  const now = checkNow(options.now);
  if (typeof csrPem !== 'string') throw new TypeError('csrPem must be a string');
  const signer = caSigner(ca);
  const notAfter = floorToSecond(leafNotAfterMs(signer, now, now + ttlMs));
  const notBefore = floorToSecond(now - DEVICE_CLOCK_SKEW_MS);
  const publicKey = verifiedCsrPublicKey(csrPem);

  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  const serial = randomSerialHex();
  cert.serialNumber = serial;
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([nameAttribute('CN', deviceId), nameAttribute('O', DEVICE_ORGANIZATION)]);
  cert.setIssuer(signer.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 6, value: `${DEVICE_URI_PREFIX}${deviceId}` }] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: signer.keyIdentifier },
  ]);
  const signed = signCertificate(cert, signer.key);
  return {
    certPem: signed.pem,
    serial: serial.toUpperCase(),
    notBefore,
    notAfter,
    fingerprint: sha256Fingerprint(signed.der),
  };
}

function badCsr(reason: string, message: string, cause?: unknown): ZerogateError {
  return new ZerogateError('ZG_ERR_PKI_BAD_CSR', message, { cause, detail: { reason } });
}

/** Parses the untrusted CSR once, checks key and signature, and returns the key for forge. */
function verifiedCsrPublicKey(csrPem: string): forge.pki.rsa.PublicKey {
  if (csrPem.length > MAX_CSR_PEM_LENGTH) {
    throw badCsr('too-large', `the CSR is larger than ${MAX_CSR_PEM_LENGTH} characters`);
  }
  let asn: forge.asn1.Asn1;
  try {
    const blocks = forge.pem.decode(csrPem);
    const block = blocks[0];
    if (blocks.length !== 1 || block === undefined || !CSR_PEM_TYPES.has(block.type) || block.procType !== null) {
      throw new Error('expected exactly one unencrypted CERTIFICATE REQUEST PEM block');
    }
    asn = forge.asn1.fromDer(block.body);
  } catch (cause) {
    throw badCsr('malformed', 'the CSR is not a PEM-encoded PKCS#10 certificate request', cause);
  }

  // The key is checked before forge parses the whole request: forge reads RSA keys only, and
  // an EC key deserves "unsupported-key" rather than "malformed".
  const info = child(asn, 0);
  const spki = child(info, 2);
  let key: KeyObject;
  try {
    if (info === undefined || spki === undefined) throw new Error('no subjectPublicKeyInfo');
    key = createPublicKey({ key: derOf(spki), format: 'der', type: 'spki' });
  } catch (cause) {
    throw badCsr('malformed', 'the CSR public key cannot be read', cause);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw badCsr('unsupported-key', `the CSR key must be RSA, not ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_DEVICE_KEY_BITS) {
    throw badCsr('key-too-small', `the CSR RSA key has ${bits} bits; at least ${MIN_DEVICE_KEY_BITS} are required`);
  }
  if (bits > MAX_DEVICE_KEY_BITS) {
    throw badCsr('key-too-large', `the CSR RSA key has ${bits} bits; at most ${MAX_DEVICE_KEY_BITS} are accepted`);
  }
  let csr: forge.pki.CertificateSigningRequest;
  try {
    csr = forge.pki.certificationRequestFromAsn1(asn, false);
  } catch (cause) {
    throw badCsr('malformed', 'the CSR is not a well-formed PKCS#10 certificate request', cause);
  }
  const hash = CSR_SIGNATURE_HASHES.get(csr.siginfo.algorithmOid ?? '');
  if (hash === undefined) {
    throw badCsr('unsupported-signature', 'the CSR must be signed with RSA and SHA-256, SHA-384 or SHA-512');
  }
  let valid = false;
  try {
    valid = verify(hash, derOf(info), key, Buffer.from(String(csr.signature), 'binary'));
  } catch {
    valid = false;
  }
  if (!valid) throw badCsr('bad-signature', 'the CSR signature does not verify with its own key');
  return forge.pki.publicKeyFromAsn1(spki) as forge.pki.rsa.PublicKey;
}

function child(node: forge.asn1.Asn1 | undefined, index: number): forge.asn1.Asn1 | undefined {
  if (node === undefined || typeof node.value === 'string') return undefined;
  return node.value[index];
}

function derOf(node: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');
}
