import { BrokerError } from './broker-error';

/** 413: the request body is larger than `listen.max_body_bytes`. */
export class PayloadTooLargeError extends BrokerError {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly code = 'payload_too_large';

  constructor(readonly limitBytes: number) {
    super(`request body is larger than ${limitBytes} bytes`);
  }
}
