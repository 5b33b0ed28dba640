import { BrokerError } from './broker-error';

/**
 * 502: the target could not be reached, refused the broker's request, or answered
 * with an error or with something the broker cannot use. `targetCalled` says whether
 * the request may have reached the target (false only when the connection was
 * provably never made), so a retry decision (and the idempotency record) can use it.
 */
export class TargetFailedError extends BrokerError {
  override readonly name = 'TargetFailedError';
  readonly status = 502;
  readonly code = 'target_failed';

  constructor(
    message: string,
    readonly info: {
      target: string;
      targetCalled: boolean;
      targetStatus?: number;
      retryAfterSeconds?: number;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Tells the caller whether a retry could act twice (the Idempotency-Key record keeps it too). */
  override details(): Record<string, unknown> {
    return { target_called: this.info.targetCalled };
  }

  override headers(): Record<string, string> {
    const retry = this.info.retryAfterSeconds;
    return retry === undefined ? {} : { 'Retry-After': String(Math.max(1, Math.ceil(retry))) };
  }
}
