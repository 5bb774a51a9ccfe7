import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { deviceIdFromX509 } from '../pki/index.ts';
import type { Device, Store } from '../store/index.ts';
import type { ErrorCode } from '../../shared/errors.ts';

/** What a failed device check answers (DESIGN.md §3: 401 identity, 403 device). */
export interface DeviceRefusal {
  ok: false;
  statusCode: 401 | 403;
  code: ErrorCode;
  reasons: string[];
  message: string;
  deviceId?: string | undefined;
}

export interface DeviceIdentity {
  ok: true;
  device: Device;
  serial: string;
  /** When the presented certificate expires (ms since the epoch). */
  certNotAfter: number;
  /** RFC 8705 `x5t#S256` of the presented certificate: what session tokens are bound to. */
  certThumbprint: string;
}

/** Serial numbers compare as upper-case hex without leading zeros (forge and Node print them differently). */
export function normalizeSerial(serial: string): string {
  return serial.toUpperCase().replace(/^0+(?=.)/, '');
}

const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/**
 * Checks the client certificate on a TLS connection: it must be present, chain to the device CA
 * (the TLS layer verified that against the CA and the clock), be unrevoked, and belong to an
 * active device. Fails closed on anything unexpected.
 */
export async function authenticateDevice(socket: TLSSocket, store: Store): Promise<DeviceIdentity | DeviceRefusal> {
  // Only a TLS socket has a peer certificate; anything else (an in-process inject) has none.
  const cert = typeof socket.getPeerX509Certificate === 'function' ? socket.getPeerX509Certificate() : undefined;
  if (cert === undefined) {
    return {
      ok: false,
      statusCode: 401,
      code: 'ZG_ERR_AUTH_CERT_REQUIRED',
      reasons: ['device-unenrolled'],
      message: 'a device certificate is required: enrol this device with `zerogate login`',
    };
  }
  const deviceId = deviceIdFromX509(cert);
  if (!socket.authorized) {
    const error = String(socket.authorizationError ?? '');
    return {
      ok: false,
      statusCode: 403,
      code: 'ZG_ERR_AUTH_CERT_INVALID',
      reasons: ['certificate-invalid'],
      message: EXPIRED.has(error)
        ? 'the device certificate has expired or is not yet valid: sign in again with `zerogate login`'
        : 'the device certificate was not issued by this proxy',
      deviceId: undefined,
    };
  }
  if (deviceId === undefined) {
    return {
      ok: false,
      statusCode: 403,
      code: 'ZG_ERR_AUTH_CERT_INVALID',
      reasons: ['certificate-invalid'],
      message: 'the certificate does not name a Zerogate device',
    };
  }
  const serial = normalizeSerial(cert.serialNumber);
  const [device, serialRevoked] = await Promise.all([store.getDevice(deviceId), store.isSerialRevoked(serial)]);
  if (device === undefined) {
    return {
      ok: false,
      statusCode: 403,
      code: 'ZG_ERR_AUTH_DEVICE_UNKNOWN',
      reasons: ['device-unenrolled'],
      message: 'this device is not enrolled: run `zerogate login`',
      deviceId,
    };
  }
  if (device.status !== 'active' || serialRevoked) {
    return {
      ok: false,
      statusCode: 403,
      code: 'ZG_ERR_AUTH_DEVICE_REVOKED',
      reasons: ['device-revoked'],
      message: 'this device was revoked by an administrator: contact your helpdesk',
      deviceId,
    };
  }
  return { ok: true, device, serial, certNotAfter: new Date(cert.validTo).getTime(), certThumbprint: createHash('sha256').update(cert.raw).digest('base64url') };
}
