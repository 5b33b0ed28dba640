import { BrokerError } from './broker-error';

/** 404: no action of that name in the catalog. */
export class UnknownActionError extends BrokerError {
  override readonly name = 'UnknownActionError';
  readonly status = 404;
  readonly code = 'unknown_action';

  constructor(readonly action: string) {
    super(`unknown action "${action}"`);
  }
}
