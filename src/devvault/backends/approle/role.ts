/**
 * An AppRole role and the rules for changing it (path_role.go pathRoleCreateUpdate,
 * sdk/helper/tokenutil ParseTokenFields), reference §3.2. Field parsing and checks
 * run in Vault's order so the first problem reported is the one Vault reports.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { LogicalError } from '../../backend';
import { goDurationString } from '../duration';
import { FieldSchema, Parsed, has } from '../fields';
import { MAX_LEASE_TTL_SECONDS } from '../limits';
import { CidrParseError, normalizeSockAddr, validateCidrList } from './cidr';
import type { SecretIdEntry } from './secret-id';

export type TokenTypeSetting = 'default' | 'service' | 'batch';

export interface Role {
  /** Lower-cased; roles are stored and found case-insensitively. */
  name: string;
  roleId: string;
  /** Per-role key; secret IDs are kept only as HMACs under it, like Vault. */
  hmacKey: Buffer;
  bindSecretId: boolean;
  /** null until set (Vault shows `null` for a role that never had any). */
  secretIdBoundCidrs: string[] | null;
  secretIdNumUses: number;
  secretIdTtl: number;
  localSecretIds: boolean;
  tokenBoundCidrs: string[];
  tokenExplicitMaxTtl: number;
  tokenMaxTtl: number;
  tokenNoDefaultPolicy: boolean;
  tokenNumUses: number;
  tokenPeriod: number;
  tokenPolicies: string[] | null;
  tokenTtl: number;
  tokenType: TokenTypeSetting;
  /** Deprecated `policies` and `period`, still echoed on read when set. */
  policies: string[] | null;
  period: number;
  /** Secret IDs by HMAC, and accessor → HMAC. */
  secretIds: Map<string, SecretIdEntry>;
  accessors: Map<string, string>;
}

export const ROLE_FIELDS: FieldSchema = {
  bind_secret_id: 'bool',
  bound_cidr_list: 'commaStringSlice',
  secret_id_bound_cidrs: 'commaStringSlice',
  policies: 'commaStringSlice',
  secret_id_num_uses: 'int',
  secret_id_ttl: 'duration',
  period: 'duration',
  role_id: 'string',
  local_secret_ids: 'bool',
  token_bound_cidrs: 'commaStringSlice',
  token_explicit_max_ttl: 'duration',
  token_max_ttl: 'duration',
  token_no_default_policy: 'bool',
  token_period: 'duration',
  token_policies: 'commaStringSlice',
  token_type: 'string',
  token_ttl: 'duration',
  token_num_uses: 'int',
};

/** Vault's GenericNameRegex for role names. */
export const ROLE_NAME = '\\w(?:[\\w\\-.@]*\\w)?';
const MAX_ROLE_NAME_BYTES = 4096;

export function newRole(name: string): Role {
  return {
    name: name.toLowerCase(),
    roleId: '',
    hmacKey: randomBytes(32),
    bindSecretId: true,
    secretIdBoundCidrs: null,
    secretIdNumUses: 0,
    secretIdTtl: 0,
    localSecretIds: false,
    tokenBoundCidrs: [],
    tokenExplicitMaxTtl: 0,
    tokenMaxTtl: 0,
    tokenNoDefaultPolicy: false,
    tokenNumUses: 0,
    tokenPeriod: 0,
    tokenPolicies: null,
    tokenTtl: 0,
    tokenType: 'default',
    policies: null,
    period: 0,
    secretIds: new Map(),
    accessors: new Map(),
  };
}

/** A copy to mutate, so a request that fails half-way changes nothing. */
export function cloneRole(role: Role): Role {
  return {
    ...role,
    secretIdBoundCidrs: role.secretIdBoundCidrs ? [...role.secretIdBoundCidrs] : null,
    tokenBoundCidrs: [...role.tokenBoundCidrs],
    tokenPolicies: role.tokenPolicies ? [...role.tokenPolicies] : null,
    policies: role.policies ? [...role.policies] : null,
  };
}

