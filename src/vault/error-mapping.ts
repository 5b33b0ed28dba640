/**
 * Vault failures → the broker's error taxonomy. The rule (as in Vault's own agent):
 * no answer, 5xx, 429 and "sealed" are transient (503 with Retry-After, the caller may
 * retry and nothing was called); 4xx are about the credentials.
 */
import { UnauthenticatedError, VaultUnavailableError } from '../errors';
import { isVaultResponseError, isVaultUnreachableError } from './vault-http';

export function isTransientVaultError(err: unknown): boolean {
  if (isVaultUnreachableError(err)) return true;
  return isVaultResponseError(err) && (err.status >= 500 || err.status === 429);
}

export function unavailable(err: unknown, retryAfterSeconds: number): VaultUnavailableError {
  const sealed = isVaultResponseError(err) && err.status === 503 && err.errors.some((e) => /sealed/i.test(e));
  return new VaultUnavailableError(sealed ? 'Vault is sealed' : 'Vault is unavailable', retryAfterSeconds, { cause: err });
}

/** For calls made with the endpoint's credentials: a 4xx means they are no good. */
export function mapEndpointVaultError(err: unknown, retryAfterSeconds: number, message: string): Error {
  if (isTransientVaultError(err)) return unavailable(err, retryAfterSeconds);
  if (isVaultResponseError(err) && (err.status === 400 || err.status === 403)) return new UnauthenticatedError(message, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}
