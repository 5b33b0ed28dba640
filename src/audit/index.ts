/**
 * Logging and audit: the redacting JSON logger, the audit port, and the per-request
 * audit trail.
 */
export { Redactor, REDACTED, summarizeError, type SecretRegistry } from './redactor';
export { createLogger, silentLogger, type Logger, type ClosableLogger, type LogLevel, type LogFields } from './logger';
export { LogAuditor, type Auditor, type AuditEvent, type AuditOutcome } from './auditor';
export { AuditTrail, type TrailIdentity } from './audit-trail';