export function checkRoleNameLength(name: string): void {
  if (Buffer.byteLength(name) > MAX_ROLE_NAME_BYTES) {
    throw new LogicalError(`role_name is longer than maximum of ${MAX_ROLE_NAME_BYTES} bytes`);
  }
}

/** policyutil.SanitizePolicies: trimmed, lower-cased, de-duplicated, sorted; root stands alone. */
export function sanitizePolicies(policies: string[], addDefault: boolean): string[] {
  const cleaned = policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== '');
  if (cleaned.includes('root')) return ['root'];
  if (addDefault && !cleaned.includes('default')) cleaned.push('default');
  return [...new Set(cleaned)].sort();
}

/** tokenutil.ParseTokenFields; each failure is a 400 (ErrorResponse + ErrInvalidRequest). */
function parseTokenFields(role: Role, f: Parsed): void {
  if (has(f, 'token_bound_cidrs')) {
    try {
      role.tokenBoundCidrs = (f.token_bound_cidrs as string[]).map((addr) => {
        try {
          return normalizeSockAddr(addr);
        } catch (err) {
          throw new CidrParseError(`error parsing address ${JSON.stringify(addr)}: ${(err as Error).message}`);
        }
      });
    } catch (err) {
      throw new LogicalError((err as Error).message);
    }
  }
  if (has(f, 'token_explicit_max_ttl')) role.tokenExplicitMaxTtl = f.token_explicit_max_ttl as number;
  if (has(f, 'token_max_ttl')) role.tokenMaxTtl = f.token_max_ttl as number;
  if (role.tokenMaxTtl < 0) throw new LogicalError("'token_max_ttl' cannot be negative");
  if (has(f, 'token_no_default_policy')) role.tokenNoDefaultPolicy = f.token_no_default_policy as boolean;
  if (has(f, 'token_period')) role.tokenPeriod = f.token_period as number;
  if (role.tokenPeriod < 0) throw new LogicalError("'token_period' cannot be negative");
  if (has(f, 'token_policies')) role.tokenPolicies = f.token_policies as string[];
  if (has(f, 'token_type')) {
    const t = f.token_type as string;
    if (t === '' || t === 'default') role.tokenType = 'default';
    else if (t === 'service' || t === 'batch') role.tokenType = t;
    else throw new LogicalError(`invalid 'token_type' value ${JSON.stringify(t)}`);
  }
  if (has(f, 'token_num_uses')) role.tokenNumUses = f.token_num_uses as number;
  if (role.tokenNumUses < 0) throw new LogicalError("'token_num_uses' cannot be negative");
  if (role.tokenType === 'batch') {
    if (role.tokenPeriod !== 0) {
      throw new LogicalError("'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens");
    }
    if (role.tokenNumUses !== 0) {
      throw new LogicalError(
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count",
      );
    }
  }
  if (has(f, 'token_ttl')) role.tokenTtl = f.token_ttl as number;
  if (role.tokenTtl < 0) throw new LogicalError("'token_ttl' cannot be negative");
  if (role.tokenTtl > 0 && role.tokenMaxTtl > 0 && role.tokenTtl > role.tokenMaxTtl) {
    throw new LogicalError("'token_ttl' cannot be greater than 'token_max_ttl'");
  }
}

/**
 * Validates a secret_id_bound_cidrs list. Vault (role create) answers a bad block
 * with a bare Go error, hence a 500 carrying net.ParseCIDR's text.
 */
function checkSecretIdBoundCidrs(cidrs: string[]): void {
  if (cidrs.length === 0) return;
  try {
    validateCidrList(cidrs);
  } catch (err) {
    throw new LogicalError(`failed to validate CIDR blocks: ${(err as Error).message}`, { plain: true });
  }
}

/** tokenutil.UpgradeValue for the deprecated list/duration pairs. */
function upgradeLegacy(role: Role, f: Parsed): void {
  if (!has(f, 'token_policies')) {
    if (has(f, 'policies')) {
      role.policies = sanitizePolicies(f.policies as string[], false);
      role.tokenPolicies = role.policies;
    }
  } else {
    role.policies = has(f, 'policies') ? role.tokenPolicies : null;
  }
  if (!has(f, 'token_period')) {
    if (has(f, 'period')) {
      role.period = f.period as number;
      role.tokenPeriod = role.period;
    }
  } else {
    role.period = has(f, 'period') ? role.tokenPeriod : 0;
  }
}

