/**
 * The `data` of auth/token/lookup* (token_store.go handleLookup, reference §4.3). Keys
 * are in sorted order, as Go prints a map.
 */
import type { Clock } from '../backend';
import type { LeaseRegistry } from '../leases/lease-registry';
import { rfc3339Nano, unixSeconds } from '../util/time';
import type { TokenEntry, TokenStore } from './token-store';

/** leaseEntry.ttl(): whole seconds from now (rounded to the second) to the expiry. */
export function remainingSeconds(expireMs: number, nowMs: number): number {
  const now = Math.round(nowMs / 1000) * 1000;
  return Math.trunc((expireMs - now) / 1000);
}

export function tokenLookupData(
  entry: TokenEntry,
  deps: { tokens: TokenStore; leases: LeaseRegistry; clock: Clock },
): Record<string, unknown> {
  const data: Record<string, unknown> = {
    accessor: entry.accessor,
    creation_time: unixSeconds(entry.creationTime),
    creation_ttl: entry.ttl,
    display_name: entry.displayName,
    entity_id: entry.entityId,
    expire_time: null,
    explicit_max_ttl: entry.explicitMaxTtl,
    id: entry.id,
    meta: entry.meta,
    // On its last use the entry is "revocation pending" (-1); show what is left: 0.
    num_uses: entry.numUses < 0 ? 0 : entry.numUses,
    orphan: entry.parent === '',
    path: entry.path,
    policies: entry.policies,
    renewable: false,
    ttl: 0,
    type: entry.type,
  };
  if (entry.period !== 0) data.period = entry.period;
  if (entry.boundCidrs.length > 0) data.bound_cidrs = entry.boundCidrs;

  const now = deps.clock.now();
  if (entry.type === 'batch') {
    const issue = unixSeconds(entry.creationTime) * 1000;
    data.issue_time = rfc3339Nano(issue);
    if (entry.ttl > 0) {
      data.expire_time = rfc3339Nano(issue + entry.ttl * 1000);
      data.ttl = remainingSeconds(issue + entry.ttl * 1000, now);
    }
  } else if (entry.leaseId !== null) {
    const lease = deps.leases.get(entry.leaseId);
    if (lease) {
      data.issue_time = rfc3339Nano(lease.issueTime);
      if (lease.lastRenewal !== null) {
        data.last_renewal = rfc3339Nano(lease.lastRenewal);
        data.last_renewal_time = unixSeconds(lease.lastRenewal);
      }
      if (lease.expireTime !== null) {
        data.expire_time = rfc3339Nano(lease.expireTime);
        data.ttl = remainingSeconds(lease.expireTime, now);
      }
      data.renewable = lease.renewable && (lease.expireTime === null || lease.expireTime >= now);
    }
  }
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(data).sort()) sorted[key] = data[key];
  return sorted;
}
