import { BrokerError } from './broker-error';

/** The realm the broker names in WWW-Authenticate. */
export const AUTH_REALM = 'credential-broker';

/**
 * 401: missing, malformed or rejected credentials. The message never says which of
 * role_id and secret_id was wrong (Vault does not tell either).
 */
export class UnauthenticatedError extends BrokerError {
  override readonly name = 'UnauthenticatedError';
  readonly status = 401;
  readonly code = 'unauthenticated';

  constructor(message = 'invalid or missing credentials', options?: { cause?: unknown }) {
    super(message, options);
  }

  override headers(): Record<string, string> {
    return { 'WWW-Authenticate': `Basic realm="${AUTH_REALM}", charset="UTF-8"` };
  }
}
