/**
 * Token renewal (ExpirationManager.RenewToken + renewAuthEntry): the token's auth lease
 * is extended by CalculateTTL from its issue time, within its max TTL and explicit max.
 */
import { invalidRequest } from '../http/errors';
import type { CoreServices } from '../internal-backend';
import type { TokenEntry } from './token-store';
import { calculateTtl } from './ttl';

export function renewToken(
  core: Pick<CoreServices, 'leases' | 'clock'>,
  entry: TokenEntry,
  increment: number,
): { ttl: number; warnings: string[] } {
  const lease = entry.leaseId === null ? undefined : core.leases.get(entry.leaseId);
  const now = core.clock.now();
  // leaseEntry.renewable(); a non-expiring token (root) has no lease at all.
  if (!lease || lease.expireTime === null || !lease.renewable) throw invalidRequest('lease is not renewable');
  if (lease.expireTime < now) throw invalidRequest('lease expired');
  const { ttl, warnings } = calculateTtl({
    increment,
    backendTtl: entry.authTtl,
    period: entry.period,
    backendMaxTtl: entry.authMaxTtl,
    explicitMaxTtl: entry.explicitMaxTtl,
    startMs: lease.issueTime,
    nowMs: now,
  });
  core.leases.extend(lease.id, now + ttl * 1000);
  // Tokens from the token store renew from their last TTL; logins recompute from the role.
  if (entry.path.startsWith('auth/token/')) entry.authTtl = ttl;
  return { ttl, warnings };
}
