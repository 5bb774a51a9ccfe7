export {
  AuditLog,
  AUDIT_BACKLOG_MAX,
  AUDIT_BATCH_MAX,
  AUDIT_DURABLE_TIMEOUT_MS,
  AUDIT_FLUSH_MS,
  AUDIT_RETRY_MAX_MS,
  AUDIT_RETRY_MIN_MS,
  type AuditInput,
  type AuditLogOptions,
  type AuditSink,
} from './audit-log.ts';
