/**
 * The body of `auth/approle/role/<role>/secret-id` for `secret-id issue`: metadata
 * (computer id and the endpoint's CIDR, which the broker enforces) and optional
 * Vault-side limits. Validated here so a typo fails before anything reaches Vault.
 */
import { parseDuration } from '../vault-policy/duration';
import { CIDR_METADATA_KEY, COMPUTER_ID_METADATA_KEY } from './binding';
import { parseCidr } from './cidr';

export interface SecretIdOptions {
  computerId?: string;
  /** The endpoint's address or network, enforced by the broker (metadata `cidr`). */
  cidr?: string[];
  /** Vault's own `cidr_list`: checked against the address that logs in (the broker, or the endpoint in Bearer mode). */
  loginCidr?: string[];
  ttl?: string;
  numUses?: number;
}

export interface SecretIdRequestBody {
  metadata?: string;
  cidr_list?: string[];
  ttl?: number;
  num_uses?: number;
}

export class SecretIdOptionError extends Error {
  override readonly name = 'SecretIdOptionError';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
  }
}

/** BigFix computer ids are integers; we accept a little more (ids from other tools) but nothing that needs quoting. */
const COMPUTER_ID = /^[A-Za-z0-9._-]{1,64}$/;

function checkCidrs(option: string, list: string[]): string[] {
  for (const c of list) {
    if (parseCidr(c) === null) throw new SecretIdOptionError(option, `${JSON.stringify(c)} is not an IP address or CIDR block`);
  }
  return list;
}

export function buildSecretIdRequest(opts: SecretIdOptions): SecretIdRequestBody {
  const body: SecretIdRequestBody = {};
  const metadata: Record<string, string> = {};
  if (opts.computerId !== undefined) {
    if (!COMPUTER_ID.test(opts.computerId)) {
      throw new SecretIdOptionError('--computer-id', 'must be 1-64 letters, digits, ".", "_" or "-"');
    }
    metadata[COMPUTER_ID_METADATA_KEY] = opts.computerId;
  }
  if (opts.cidr && opts.cidr.length > 0) metadata[CIDR_METADATA_KEY] = checkCidrs('--cidr', opts.cidr).join(',');
  // Vault takes metadata as a JSON *string* of string values (reference §3.4).
  if (Object.keys(metadata).length > 0) body.metadata = JSON.stringify(metadata);
  if (opts.loginCidr && opts.loginCidr.length > 0) body.cidr_list = checkCidrs('--login-cidr', opts.loginCidr);
  if (opts.ttl !== undefined) {
    let seconds: number;
    try {
      seconds = parseDuration(opts.ttl);
    } catch {
      throw new SecretIdOptionError('--ttl', 'must be a duration like "24h", "30d" or whole seconds');
    }
    if (seconds <= 0) throw new SecretIdOptionError('--ttl', 'must be more than 0');
    body.ttl = seconds;
  }
  if (opts.numUses !== undefined) {
    if (!Number.isSafeInteger(opts.numUses) || opts.numUses < 0) throw new SecretIdOptionError('--num-uses', 'must be a whole number, 0 or more');
    body.num_uses = opts.numUses;
  }
  return body;
}

/** The wrap TTL for X-Vault-Wrap-TTL, in seconds (1 minute to 24 hours, matching bigfix-operator.hcl). */
export function parseWrapTtl(text: string): number {
  let seconds: number;
  try {
    seconds = parseDuration(text);
  } catch {
    throw new SecretIdOptionError('--wrap-ttl', 'must be a duration like "10m" or "8h"');
  }
  if (seconds < 60 || seconds > 86400) throw new SecretIdOptionError('--wrap-ttl', 'must be between 1m and 24h');
  return seconds;
}
