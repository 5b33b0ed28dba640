/**
 * How devvault turns a failure into Vault's HTTP error (reference §0.1, §0.2, §0.6).
 *
 * Two kinds of failure exist in Vault and both are modelled here:
 * - an *error response* (`logical.ErrorResponse("msg")`): the body carries the text as is;
 * - a bare Go error: the core wraps it with go-multierror, so the body reads
 *   "1 error occurred:\n\t* msg\n\n".
 */
import { LogicalError } from '../backend';
import { multierrorText } from '../backends/go-json';

export { multierrorText };

/** An HTTP error that the pipeline answers with `{"errors":[...]}` (plus `data` if given). */
export class VaultHttpError extends Error {
  override readonly name = 'VaultHttpError';
  constructor(
    readonly status: number,
    /** The strings of the `errors` array; may be empty (a plain 404). */
    readonly errors: string[],
    readonly data?: Record<string, unknown>,
  ) {
    super(errors.join('; ') || `status ${status}`);
  }
}

/** The exact 403 bodies of §0.6. */
export const MISSING_CLIENT_TOKEN = 'missing client token';
export const INVALID_TOKEN_TEXT = multierrorText(['permission denied', 'invalid token']);
export const PERMISSION_DENIED_TEXT = multierrorText(['permission denied']);
export const SEALED_TEXT = 'Vault is sealed';
export const BODY_TOO_LARGE_TEXT = 'http: request body too large';
export const INVALID_WRAPPING_TOKEN_TEXT = 'wrapping token is not valid or does not exist';

export function missingClientToken(): VaultHttpError {
  return new VaultHttpError(403, [MISSING_CLIENT_TOKEN]);
}

export function invalidToken(): VaultHttpError {
  return new VaultHttpError(403, [INVALID_TOKEN_TEXT]);
}

export function permissionDenied(): VaultHttpError {
  return new VaultHttpError(403, [PERMISSION_DENIED_TEXT]);
}

export function sealed(): VaultHttpError {
  return new VaultHttpError(503, [SEALED_TEXT]);
}

/** A bare "unsupported path" from a backend's router: 404 in multierror form. */
export function unsupportedPath(): LogicalError {
  return new LogicalError('unsupported path', { plain: true });
}

/** A known path called with an operation it does not take: 405 in multierror form. */
export function unsupportedOperation(): LogicalError {
  return new LogicalError('unsupported operation', { plain: true });
}

/** An error response that Vault pairs with logical.ErrInvalidRequest: 400, plain text. */
export function invalidRequest(message: string): LogicalError {
  return new LogicalError(message, { status: 400 });
}

/** A logical.StatusBadRequest error: 400, multierror-formatted by the core. */
export function statusBadRequest(message: string): LogicalError {
  return new LogicalError(message, { status: 400, plain: true });
}

/**
 * RespondErrorCommon's text table (sdk/logical/response_util.go). Go's errwrap.Contains
 * compares each wrapped error's whole message, so this is an equality check.
 */
const STATUS_BY_TEXT: Record<string, number> = {
  'permission denied': 403,
  'wrapping token is not valid or does not exist': 400,
  'unsupported operation': 405,
  'unsupported path': 404,
  'invalid request': 400,
  'upstream rate limited': 502,
  'rate limit quota exceeded': 429,
  'lease count quota exceeded': 429,
  'required index state not present': 412,
  'functionality on this path has been removed': 404,
  'Vault is sealed': 503,
  'http: request body too large': 413,
};

/** Map a backend's LogicalError to Vault's status and body. */
export function fromLogicalError(err: LogicalError): VaultHttpError {
  const { status, plain, data } = err.options;
  let code = status ?? (plain ? 500 : 400);
  if (status === undefined && STATUS_BY_TEXT[err.message] !== undefined) code = STATUS_BY_TEXT[err.message];
  const text = plain ? multierrorText([err.message]) : err.message;
  return new VaultHttpError(code, [text], data);
}
