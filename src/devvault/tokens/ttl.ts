/**
 * framework.CalculateTTL (sdk/framework/lease.go): how Vault picks a token or lease TTL
 * from the requested increment, the backend's TTL, a period, the backend's and the
 * mount's maximum and an explicit max TTL, measured from the lease's start.
 */
import { LogicalError } from '../backend';
import { goDurationString } from '../util/time';

/** A `vault server -dev` mount: 768h default and max (reference §11). */
export const SYSTEM_DEFAULT_TTL = 2764800;
export const SYSTEM_MAX_TTL = 2764800;

export interface TtlRequest {
  /** Seconds asked for by a renewal; 0 = none. */
  increment: number;
  backendTtl: number;
  period: number;
  backendMaxTtl: number;
  explicitMaxTtl: number;
  /** When the lease started (ms); null = now. */
  startMs: number | null;
  nowMs: number;
  defaultTtl?: number;
  maxTtl?: number;
}

function q(seconds: number): string {
  return JSON.stringify(goDurationString(seconds));
}

export function calculateTtl(r: TtlRequest): { ttl: number; warnings: string[] } {
  const warnings: string[] = [];
  // Vault truncates both times to the second, the precision of TTLs.
  const now = Math.floor(r.nowMs / 1000);
  const start = r.startMs === null ? now : Math.floor(r.startMs / 1000);
  let maxTtl = r.maxTtl ?? SYSTEM_MAX_TTL;
  if (r.backendMaxTtl > 0 && r.backendMaxTtl < maxTtl) maxTtl = r.backendMaxTtl;
  if (r.explicitMaxTtl > 0 && r.explicitMaxTtl < maxTtl) maxTtl = r.explicitMaxTtl;
  if (maxTtl <= 0) throw new LogicalError('max TTL must be greater than zero', { plain: true });

  let ttl: number;
  let maxValid: number | null = null;
  if (r.period > 0) {
    let period = r.period;
    if (period > maxTtl) {
      warnings.push(`period of ${q(period)} exceeded the effective max_ttl of ${q(maxTtl)}; period value is capped accordingly`);
      period = maxTtl;
    }
    ttl = period;
    if (r.explicitMaxTtl > 0) maxValid = start + r.explicitMaxTtl;
  } else {
    if (r.increment > 0) ttl = r.increment;
    else if (r.backendTtl > 0) ttl = r.backendTtl;
    else ttl = r.defaultTtl ?? SYSTEM_DEFAULT_TTL;
    maxValid = start + maxTtl;
  }
  if (maxValid !== null) {
    const maxValidTtl = maxValid - now;
    if (maxValidTtl <= 0) throw new LogicalError('past the max TTL, cannot renew', { plain: true });
    if (maxValidTtl - ttl < 0) {
      warnings.push(`TTL of ${q(ttl)} exceeded the effective max_ttl of ${q(maxValidTtl)}; TTL value is capped accordingly`);
      ttl = maxValidTtl;
    }
  }
  return { ttl, warnings };
}
