/**
 * The audit port. One event per request, written as a JSON line with `log_type: "audit"`
 * through the (redacting) logger, so the audit trail and the operational log share one
 * output and one redaction layer.
 */
import type { Logger } from './logger';

export type AuditOutcome = 'success' | 'denied' | 'rejected' | 'failed';

export interface AuditEvent {
  event: string;
  request_id: string;
  outcome: AuditOutcome;
  status: number;
  error_code?: string;
  action?: string;
  client_ip?: string;
  /** From Vault's login response (token metadata), never from what the caller claims. */
  role_name?: string;
  /** The secret-ID metadata from the login (e.g. computer_id), minus role_name. */
  secret_id_metadata?: Record<string, string>;
  token_accessor?: string;
  token_type?: string;
  target?: string;
  target_status?: number;
  target_request_id?: string;
  vault_request_ids?: string[];
  duration_ms: number;
  durations_ms?: Record<string, number>;
  [extra: string]: unknown;
}

export interface Auditor {
  record(event: AuditEvent): void;
}

export class LogAuditor implements Auditor {
  constructor(private readonly logger: Logger) {}

  record(event: AuditEvent): void {
    this.logger.info('audit', { log_type: 'audit', ...event });
  }
}
