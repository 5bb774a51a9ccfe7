export { AuditLog, type AuditSink } from './audit-log.ts';
