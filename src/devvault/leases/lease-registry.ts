/**
 * The lease registry (Vault's ExpirationManager, reduced): every token with a TTL and
 * every leased secret has an entry with issue/expire/renewal times. Entries expire by the
 * injected clock: `expireDue()` runs at the start of each request and revokes whatever
 * is past its expire time, so no timer and no sleeping test is needed.
 */
import type { Clock } from '../backend';
import { ExpiryHeap } from '../util/expiry-heap';

export type LeaseKind = 'auth' | 'secret';

export interface Lease {
  /** "auth/approle/login/h<hex>" or "<mount>/creds/<role>/<random>". */
  id: string;
  kind: LeaseKind;
  issueTime: number;
  /** ms; null = never expires. */
  expireTime: number | null;
  lastRenewal: number | null;
  renewable: boolean;
  /** For auth leases: the token id; for secret leases: the token that obtained it. */
  tokenId: string;
  /** Called once when the lease is revoked (expiry, revoke, revoke-prefix, token revocation). */
  onRevoke: () => void;
  /**
   * For secret leases: extend by `increment` seconds; returns the new TTL and warnings.
   * Absent = the backend cannot renew it.
   */
  onRenew?: (increment: number) => { ttl: number; warnings: string[] };
}

export class LeaseRegistry {
  private readonly leases = new Map<string, Lease>();
  private readonly byToken = new Map<string, Set<string>>();
  private readonly heap = new ExpiryHeap();

  constructor(private readonly clock: Clock) {}

  register(lease: Lease): void {
    this.leases.set(lease.id, lease);
    let set = this.byToken.get(lease.tokenId);
    if (!set) {
      set = new Set();
      this.byToken.set(lease.tokenId, set);
    }
    set.add(lease.id);
    if (lease.expireTime !== null) this.heap.push(lease.expireTime, lease.id);
  }

  get(id: string): Lease | undefined {
    return this.leases.get(id);
  }

  /** Move a lease's expiry (renewal). */
  extend(id: string, expireTime: number): void {
    const lease = this.leases.get(id);
    if (!lease) return;
    lease.expireTime = expireTime;
    lease.lastRenewal = this.clock.now();
    this.heap.push(expireTime, id);
  }

  /** Revoke one lease; unknown ids are ignored (Vault's revoke is idempotent). */
  revoke(id: string): void {
    const lease = this.leases.get(id);
    if (!lease) return;
    this.forget(lease);
    lease.onRevoke();
  }

  /** Drop a lease without calling its revoke hook (its owner is already gone). */
  forget(lease: Lease): void {
    this.leases.delete(lease.id);
    const set = this.byToken.get(lease.tokenId);
    set?.delete(lease.id);
    if (set && set.size === 0) this.byToken.delete(lease.tokenId);
  }

  /** Secret leases obtained with a token: revoked together with it. */
  secretLeasesOf(tokenId: string): string[] {
    const set = this.byToken.get(tokenId);
    if (!set) return [];
    return [...set].filter((id) => this.leases.get(id)?.kind === 'secret');
  }

  /** Every lease id starting with `prefix` (revoke-prefix, lookup list). */
  idsWithPrefix(prefix: string): string[] {
    return [...this.leases.keys()].filter((id) => id.startsWith(prefix)).sort();
  }

  /** Revoke everything whose expire time has passed. */
  expireDue(): void {
    const now = this.clock.now();
    for (let top = this.heap.peek(); top !== undefined && top.at < now; top = this.heap.peek()) {
      this.heap.pop();
      const lease = this.leases.get(top.id);
      // Stale heap node: the lease was renewed or already revoked.
      if (!lease || lease.expireTime !== top.at) continue;
      this.revoke(lease.id);
    }
  }

  get size(): number {
    return this.leases.size;
  }
}
