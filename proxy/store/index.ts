export { PostgresStore, POOL_MAX, CONNECT_TIMEOUT_MS, STATEMENT_TIMEOUT_MS } from './postgres.ts';
export { redactStoreUrl, isPostgresUrl } from './url.ts';
export { SqliteStore, API_TOKENS_LIST_MAX, AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, DEVICE_PAGE_MAX, REVOCATIONS_PAGE, SESSIONS_PAGE_MAX } from './sqlite.ts';
export type {
  ApiRole,
  ApiTokenRecord,
  AuditEvent,
  CatalogKind,
  CatalogRecord,
  LiveSession,
  SessionQuery,
  DecisionQuery,
  DeviceSearch,
  AuditQuery,
  Device,
  DeviceStatus,
  EnrollInput,
  EnrollmentTokenRecord,
  EnrollResult,
  Store,
  StoreChange,
  StoreChangeListener,
  TokenRefusal,
  IdpPayloadRecord,
  IdpUserRecord,
  PostureRecord,
  RevocationEntry,
  SessionRecord,
} from './types.ts';
