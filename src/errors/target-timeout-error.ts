import { BrokerError } from './broker-error';

/** 504: the target did not answer within its `timeout_ms`. It may have acted anyway. */
export class TargetTimeoutError extends BrokerError {
  override readonly name = 'TargetTimeoutError';
  readonly status = 504;
  readonly code = 'target_timeout';
  /** A timed-out request may have reached the target and had its effect. */
  readonly targetCalled = true;

  constructor(
    readonly target: string,
    readonly timeoutMs: number,
  ) {
    super(`target "${target}" did not answer within ${timeoutMs} ms`);
  }

  override details(): Record<string, unknown> {
    return { target_called: true };
  }
}
