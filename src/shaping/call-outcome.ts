/**
 * What a finished (or failed) target call means for shaping: was the target healthy,
 * failing, or asking to slow down? Errors that happened before the target was called
 * (Vault unavailable, …) say nothing about it.
 */
import { RateLimitedError } from '../errors/rate-limited-error';
import { TargetFailedError } from '../errors/target-failed-error';
import { TargetTimeoutError } from '../errors/target-timeout-error';
import { type CallOutcome, DEFAULT_SLOW_DOWN_MS } from './traffic-shaper';

export function callOutcomeOf(err: unknown): CallOutcome {
  if (err instanceof TargetTimeoutError) return { kind: 'failed' };
  if (!(err instanceof TargetFailedError)) return { kind: 'not_called' };
  const status = err.info.targetStatus;
  const retryAfterMs = err.info.retryAfterSeconds === undefined ? undefined : err.info.retryAfterSeconds * 1000;
  if (status === 429) return { kind: 'slow_down', retryAfterMs: retryAfterMs || DEFAULT_SLOW_DOWN_MS };
  if (status === undefined || status >= 500) return { kind: 'failed', retryAfterMs };
  return { kind: 'answered' };
}

/**
 * A target's own 429 reaches the caller as the broker's 429: the target did not act on
 * the request, so retrying later with the same Idempotency-Key is safe. Other errors
 * pass unchanged.
 */
export function toCallerError(err: unknown): unknown {
  if (err instanceof TargetFailedError && err.info.targetStatus === 429) {
    const seconds = err.info.retryAfterSeconds || DEFAULT_SLOW_DOWN_MS / 1000;
    return new RateLimitedError(`target "${err.info.target}" asked the broker to slow down`, seconds);
  }
  return err;
}
