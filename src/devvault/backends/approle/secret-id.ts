/**
 * Secret IDs of a role (path_role.go handleRoleSecretIDCommon, validation.go),
 * reference §3.4–3.5. Only an HMAC of each secret ID is kept, under the role's key,
 * so nothing in memory can be replayed as a credential; the accessor is the handle
 * for listing and management.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { LogicalError } from '../../backend';
import { GO_ZERO_TIME, rfc3339Nano } from '../duration';
import { FieldSchema, Parsed, has } from '../fields';
import { goQuoteList } from '../go-json';
import { MAX_LEASE_TTL_SECONDS } from '../limits';
import { CidrParseError, subsetBlocks, validateCidrList } from './cidr';
import type { Role } from './role';
import { MetadataParseError, parseSecretIdMetadata } from './secret-id-metadata';

export interface SecretIdEntry {
  accessor: string;
  /** Remaining uses; 0 = unlimited. */
  numUses: number;
  /** As requested (seconds); the expiry below uses the capped value. */
  ttl: number;
  creationTime: number;
  expirationTime: number | null;
  lastUpdatedTime: number;
  metadata: Record<string, string>;
  cidrList: string[];
  tokenBoundCidrs: string[];
}

export const SECRET_ID_FIELDS: FieldSchema = {
  secret_id: 'string',
  metadata: 'string',
  cidr_list: 'commaStringSlice',
  token_bound_cidrs: 'commaStringSlice',
  num_uses: 'int',
  ttl: 'duration',
};

export function secretIdHmac(role: Role, secretId: string): string {
  return createHmac('sha256', role.hmacKey).update(secretId).digest('hex');
}

/** deriveSecretIDTTL: negative or above the mount max → the mount max. */
export function deriveSecretIdTtl(ttl: number): number {
  return ttl < 0 || ttl > MAX_LEASE_TTL_SECONDS ? MAX_LEASE_TTL_SECONDS : ttl;
}

/**
 * verifyCIDRRoleSecretIDSubset: a bare Go error (500) when a secret ID's blocks are
 * not inside the role's. `%w` of a nil error prints as "%!w(<nil>)" in Go.
 */
export function verifyCidrSubset(secretIdCidrs: string[], roleCidrs: string[]): void {
  if (secretIdCidrs.length === 0 || roleCidrs.length === 0) return;
  // Single addresses are stored without a mask; Vault appends /32 before comparing.
  const outer = roleCidrs.map((c) => (c.includes('/') ? c : `${c}/32`));
  let ok = false;
  let cause = '%!w(<nil>)';
  try {
    ok = subsetBlocks(outer, secretIdCidrs);
  } catch (err) {
    cause = (err as Error).message;
  }
  if (!ok) {
    throw new LogicalError(
      `failed to verify subset relationship between CIDR blocks on the role ${goQuoteList(outer)} and CIDR blocks on the secret ID ${goQuoteList(secretIdCidrs)}: ${cause}`,
      { plain: true },
    );
  }
}

/** Drops secret IDs whose expiration has come (Vault's periodic tidy, applied eagerly). */
export function tidyExpired(role: Role, now: number): void {
  for (const [hmac, entry] of role.secretIds) {
    if (entry.expirationTime !== null && entry.expirationTime <= now) {
      role.secretIds.delete(hmac);
      role.accessors.delete(entry.accessor);
    }
  }
}

export function removeSecretId(role: Role, hmac: string): void {
  const entry = role.secretIds.get(hmac);
  if (!entry) return;
  role.secretIds.delete(hmac);
  role.accessors.delete(entry.accessor);
}

/**
 * Issues a secret ID for `role` from request fields `f`, in Vault's check order.
 * Returns the response data (secret_id, accessor, capped ttl, num_uses).
 */
export function issueSecretId(role: Role, f: Parsed, secretId: string, now: number): Record<string, unknown> {
  if (!role.bindSecretId) throw new LogicalError('bind_secret_id is not set on the role');

  const cidrList = (f.cidr_list as string[] | undefined) ?? [];
  if (cidrList.length > 0) {
    try {
      validateCidrList(cidrList);
    } catch (err) {
      if (!(err instanceof CidrParseError)) throw err;
      throw new LogicalError('failed to validate CIDR blocks');
    }
  }
  verifyCidrSubset(cidrList, role.secretIdBoundCidrs ?? []);

  const tokenCidrs = (f.token_bound_cidrs as string[] | undefined) ?? [];
  if (tokenCidrs.length > 0) {
    try {
      validateCidrList(tokenCidrs);
    } catch (err) {
      if (!(err instanceof CidrParseError)) throw err;
      throw new LogicalError('failed to validate token CIDR blocks');
    }
  }
  verifyCidrSubset(tokenCidrs, role.tokenBoundCidrs);

  let numUses = role.secretIdNumUses;
  if (has(f, 'num_uses')) {
    numUses = f.num_uses as number;
    if (numUses < 0) throw new LogicalError('num_uses cannot be negative');
    const roleUses = role.secretIdNumUses;
    if ((numUses === 0 && roleUses > 0) || (roleUses > 0 && numUses > roleUses)) {
      throw new LogicalError("num_uses cannot be higher than the role's secret_id_num_uses");
    }
  }

  let ttl = role.secretIdTtl;
  if (has(f, 'ttl')) {
    ttl = f.ttl as number;
    const roleTtl = role.secretIdTtl;
    if ((ttl === 0 && roleTtl > 0) || (roleTtl > 0 && ttl > roleTtl)) {
      throw new LogicalError("ttl cannot be longer than the role's secret_id_ttl");
    }
  }

  let metadata: Record<string, string>;
  try {
    metadata = parseSecretIdMetadata((f.metadata as string | undefined) ?? '');
  } catch (err) {
    if (!(err instanceof MetadataParseError)) throw err;
    throw new LogicalError(`failed to parse metadata: ${err.message}`);
  }

  const hmac = secretIdHmac(role, secretId);
  if (role.secretIds.has(hmac)) {
    throw new LogicalError('failed to store secret_id: SecretID is already registered', { plain: true });
  }
  const effectiveTtl = deriveSecretIdTtl(ttl);
  const entry: SecretIdEntry = {
    accessor: randomUUID(),
    numUses,
    ttl,
    creationTime: now,
    expirationTime: effectiveTtl !== 0 ? now + effectiveTtl * 1000 : null,
    lastUpdatedTime: now,
    metadata,
    cidrList,
    tokenBoundCidrs: tokenCidrs,
  };
  role.secretIds.set(hmac, entry);
  role.accessors.set(entry.accessor, hmac);

  return {
    secret_id: secretId,
    secret_id_accessor: entry.accessor,
    secret_id_num_uses: numUses,
    secret_id_ttl: effectiveTtl,
  };
}

/** secretIDStorageEntry.ToResponseData, keys in Go's order. */
export function secretIdLookupData(entry: SecretIdEntry): Record<string, unknown> {
  const metadata: Record<string, string> = {};
  for (const k of Object.keys(entry.metadata).sort()) metadata[k] = entry.metadata[k];
  return {
    cidr_list: [...entry.cidrList],
    creation_time: rfc3339Nano(entry.creationTime),
    expiration_time: entry.expirationTime === null ? GO_ZERO_TIME : rfc3339Nano(entry.expirationTime),
    last_updated_time: rfc3339Nano(entry.lastUpdatedTime),
    metadata,
    secret_id_accessor: entry.accessor,
    secret_id_num_uses: entry.numUses,
    secret_id_ttl: entry.ttl,
    token_bound_cidrs: [...entry.tokenBoundCidrs],
  };
}
