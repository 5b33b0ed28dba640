import { BrokerError } from './broker-error';

/**
 * 429: the target (or the action) is over its configured rate or concurrency, or the
 * target itself asked the broker to slow down. The target was not called, so retrying
 * after `retryAfterSeconds` with the same Idempotency-Key is safe.
 */
export class RateLimitedError extends BrokerError {
  override readonly name = 'RateLimitedError';
  readonly status = 429;
  readonly code = 'rate_limited';

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': String(Math.max(1, Math.ceil(this.retryAfterSeconds))) };
  }

  override details(): Record<string, unknown> {
    return { target_called: false };
  }
}
