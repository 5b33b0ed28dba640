/**
 * POST /v1/enroll: an endpoint exchanges the single-use wrapping token it got through a
 * BigFix secure parameter for its secret ID.
 *
 * 1. role_id → endpoint group (RoleDirectory); an unknown role_id is a plain 401.
 * 2. sys/wrapping/lookup (does not consume the token) and check its creation path is
 *    `auth/<approle mount>/role/<that group>/secret-id`. Anything else (a token from
 *    sys/wrapping/wrap, one for another role) could make the endpoint adopt an identity
 *    chosen by whoever made the token, so it is refused.
 * 3. sys/wrapping/unwrap, which revokes the token.
 *
 * A token that is already used, expired or unknown, or has the wrong creation path, is
 * what interception looks like (Vault's response-wrapping guidance): 401 and a `SECURITY:`
 * log line naming the role and the caller's address. Neither the wrapping token nor the
 * secret ID is ever logged; both are registered with the redactor as soon as we hold them.
 */
import type { Logger, SecretRegistry } from '../audit';
import { InvalidParametersError, UnauthenticatedError, type FieldProblem } from '../errors';
import type { RoleDirectory } from './role-directory';

export interface WrappingInfo {
  creationPath: string;
  /** RFC 3339. */
  creationTime: string;
  creationTtl: number;
}

export interface UnwrappedSecretId {
  secretId: string;
  accessor: string;
  /** Seconds from the secret ID's creation; 0 = never expires. */
  ttl: number;
}

/** Vault refused a wrapping token: used, expired or unknown (400 "wrapping token is not valid or does not exist"). */
export class WrappingTokenInvalidError extends Error {
  override readonly name = 'WrappingTokenInvalidError';
}

export interface WrappingVault {
  /** Throws WrappingTokenInvalidError for a used/expired/unknown token. */
  lookupWrapping(token: string): Promise<WrappingInfo>;
  /** Throws WrappingTokenInvalidError when someone unwrapped it first. */
  unwrapSecretId(token: string): Promise<UnwrappedSecretId>;
}

export interface EnrollResult {
  secret_id: string;
  secret_id_accessor: string;
  /** RFC 3339, or null when the secret ID never expires. */
  expires_at: string | null;
}

export interface EnrollContext {
  requestId: string;
  clientIp: string;
  /** Called with the group name as soon as it is known (for the audit event). */
  onRole?: (role: string) => void;
}

/** Token alphabet of Vault service tokens (hvs.…, s.…) with room for other formats; no spaces or quotes. */
const TOKEN = /^[A-Za-z0-9._~+/=-]{8,4096}$/;
const ROLE_ID = /^[A-Za-z0-9._@/+=-]{1,256}$/;

export function validateEnrollBody(body: unknown): { roleId: string; wrappingToken: string } {
  const problems: FieldProblem[] = [];
  const b = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  if (!b) throw new InvalidParametersError([{ field: 'body', message: 'must be a JSON object with role_id and wrapping_token' }]);
  if (typeof b.role_id !== 'string' || !ROLE_ID.test(b.role_id)) problems.push({ field: 'role_id', message: 'must be a role_id string' });
  if (typeof b.wrapping_token !== 'string' || !TOKEN.test(b.wrapping_token)) problems.push({ field: 'wrapping_token', message: 'must be a wrapping token string' });
  for (const k of Object.keys(b)) if (k !== 'role_id' && k !== 'wrapping_token') problems.push({ field: k, message: 'is not an enroll field' });
  if (problems.length > 0) throw new InvalidParametersError(problems);
  return { roleId: b.role_id as string, wrappingToken: b.wrapping_token as string };
}

const REFUSED = 'the wrapping token was refused: it was already used, has expired, or is not for this role';

export class EnrollmentService {
  constructor(
    private readonly deps: {
      vault: WrappingVault;
      roles: RoleDirectory;
      approleMount: string;
      logger: Logger;
      secrets: SecretRegistry;
      now?: () => number;
    },
  ) {}

  async enroll(body: unknown, ctx: EnrollContext): Promise<EnrollResult> {
    const { roleId, wrappingToken } = validateEnrollBody(body);
    this.deps.secrets.registerSecret(wrappingToken);
    const role = await this.deps.roles.roleFor(roleId);
    if (role === null) throw new UnauthenticatedError('unknown role_id');
    ctx.onRole?.(role);

    const security = (reason: string, detail: Record<string, unknown> = {}) => {
      this.deps.logger.warn(`SECURITY: enrollment refused for role ${role} from ${ctx.clientIp}: ${reason}`, {
        log_type: 'security',
        event: 'enroll_refused',
        request_id: ctx.requestId,
        role_name: role,
        client_ip: ctx.clientIp,
        ...detail,
      });
    };

    let info: WrappingInfo;
    try {
      info = await this.deps.vault.lookupWrapping(wrappingToken);
    } catch (err) {
      if (err instanceof WrappingTokenInvalidError) {
        security('the wrapping token is already used, expired or unknown (possible interception)', { reason: 'wrapping_token_invalid' });
        throw new UnauthenticatedError(REFUSED);
      }
      throw err;
    }
    const expected = `auth/${this.deps.approleMount}/role/${role}/secret-id`;
    if (info.creationPath !== expected) {
      security(`the wrapping token was created at ${JSON.stringify(info.creationPath)}, not ${expected} (possible interception or forgery)`, {
        reason: 'wrong_creation_path',
        creation_path: info.creationPath,
      });
      throw new UnauthenticatedError(REFUSED);
    }

    let unwrapped: UnwrappedSecretId;
    try {
      unwrapped = await this.deps.vault.unwrapSecretId(wrappingToken);
    } catch (err) {
      if (err instanceof WrappingTokenInvalidError) {
        // Valid at lookup, gone at unwrap: someone else unwrapped it in between.
        security('the wrapping token was unwrapped by someone else between lookup and unwrap (possible interception)', { reason: 'wrapping_token_raced' });
        throw new UnauthenticatedError(REFUSED);
      }
      throw err;
    }
    this.deps.secrets.registerSecret(unwrapped.secretId);
    // The secret ID's TTL counts from its creation, which is the wrapping token's creation time.
    const created = Date.parse(info.creationTime);
    const base = Number.isNaN(created) ? (this.deps.now ?? Date.now)() : created;
    return {
      secret_id: unwrapped.secretId,
      secret_id_accessor: unwrapped.accessor,
      expires_at: unwrapped.ttl > 0 ? new Date(base + unwrapped.ttl * 1000).toISOString() : null,
    };
  }
}
