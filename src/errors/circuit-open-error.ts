import { BrokerError } from './broker-error';

/**
 * 503: the target failed repeatedly, so the broker stopped calling it for a while
 * (circuit breaker open). The target was not called; retry after `retryAfterSeconds`.
 */
export class CircuitOpenError extends BrokerError {
  override readonly name = 'CircuitOpenError';
  readonly status = 503;
  readonly code = 'circuit_open';

  constructor(
    readonly target: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`target "${target}" is failing; the broker pauses calls to it`);
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': String(Math.max(1, Math.ceil(this.retryAfterSeconds))) };
  }

  override details(): Record<string, unknown> {
    return { target_called: false };
  }
}
