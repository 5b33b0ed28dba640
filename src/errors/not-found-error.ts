import { BrokerError } from './broker-error';

/** 404: no route for this method and path. */
export class NotFoundError extends BrokerError {
  override readonly name = 'NotFoundError';
  readonly status = 404;
  readonly code = 'not_found';
}
