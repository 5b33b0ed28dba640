import { BrokerError } from './broker-error';

/** 403: the caller is authenticated but its Vault policy does not allow this action. */
export class ForbiddenError extends BrokerError {
  override readonly name = 'ForbiddenError';
  readonly status = 403;
  readonly code = 'forbidden';
}
