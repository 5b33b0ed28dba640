/**
 * Which outcomes an Idempotency-Key keeps, and in what form. Kept: a success, and a
 * failure after the target was (or may have been) called — replaying it tells the
 * caller that a blind retry could act twice. Not kept (the claim is released, so a retry
 * runs again): every failure before the target was called, and a target answer that
 * says it did not act (429, 503).
 *
 * The stored body is the response as sent: `{ request_id, action, result }` or
 * `{ error: { code, message, target_called }, request_id }` (the shape the error
 * middleware writes), with the original request id.
 */
import { isBrokerError } from '../errors/broker-error';
import { TargetFailedError } from '../errors/target-failed-error';
import { TargetTimeoutError } from '../errors/target-timeout-error';
import type { StoredResponse } from './idempotency-records';

export function storedSuccess(requestId: string, action: string, result: Record<string, unknown>): StoredResponse {
  return { status: 200, body: { request_id: requestId, action, result }, targetCalled: true };
}

/** The failure to store for replay, or undefined when the claim should be released. */
export function storedFailure(err: unknown, requestId: string): StoredResponse | undefined {
  const called =
    err instanceof TargetTimeoutError ||
    (err instanceof TargetFailedError &&
      err.info.targetCalled &&
      err.info.targetStatus !== 429 &&
      err.info.targetStatus !== 503);
  if (!called || !isBrokerError(err)) return undefined;
  return {
    status: err.status,
    body: { error: { code: err.code, message: err.message, ...err.details(), target_called: true }, request_id: requestId },
    targetCalled: true,
  };
}
