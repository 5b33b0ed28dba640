/**
 * The secret-ID binding the broker enforces after an endpoint's login.
 *
 * Vault checks a secret ID's `cidr_list` against the address that logs in, which is the
 * broker (or a proxy in front of Vault, hashicorp/vault#12334), not the endpoint. So the
 * endpoint's own network goes into the secret-ID metadata as `cidr` (`secret-id issue
 * --cidr`), Vault copies it into the login's token metadata, and the broker compares it
 * with the caller's address. The metadata comes from Vault's login response, never from
 * what the caller sends.
 */
import { cidrsContain, parseCidr } from './cidr';

/** Metadata key holding the endpoint's CIDR(s), comma-separated. */
export const CIDR_METADATA_KEY = 'cidr';
/** Metadata key holding the BigFix computer id, for the audit trail. */
export const COMPUTER_ID_METADATA_KEY = 'computer_id';

export type BindingResult =
  | { ok: true; cidrs: string[] }
  | { ok: false; reason: 'outside-cidr' | 'no-binding' | 'malformed-binding'; cidrs: string[] };

export function splitCidrs(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

export function checkBinding(
  metadata: Readonly<Record<string, string>> | null | undefined,
  clientIp: string,
  options: { requireCidr: boolean },
): BindingResult {
  const cidrs = splitCidrs(metadata?.[CIDR_METADATA_KEY]);
  if (cidrs.length === 0) return options.requireCidr ? { ok: false, reason: 'no-binding', cidrs } : { ok: true, cidrs };
  // Fail closed: a binding we cannot read must not turn into "no binding".
  if (cidrs.some((c) => parseCidr(c) === null)) return { ok: false, reason: 'malformed-binding', cidrs };
  return cidrsContain(cidrs, clientIp) ? { ok: true, cidrs } : { ok: false, reason: 'outside-cidr', cidrs };
}

/**
 * The check as the use cases run it: after the endpoint's login, before anything else.
 * A mismatch is 403 with a `SECURITY:` log line (a secret ID used from outside the network
 * it was issued for is what a stolen one looks like).
 */
export class CidrBinding {
  constructor(
    private readonly options: {
      requireCidr: boolean;
      logger: { warn(message: string, fields?: Record<string, unknown>): void };
      /** Builds the error to throw (the taxonomy's ForbiddenError, passed in to keep this module pure). */
      forbidden: (message: string) => Error;
    },
  ) {}

  enforce(identity: { roleName: string; metadata: Readonly<Record<string, string>> }, clientIp: string | undefined, requestId: string): void {
    const ip = clientIp ?? '';
    const result = checkBinding(identity.metadata, ip, { requireCidr: this.options.requireCidr });
    if (result.ok) return;
    const computer = identity.metadata[COMPUTER_ID_METADATA_KEY];
    const why =
      result.reason === 'no-binding'
        ? 'its secret ID carries no CIDR binding and endpoint_auth.require_cidr_binding is on'
        : result.reason === 'malformed-binding'
          ? `its secret-ID CIDR binding ${JSON.stringify(result.cidrs.join(','))} cannot be read`
          : `the caller's address is outside the secret-ID binding ${result.cidrs.join(',')} (possible stolen secret ID)`;
    this.options.logger.warn(`SECURITY: refused role ${identity.roleName}${computer ? ` computer ${computer}` : ''} from ${ip || 'unknown address'}: ${why}`, {
      log_type: 'security',
      event: 'binding_refused',
      request_id: requestId,
      role_name: identity.roleName,
      computer_id: computer,
      client_ip: ip,
      reason: result.reason,
      bound_cidrs: result.cidrs,
    });
    throw this.options.forbidden('this endpoint identity may not be used from this address');
  }
}
