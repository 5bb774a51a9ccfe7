import type { X509Certificate } from 'node:crypto';
import { ZerogateError } from '../../shared/errors.ts';
import { DEVICE_ID_PATTERN, DEVICE_URI_PREFIX } from './constants.ts';
import { parseX509 } from './fingerprint.ts';

export interface DeviceCertInfo {
  deviceId: string;
  /** Uppercase hex, as `signDeviceCsr` returns it. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256, uppercase colon-separated hex. */
  fingerprint: string;
}

/**
 * The device id a certificate names in its SAN URI `urn:zerogate:device:<id>`, or `undefined`
 * when it names none, several, or a malformed one. The CN is never consulted. This reads only
 * the certificate: the caller must have checked its chain (the TLS handshake does, with
 * `requestCert` and the device CA), validity and revocation.
 *
 * Fast enough for every tunnel connection: it reads Node's parsed `subjectAltName`, e.g. from
 * `tlsSocket.getPeerX509Certificate()`.
 */
export function deviceIdFromX509(x509: X509Certificate): string | undefined {
  const text = x509.subjectAltName;
  if (text === undefined) return undefined;
  const entries = parseSubjectAltName(text);
  if (entries === undefined) return undefined;
  const ids = entries
    .filter(([type, value]) => type === 'URI' && value.startsWith(DEVICE_URI_PREFIX))
    .map(([, value]) => value.slice(DEVICE_URI_PREFIX.length));
  const [id] = ids;
  return ids.length === 1 && id !== undefined && DEVICE_ID_PATTERN.test(id) ? id : undefined;
}

/**
 * Reads a device certificate (PEM or DER): its device id, serial, validity and fingerprint.
 * Unparsable, or without exactly one device SAN URI: `ZG_ERR_PKI_BAD_CERT`. Like
 * {@link deviceIdFromX509}, this does not check the signature, validity or revocation.
 */
export function parseDeviceCert(certPemOrDer: string | Uint8Array): DeviceCertInfo {
  const x509 = parseX509(certPemOrDer);
  const deviceId = deviceIdFromX509(x509);
  if (deviceId === undefined) {
    throw new ZerogateError('ZG_ERR_PKI_BAD_CERT', `the certificate has no single ${DEVICE_URI_PREFIX}<id> SAN URI`, {
      detail: { reason: 'no-device-id' },
    });
  }
  return {
    deviceId,
    serial: x509.serialNumber,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    fingerprint: x509.fingerprint256,
  };
}

/**
 * Splits Node's `subjectAltName` string into `[type, value]` pairs. Since Node 17.3 / 16.13.2
 * (CVE-2021-44532) an entry whose value contains `,`, quotes, backslashes or control characters
 * is printed as a JSON string (`DNS:"a\u002c URI:b"`); this decodes such values, so a crafted
 * name is read as the one value it is. Returns `undefined` on anything unexpected.
 */
export function parseSubjectAltName(text: string): Array<[string, string]> | undefined {
  const entries: Array<[string, string]> = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) return undefined;
    const type = text.slice(i, colon);
    i = colon + 1;
    let value: string;
    if (text[i] === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return undefined;
      try {
        value = JSON.parse(text.slice(i, j + 1)) as string;
      } catch {
        return undefined;
      }
      i = j + 1;
    } else {
      const end = text.indexOf(', ', i);
      value = text.slice(i, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end;
    }
    entries.push([type, value]);
    if (i < text.length) {
      if (!text.startsWith(', ', i)) return undefined;
      i += 2;
    }
  }
  return entries;
}
