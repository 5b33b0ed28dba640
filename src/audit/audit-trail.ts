/**
 * What one request learns as it goes (who, which action, which Vault and target request
 * ids, how long each step took). The use cases fill it in; the HTTP layer writes it as
 * exactly one audit event when the response is finished (src/http/middleware/audit.ts).
 */
import type { AuditEvent, AuditOutcome } from './auditor';

export interface TrailIdentity {
  roleName: string;
  metadata: Record<string, string>;
  tokenAccessor?: string;
  tokenType?: string;
}

export class AuditTrail {
  private readonly startedAt: number;
  private readonly fields: Partial<AuditEvent> = {};
  private readonly vaultRequestIds: string[] = [];
  private readonly durations: Record<string, number> = {};

  constructor(
    readonly requestId: string,
    readonly event: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
  }

  set(fields: Partial<AuditEvent>): void {
    Object.assign(this.fields, fields);
  }

  identify(identity: TrailIdentity): void {
    const { role_name: _ignored, ...rest } = identity.metadata;
    this.set({
      role_name: identity.roleName,
      secret_id_metadata: rest,
      token_accessor: identity.tokenAccessor || undefined,
      token_type: identity.tokenType,
    });
  }

  vaultRequest(id: string | undefined): void {
    if (id) this.vaultRequestIds.push(id);
  }

  /** Runs one step and records how long it took under `step` (summed if repeated). */
  async time<T>(step: string, fn: () => Promise<T>): Promise<T> {
    const start = this.now();
    try {
      return await fn();
    } finally {
      this.durations[step] = round((this.durations[step] ?? 0) + this.now() - start);
    }
  }

  finish(status: number, errorCode?: string): AuditEvent {
    return {
      ...this.fields,
      event: this.event,
      request_id: this.requestId,
      outcome: outcomeFor(status),
      status,
      ...(errorCode ? { error_code: errorCode } : {}),
      ...(this.vaultRequestIds.length ? { vault_request_ids: [...this.vaultRequestIds] } : {}),
      duration_ms: round(this.now() - this.startedAt),
      ...(Object.keys(this.durations).length ? { durations_ms: { ...this.durations } } : {}),
    };
  }
}

function outcomeFor(status: number): AuditOutcome {
  if (status < 400) return 'success';
  if (status === 401 || status === 403) return 'denied';
  if (status < 500) return 'rejected';
  return 'failed';
}

const round = (ms: number) => Math.round(ms * 10) / 10;
