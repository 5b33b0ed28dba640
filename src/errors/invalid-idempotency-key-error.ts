import { BrokerError } from './broker-error';

/** 400: the Idempotency-Key header is malformed (length or characters). Nothing was called. */
export class InvalidIdempotencyKeyError extends BrokerError {
  override readonly name = 'InvalidIdempotencyKeyError';
  readonly status = 400;
  readonly code = 'invalid_idempotency_key';

  constructor(reason: string) {
    super(`invalid Idempotency-Key header: ${reason}`);
  }
}
