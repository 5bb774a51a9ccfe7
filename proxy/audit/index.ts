export { AuditLog, AUDIT_BATCH_MAX, AUDIT_FLUSH_MS, type AuditSink } from './audit-log.ts';