/**
 * Applies a create/update request to `role` (already a private copy). Returns the
 * warnings Vault would add. `create` is true when the role did not exist.
 */
export function applyRoleFields(role: Role, f: Parsed, rawTokenType: unknown, create: boolean): string[] {
  const warnings: string[] = [];
  // Backwards compatibility: default-service/default-batch become service/batch.
  if (rawTokenType === 'default-service') {
    f.token_type = 'service';
    warnings.push('default-service has no useful meaning; adjusting to service');
  } else if (rawTokenType === 'default-batch') {
    f.token_type = 'batch';
    warnings.push('default-batch has no useful meaning; adjusting to batch');
  }
  parseTokenFields(role, f);

  if (has(f, 'local_secret_ids')) {
    if (!create) throw new LogicalError('local_secret_ids can only be modified during role creation');
    role.localSecretIds = f.local_secret_ids as boolean;
  }

  if (has(f, 'role_id')) role.roleId = f.role_id as string;
  else if (create) role.roleId = randomUUID();
  if (role.roleId === '') throw new LogicalError('invalid role_id supplied, or failed to generate a role_id');

  if (has(f, 'bind_secret_id')) role.bindSecretId = f.bind_secret_id as boolean;

  if (has(f, 'secret_id_bound_cidrs')) role.secretIdBoundCidrs = f.secret_id_bound_cidrs as string[];
  else if (has(f, 'bound_cidr_list')) role.secretIdBoundCidrs = f.bound_cidr_list as string[];
  checkSecretIdBoundCidrs(role.secretIdBoundCidrs ?? []);

  if (has(f, 'secret_id_num_uses')) role.secretIdNumUses = f.secret_id_num_uses as number;
  if (role.secretIdNumUses < 0) throw new LogicalError('secret_id_num_uses cannot be negative');

  if (has(f, 'secret_id_ttl')) role.secretIdTtl = f.secret_id_ttl as number;

  upgradeLegacy(role, f);

  if (role.period > MAX_LEASE_TTL_SECONDS) {
    throw new LogicalError(
      `period of ${JSON.stringify(goDurationString(role.period))} is greater than the backend's maximum lease TTL of ${JSON.stringify(goDurationString(MAX_LEASE_TTL_SECONDS))}`,
    );
  }
  if (role.tokenMaxTtl > MAX_LEASE_TTL_SECONDS) {
    warnings.push(
      "token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
    );
  }
  return warnings;
}

/** validateRoleConstraints: a role must require something at login. */
export function hasConstraint(role: Role): boolean {
  return role.bindSecretId || (role.secretIdBoundCidrs ?? []).length > 0 || role.tokenBoundCidrs.length > 0;
}

/** The `data` of GET role/:name, keys in Go's (sorted) order. */
export function roleReadData(role: Role): Record<string, unknown> {
  const data: Record<string, unknown> = {
    bind_secret_id: role.bindSecretId,
    local_secret_ids: role.localSecretIds,
  };
  if (role.period !== 0) data.period = role.period;
  if (role.policies && role.policies.length > 0) data.policies = [...role.policies];
  Object.assign(data, {
    secret_id_bound_cidrs: role.secretIdBoundCidrs ? [...role.secretIdBoundCidrs] : null,
    secret_id_num_uses: role.secretIdNumUses,
    secret_id_ttl: role.secretIdTtl,
    token_bound_cidrs: [...role.tokenBoundCidrs],
    token_explicit_max_ttl: role.tokenExplicitMaxTtl,
    token_max_ttl: role.tokenMaxTtl,
    token_no_default_policy: role.tokenNoDefaultPolicy,
    token_num_uses: role.tokenNumUses,
    token_period: role.tokenPeriod,
    token_policies: role.tokenPolicies ? [...role.tokenPolicies] : [],
    token_ttl: role.tokenTtl,
    token_type: role.tokenType,
  });
  return data;
}
