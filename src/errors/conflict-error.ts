import { BrokerError } from './broker-error';

/**
 * 409: a request with this Idempotency-Key is still being processed (IETF httpapi
 * Idempotency-Key draft). Retrying after `retryAfterSeconds` returns its outcome.
 */
export class ConflictError extends BrokerError {
  override readonly name = 'ConflictError';
  readonly status = 409;
  readonly code = 'idempotency_key_in_use';

  constructor(readonly retryAfterSeconds: number) {
    super('a request with this Idempotency-Key is still in progress; retry later for its outcome');
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': String(Math.max(1, Math.ceil(this.retryAfterSeconds))) };
  }
}
