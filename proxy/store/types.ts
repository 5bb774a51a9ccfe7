/**
 * The store holds everything that must survive a restart and be shared between proxy nodes:
 * devices, certificate serials and revocations, enrolment tokens and the audit trail.
 * SQLite is the embedded default; the interface is asynchronous so that a networked store
 * (PostgreSQL) implements the same contract.
 */

export type DeviceStatus = 'active' | 'revoked';

export interface Device {
  id: string;
  user: string;
  hostname: string;
  status: DeviceStatus;
  createdAt: number;
  lastSeenAt: number | undefined;
  revokedAt: number | undefined;
  /** The serial of the newest certificate issued to this device. */
  certSerial: string;
  certNotAfter: number;
  certFingerprint: string;
}

export interface EnrollmentTokenRecord {
  id: string;
  /** SHA-256 of the token's secret part, hex. The secret itself is never stored. */
  secretHash: string;
  user: string;
  createdAt: number;
  expiresAt: number;
}

export type TokenRefusal = 'token-unknown' | 'token-expired' | 'token-used';

export interface EnrollInput {
  tokenId: string;
  secretHash: string;
  now: number;
  device: Omit<Device, 'user' | 'status' | 'lastSeenAt' | 'revokedAt'>;
}

export type EnrollResult = { ok: true; device: Device } | { ok: false; refusal: TokenRefusal; user: string | undefined };

export interface AuditEvent {
  /** Assigned by the store. */
  id?: number;
  time: number;
  type: string;
  user?: string | undefined;
  device?: string | undefined;
  app?: string | undefined;
  source?: string | undefined;
  decision?: 'allow' | 'deny' | undefined;
  reasons?: string[] | undefined;
  /** Secret-free structured detail: codes, byte counts, stream ids. */
  detail?: Record<string, unknown> | undefined;
}

export interface AuditQuery {
  type?: string;
  device?: string;
  user?: string;
  limit?: number;
  /** Return events with id below this (pagination, newest first). */
  before?: number;
}

export interface Store {
  createEnrollmentToken(token: EnrollmentTokenRecord): Promise<void>;
  /** Read-only check of a token, so the expensive work of enrolment is done only for a valid one. */
  checkEnrollmentToken(tokenId: string, secretHash: string, now: number): Promise<{ ok: true } | { ok: false; refusal: TokenRefusal; user: string | undefined }>;
  /** Consumes the token and records the device in one transaction: both or neither. */
  enrollDevice(input: EnrollInput): Promise<EnrollResult>;
  getDevice(id: string): Promise<Device | undefined>;
  listDevices(filter?: { user?: string }): Promise<Device[]>;
  /** Marks the device revoked and every certificate serial issued to it. False if no such device. */
  revokeDevice(id: string, now: number, reason: string): Promise<boolean>;
  isSerialRevoked(serial: string): Promise<boolean>;
  /**
   * Revocations recorded after sequence number `seq`, oldest first (a page at a time), so live
   * sessions anywhere can be cut. Sequence numbers only grow, whatever the clocks say.
   */
  revocationsAfter(seq: number): Promise<{ seq: number; deviceId: string }[]>;
  touchDevice(id: string, now: number): Promise<void>;
  /** Appends events in order, all or none (one transaction). */
  appendAudit(events: readonly AuditEvent[]): Promise<void>;
  queryAudit(query: AuditQuery): Promise<AuditEvent[]>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
