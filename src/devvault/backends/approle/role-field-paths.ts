/**
 * The one-field sub-paths of a role (role/:name/policies, …/secret-id-ttl, …), each
 * with Vault's read shape, its "missing <field>" message and its reset value on DELETE
 * (path_role.go). Writes then go through the same save rules as a full role write.
 */
import type { BackendResponse } from '../../backend';
import { LogicalError } from '../../backend';
import { goDurationString } from '../duration';
import { FieldSchema, Parsed, has } from '../fields';
import { MAX_LEASE_TTL_SECONDS } from '../limits';
import { normalizeSockAddr, validateCidrList } from './cidr';
import { Role, sanitizePolicies } from './role';

export interface RoleFieldPath {
  fields: FieldSchema;
  read?: (role: Role) => BackendResponse;
  update?: (role: Role, f: Parsed) => void;
  reset?: (role: Role) => void;
}

function missing(field: string): never {
  throw new LogicalError(`missing ${field}`);
}

function simple(
  field: string,
  type: FieldSchema[string],
  get: (r: Role) => unknown,
  set: (r: Role, v: never) => void,
  zero: unknown,
  check?: (r: Role) => void,
): RoleFieldPath {
  return {
    fields: { [field]: type },
    read: (r) => ({ data: { [field]: get(r) } }),
    update: (r, f) => {
      if (!has(f, field)) missing(field);
      set(r, f[field] as never);
      check?.(r);
    },
    reset: (r) => set(r, zero as never),
  };
}

function cidrPath(kind: 'secret' | 'token' | 'legacy'): RoleFieldPath {
  const readField = kind === 'secret' ? 'secret_id_bound_cidrs' : kind === 'token' ? 'token_bound_cidrs' : 'bound_cidr_list';
  const fields: FieldSchema =
    kind === 'token'
      ? { token_bound_cidrs: 'commaStringSlice' }
      : kind === 'secret'
        ? { secret_id_bound_cidrs: 'commaStringSlice' }
        : { bound_cidr_list: 'commaStringSlice' };
  return {
    fields,
    read: (r) => {
      if (kind === 'legacy') {
        // Stored lists are upgraded to secret_id_bound_cidrs, so the legacy field reads empty.
        return {
          data: { bound_cidr_list: null },
          warnings: ['The "bound_cidr_list" field is deprecated and will be removed. Please use "secret_id_bound_cidrs" instead.'],
        };
      }
      return { data: { [readField]: kind === 'secret' ? r.secretIdBoundCidrs : [...r.tokenBoundCidrs] } };
    },
    update: (r, f) => {
      const cidrs = (f.secret_id_bound_cidrs ?? f.bound_cidr_list) as string[] | undefined;
      if (cidrs !== undefined) {
        if (cidrs.length === 0) missing('bound_cidr_list');
        try {
          validateCidrList(cidrs);
        } catch (err) {
          throw new LogicalError(`failed to validate CIDR blocks: ${(err as Error).message}`);
        }
        r.secretIdBoundCidrs = cidrs;
      } else if (has(f, 'token_bound_cidrs')) {
        try {
          r.tokenBoundCidrs = (f.token_bound_cidrs as string[]).map((a) => {
            try {
              return normalizeSockAddr(a);
            } catch (err) {
              throw new Error(`error parsing address ${JSON.stringify(a)}: ${(err as Error).message}`);
            }
          });
        } catch (err) {
          throw new LogicalError(`failed to parse token_bound_cidrs: ${(err as Error).message}`);
        }
      }
    },
    reset: (r) => {
      if (kind === 'token') r.tokenBoundCidrs = [];
      else if (kind === 'secret') r.secretIdBoundCidrs = null;
    },
  };
}

export const ROLE_FIELD_PATHS: Record<string, RoleFieldPath> = {
  'local-secret-ids': {
    fields: {},
    read: (r) => ({ data: { local_secret_ids: r.localSecretIds } }),
  },
  policies: {
    fields: { policies: 'commaStringSlice', token_policies: 'commaStringSlice' },
    read: (r) => {
      const data: Record<string, unknown> = {};
      if (r.policies && r.policies.length > 0) data.policies = [...r.policies];
      data.token_policies = r.tokenPolicies ? [...r.tokenPolicies] : [];
      return { data };
    },
    update: (r, f) => {
      if (has(f, 'token_policies')) {
        r.tokenPolicies = sanitizePolicies(f.token_policies as string[], false);
        r.policies = has(f, 'policies') ? r.tokenPolicies : null;
      } else if (has(f, 'policies')) {
        r.policies = sanitizePolicies(f.policies as string[], false);
        r.tokenPolicies = r.policies;
      } else {
        missing('token_policies');
      }
    },
    reset: (r) => {
      r.tokenPolicies = null;
      r.policies = null;
    },
  },
  'bound-cidr-list': cidrPath('legacy'),
  'secret-id-bound-cidrs': cidrPath('secret'),
  'token-bound-cidrs': cidrPath('token'),
  'bind-secret-id': simple('bind_secret_id', 'bool', (r) => r.bindSecretId, (r, v: boolean) => (r.bindSecretId = v), true),
  'secret-id-num-uses': simple(
    'secret_id_num_uses',
    'int',
    (r) => r.secretIdNumUses,
    (r, v: number) => (r.secretIdNumUses = v),
    0,
    (r) => {
      if (r.secretIdNumUses < 0) throw new LogicalError('secret_id_num_uses cannot be negative');
    },
  ),
  'secret-id-ttl': simple('secret_id_ttl', 'duration', (r) => r.secretIdTtl, (r, v: number) => (r.secretIdTtl = v), 0),
  'token-num-uses': simple('token_num_uses', 'int', (r) => r.tokenNumUses, (r, v: number) => (r.tokenNumUses = v), 0),
  'token-ttl': simple(
    'token_ttl',
    'duration',
    (r) => r.tokenTtl,
    (r, v: number) => (r.tokenTtl = v),
    0,
    (r) => {
      if (r.tokenMaxTtl > 0 && r.tokenTtl > r.tokenMaxTtl) {
        throw new LogicalError('token_ttl should not be greater than token_max_ttl');
      }
    },
  ),
  'token-max-ttl': simple(
    'token_max_ttl',
    'duration',
    (r) => r.tokenMaxTtl,
    (r, v: number) => (r.tokenMaxTtl = v),
    0,
    (r) => {
      if (r.tokenMaxTtl > 0 && r.tokenTtl > r.tokenMaxTtl) {
        throw new LogicalError('token_max_ttl should be greater than or equal to token_ttl');
      }
    },
  ),
  period: {
    fields: { period: 'duration', token_period: 'duration' },
    read: (r) => {
      const data: Record<string, unknown> = {};
      if (r.period > 0) data.period = r.period;
      data.token_period = r.tokenPeriod;
      return { data };
    },
    update: (r, f) => {
      if (has(f, 'token_period')) {
        r.tokenPeriod = f.token_period as number;
        r.period = has(f, 'period') ? r.tokenPeriod : 0;
      } else if (has(f, 'period')) {
        r.period = f.period as number;
        r.tokenPeriod = r.period;
      } else {
        missing('period');
      }
      if (r.tokenPeriod > MAX_LEASE_TTL_SECONDS) {
        throw new LogicalError(
          `period of ${JSON.stringify(goDurationString(r.period))} is greater than the backend's maximum lease TTL of ${JSON.stringify(goDurationString(MAX_LEASE_TTL_SECONDS))}`,
        );
      }
    },
    reset: (r) => {
      r.tokenPeriod = 0;
      r.period = 0;
    },
  },
};
