import { BrokerError } from './broker-error';

/**
 * 503: Vault is sealed, down, overloaded or answered with a server error. No target
 * was called, so the caller may retry after `retryAfterSeconds`.
 */
export class VaultUnavailableError extends BrokerError {
  override readonly name = 'VaultUnavailableError';
  readonly status = 503;
  readonly code = 'vault_unavailable';

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': String(Math.max(1, Math.ceil(this.retryAfterSeconds))) };
  }
}
