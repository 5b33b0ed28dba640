/**
 * Minting tokens for logins (vault/request_handling.go handleLoginRequest) and printing
 * a token as the `auth` block of a response (reference §3.6).
 */
import type { AuthGrant } from '../backend';
import { invalidRequest } from '../http/errors';
import { authBlock, type AuthBlock } from '../http/envelope';
import type { MountEntry } from '../mounts/mount-table';
import { uuid } from '../util/random';
import { calculateTtl } from './ttl';
import type { TokenEntry, TokenStore } from './token-store';

/**
 * policyutil.SanitizePolicies: trim, lower-case, drop empties; `root` alone wins; add
 * `default` when asked; deduplicate and sort.
 */
export function sanitizePolicies(policies: string[], addDefault: boolean): string[] {
  const cleaned = policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== '');
  if (cleaned.includes('root')) return ['root'];
  if (addDefault && !cleaned.includes('default')) cleaned.push('default');
  return [...new Set(cleaned)].sort();
}

/** Entity ids are stable per (auth mount, alias), as Vault's identity store makes them. */
export class EntityRegistry {
  private readonly ids = new Map<string, string>();

  idFor(mountAccessor: string, alias: string): string {
    const key = `${mountAccessor}\u0000${alias}`;
    let id = this.ids.get(key);
    if (!id) {
      id = uuid();
      this.ids.set(key, id);
    }
    return id;
  }
}

/** The auth block for a token; `leaseDuration` is its current TTL in seconds. */
export function authBlockFor(entry: TokenEntry, leaseDuration: number, clientToken = entry.id): AuthBlock {
  return authBlock({
    client_token: clientToken,
    accessor: entry.accessor,
    policies: entry.policies,
    token_policies: entry.policies,
    metadata: entry.meta,
    lease_duration: leaseDuration,
    renewable: entry.renewable,
    entity_id: entry.entityId,
    token_type: entry.type,
    orphan: entry.parent === '',
    num_uses: entry.numUses < 0 ? 0 : entry.numUses,
  });
}

/** Turn a login's grant into a token (orphan, leased at the login path). */
export function mintLoginToken(
  tokens: TokenStore,
  entities: EntityRegistry,
  mount: MountEntry,
  grant: AuthGrant & { aliasName?: string },
  nowMs: number,
): { entry: TokenEntry; warnings: string[] } {
  const policies = sanitizePolicies(grant.policies, !grant.noDefaultPolicy);
  if (policies.includes('root')) throw invalidRequest('auth methods cannot create root tokens');
  const isBatch = grant.tokenType === 'batch';
  const { ttl, warnings } = calculateTtl({
    increment: 0,
    backendTtl: grant.ttl,
    period: isBatch ? 0 : grant.period,
    backendMaxTtl: grant.maxTtl,
    explicitMaxTtl: isBatch ? 0 : grant.explicitMaxTtl,
    startMs: null,
    nowMs,
    defaultTtl: mount.defaultLeaseTtl || undefined,
    maxTtl: mount.maxLeaseTtl || undefined,
  });
  const alias = grant.aliasName ?? grant.metadata.role_name ?? '';
  const entry = tokens.create({
    parent: '',
    policies,
    path: grant.path,
    meta: grant.metadata,
    displayName: grant.displayName,
    numUses: isBatch ? 0 : grant.numUses,
    ttl,
    explicitMaxTtl: isBatch ? 0 : grant.explicitMaxTtl,
    period: isBatch ? 0 : grant.period,
    renewable: !isBatch,
    type: isBatch ? 'batch' : 'service',
    boundCidrs: grant.boundCidrs,
    entityId: alias ? entities.idFor(mount.accessor, alias) : '',
    authTtl: grant.ttl,
    authMaxTtl: grant.maxTtl,
  });
  return { entry, warnings };
}
