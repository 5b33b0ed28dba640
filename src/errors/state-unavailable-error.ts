import { BrokerError } from './broker-error';

/**
 * 503: the shared state store (Redis) did not answer, so the broker cannot check
 * idempotency records or rate limits. It refuses rather than risk a duplicate call or
 * a burst at the target; the target was not called.
 */
export class StateUnavailableError extends BrokerError {
  override readonly name = 'StateUnavailableError';
  readonly status = 503;
  readonly code = 'state_unavailable';

  constructor(options?: { cause?: unknown }) {
    super('the broker cannot reach its state store; retry later', options);
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': '1' };
  }

  override details(): Record<string, unknown> {
    return { target_called: false };
  }
}
