/**
 * The broker's error taxonomy: one class per file, each with a literal `name`, an
 * HTTP status and a stable `code`. src/http/middleware/error-handler.ts is the one
 * place that turns them into responses; anything else becomes a 500 with a log id.
 */
export { BrokerError, isBrokerError } from './broker-error';
export { InvalidParametersError, type FieldProblem } from './invalid-parameters-error';
export { UnauthenticatedError, AUTH_REALM } from './unauthenticated-error';
export { ForbiddenError } from './forbidden-error';
export { UnknownActionError } from './unknown-action-error';
export { NotFoundError } from './not-found-error';
export { PayloadTooLargeError } from './payload-too-large-error';
export { VaultUnavailableError } from './vault-unavailable-error';
export { TargetFailedError } from './target-failed-error';
export { TargetTimeoutError } from './target-timeout-error';
export { ConflictError } from './conflict-error';
export { IdempotencyKeyReusedError } from './idempotency-key-reused-error';
export { InvalidIdempotencyKeyError } from './invalid-idempotency-key-error';
export { RateLimitedError } from './rate-limited-error';
export { CircuitOpenError } from './circuit-open-error';
export { StateUnavailableError } from './state-unavailable-error';
