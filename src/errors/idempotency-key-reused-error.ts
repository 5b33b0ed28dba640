import { BrokerError } from './broker-error';

/**
 * 422: this Idempotency-Key was already used for a request with other parameters
 * (another action or other parameter values). Nothing was called.
 */
export class IdempotencyKeyReusedError extends BrokerError {
  override readonly name = 'IdempotencyKeyReusedError';
  readonly status = 422;
  readonly code = 'idempotency_key_reused';

  constructor() {
    super('this Idempotency-Key was already used for a different request');
  }
}
