export { SqliteStore, AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, REVOCATIONS_PAGE } from './sqlite.ts';
export type {
  AuditEvent,
  AuditQuery,
  Device,
  DeviceStatus,
  EnrollInput,
  EnrollmentTokenRecord,
  EnrollResult,
  Store,
  TokenRefusal,
  IdpPayloadRecord,
  IdpUserRecord,
  PostureRecord,
  RevocationEntry,
  SessionRecord,
} from './types.ts';
