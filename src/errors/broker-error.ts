/**
 * The base of every error the broker turns into an HTTP answer. Subclasses set a
 * literal `name`, the status, a stable machine-readable `code`, and a `message` that
 * is safe to show to the caller: it never contains a Vault or target body, a stack,
 * or a secret. The original failure, if any, is kept in `cause` for the logs (which
 * are redacted) and never reaches a response.
 */
export abstract class BrokerError extends Error {
  abstract override readonly name: string;
  abstract readonly status: number;
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** Extra response headers (Retry-After, WWW-Authenticate). */
  headers(): Record<string, string> {
    return {};
  }

  /** Extra fields for the `error` object of the response body. */
  details(): Record<string, unknown> {
    return {};
  }
}

/** True for any error of the taxonomy, also across module copies (checks the shape). */
export function isBrokerError(err: unknown): err is BrokerError {
  return (
    err instanceof BrokerError ||
    (err instanceof Error &&
      typeof (err as Partial<BrokerError>).status === 'number' &&
      typeof (err as Partial<BrokerError>).code === 'string' &&
      typeof (err as Partial<BrokerError>).headers === 'function')
  );
}
