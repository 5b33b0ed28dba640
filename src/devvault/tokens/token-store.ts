/**
 * The token store (vault/token_store.go, reduced): token entries, the accessor index,
 * the parent → children index, use counting and tree revocation. Service tokens with a
 * TTL get an auth lease in the lease registry, which is what expires them; batch tokens
 * carry their own expiry and die with their parent.
 */
import type { Clock } from '../backend';
import type { LeaseRegistry } from '../leases/lease-registry';
import { ExpiryHeap } from '../util/expiry-heap';
import { base62, base64Url, saltedHash } from '../util/random';

export type TokenType = 'service' | 'batch';

/** Vault's tokenRevocationPending: the token is on its last use and dies after the request. */
export const REVOCATION_PENDING = -1;

export interface TokenEntry {
  id: string;
  /** 24-char base62; '' for batch tokens. */
  accessor: string;
  /** Parent token id; '' = orphan. */
  parent: string;
  policies: string[];
  /** Creation path: "auth/token/create", "auth/approle/login", "auth/token/root", a wrapped path. */
  path: string;
  meta: Record<string, string> | null;
  displayName: string;
  /** 0 = unlimited; REVOCATION_PENDING during the last use. */
  numUses: number;
  /** ms since the epoch. */
  creationTime: number;
  /** The TTL given at creation, seconds (creation_ttl); 0 = never expires. */
  ttl: number;
  explicitMaxTtl: number;
  period: number;
  renewable: boolean;
  type: TokenType;
  /** Sockaddrs the token may be used from ([] = anywhere). */
  boundCidrs: string[];
  entityId: string;
  /** The auth lease, for service tokens with a TTL. */
  leaseId: string | null;
  /** What renewals are computed from (the login's TTL and max TTL, logical.Auth). */
  authTtl: number;
  authMaxTtl: number;
}

export type NewToken = Omit<TokenEntry, 'id' | 'accessor' | 'leaseId' | 'creationTime'> & {
  /** A custom id (root/sudo only); generated when absent. */
  id?: string;
};

/** Thrown by create() for a refused custom id; the message is Vault's text. */
export class TokenCreateError extends Error {
  override readonly name = 'TokenCreateError';
}

export class TokenStore {
  private readonly tokens = new Map<string, TokenEntry>();
  private readonly accessors = new Map<string, string>();
  private readonly children = new Map<string, Set<string>>();
  private readonly revokeHooks: ((entry: TokenEntry) => void)[] = [];
  /** Batch tokens have no lease; this forgets them once they expire, so memory stays flat. */
  private readonly batchExpiry = new ExpiryHeap();
  /** Keeps token ids out of lease ids (Vault salts them too). */
  private readonly salt = base62(32);

  constructor(
    private readonly clock: Clock,
    private readonly leases: LeaseRegistry,
  ) {}

  /** Run `hook` whenever a token is revoked (cubbyhole and wrapped-response cleanup). */
  onRevoke(hook: (entry: TokenEntry) => void): void {
    this.revokeHooks.push(hook);
  }

  private newId(spec: NewToken): string {
    if (spec.type === 'batch') return `hvb.AAAAAQ${base64Url(96)}`;
    // Root tokens keep Vault's short form; others look like server-side-consistent tokens.
    if (spec.policies.length === 1 && spec.policies[0] === 'root') return `hvs.${base62(24)}`;
    return `hvs.CAESI${base64Url(64)}`;
  }

  create(spec: NewToken): TokenEntry {
    let id = spec.id;
    if (id !== undefined && id !== '') {
      if (id.startsWith('s.')) throw new TokenCreateError("custom token ID cannot have the 's.' prefix");
      if (id.includes('.')) throw new TokenCreateError("custom token ID cannot have a '.' in the value");
      if (this.tokens.has(id)) throw new TokenCreateError('cannot create a token with a duplicate ID');
    } else {
      id = this.newId(spec);
    }
    return this.insert({ ...spec, id });
  }

  /** The dev root token: any id is accepted, as with -dev-root-token-id. */
  createRoot(id: string): TokenEntry {
    return this.insert({
      id,
      parent: '',
      policies: ['root'],
      path: 'auth/token/root',
      meta: null,
      displayName: 'root',
      numUses: 0,
      ttl: 0,
      explicitMaxTtl: 0,
      period: 0,
      renewable: false,
      type: 'service',
      boundCidrs: [],
      entityId: '',
      authTtl: 0,
      authMaxTtl: 0,
    });
  }

  private insert(spec: NewToken & { id: string }): TokenEntry {
    const now = this.clock.now();
    const entry: TokenEntry = {
      ...spec,
      accessor: spec.type === 'batch' ? '' : this.newAccessor(),
      creationTime: now,
      leaseId: null,
    };
    this.tokens.set(entry.id, entry);
    if (entry.accessor) this.accessors.set(entry.accessor, entry.id);
    if (entry.parent) {
      let set = this.children.get(entry.parent);
      if (!set) {
        set = new Set();
        this.children.set(entry.parent, set);
      }
      set.add(entry.id);
    }
    if (entry.type === 'batch' && entry.ttl > 0) this.batchExpiry.push(now + entry.ttl * 1000, entry.id);
    if (entry.type === 'service' && entry.ttl > 0) {
      entry.leaseId = `${entry.path.replace(/\/+$/, '')}/h${saltedHash(this.salt, entry.id)}`;
      const tokenId = entry.id;
      this.leases.register({
        id: entry.leaseId,
        kind: 'auth',
        issueTime: now,
        expireTime: now + entry.ttl * 1000,
        lastRenewal: null,
        renewable: entry.renewable,
        tokenId,
        onRevoke: () => this.revokeTree(tokenId),
      });
    }
    return entry;
  }

  private newAccessor(): string {
    for (;;) {
      const a = base62(24);
      if (!this.accessors.has(a)) return a;
    }
  }

  /** Drop batch tokens whose TTL has passed (service tokens expire through their lease). */
  expireBatchTokens(): void {
    const now = this.clock.now();
    for (let top = this.batchExpiry.peek(); top !== undefined && top.at < now; top = this.batchExpiry.peek()) {
      this.batchExpiry.pop();
      if (this.tokens.has(top.id)) this.revokeTree(top.id);
    }
  }

  /** When the token stops working (ms), or null if never. */
  expireTime(entry: TokenEntry): number | null {
    if (entry.type === 'batch') return entry.ttl > 0 ? entry.creationTime + entry.ttl * 1000 : null;
    if (entry.leaseId === null) return null;
    return this.leases.get(entry.leaseId)?.expireTime ?? null;
  }

  /**
   * A usable token, or null: unknown, revoked, expired, on its pending last use, or a batch
   * token whose parent is gone. `tainted` also returns a token on its pending last use.
   */
  lookup(id: string, tainted = false): TokenEntry | null {
    if (id === '') return null;
    const entry = this.tokens.get(id);
    if (!entry) return null;
    if (entry.numUses < 0 && !tainted) return null;
    const exp = this.expireTime(entry);
    if (exp !== null && exp < this.clock.now()) return null;
    if (entry.type === 'service' && entry.ttl > 0 && entry.leaseId !== null && !this.leases.get(entry.leaseId)) return null;
    if (entry.type === 'batch' && entry.parent !== '' && this.lookup(entry.parent, true) === null) return null;
    return entry;
  }

  /** The token id an accessor points to, if the token still exists. */
  idByAccessor(accessor: string): string | undefined {
    return this.accessors.get(accessor);
  }

  /**
   * Count one use (TokenStore.UseToken). Returns the entry, or null if it was used up in
   * the meantime. On the last use the entry is marked pending; the caller revokes it
   * once the request is done.
   */
  use(entry: TokenEntry): TokenEntry | null {
    if (entry.numUses === 0) return entry;
    if (entry.numUses < 0) return null;
    entry.numUses = entry.numUses === 1 ? REVOCATION_PENDING : entry.numUses - 1;
    return entry;
  }

  /** Revoke a token and every descendant, children first (revokeTreeInternal). */
  revokeTree(id: string): void {
    const order: string[] = [];
    const stack = [id];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const cur = stack.pop() as string;
      if (seen.has(cur)) continue;
      seen.add(cur);
      order.push(cur);
      for (const child of this.children.get(cur) ?? []) stack.push(child);
    }
    for (const tokenId of order.reverse()) this.revokeOne(tokenId);
  }

  /** Revoke a token and make its children orphans (revoke-orphan). */
  revokeOrphan(id: string): void {
    for (const child of this.children.get(id) ?? []) {
      const c = this.tokens.get(child);
      if (c) c.parent = '';
    }
    this.children.delete(id);
    this.revokeOne(id);
  }

  private revokeOne(id: string): void {
    const entry = this.tokens.get(id);
    if (!entry) return;
    this.tokens.delete(id);
    if (entry.accessor) this.accessors.delete(entry.accessor);
    if (entry.parent) this.children.get(entry.parent)?.delete(id);
    this.children.delete(id);
    if (entry.leaseId) {
      const lease = this.leases.get(entry.leaseId);
      if (lease) this.leases.forget(lease);
    }
    for (const leaseId of this.leases.secretLeasesOf(id)) this.leases.revoke(leaseId);
    for (const hook of this.revokeHooks) hook(entry);
  }

  /** Every live accessor (LIST auth/token/accessors). */
  listAccessors(): string[] {
    return [...this.accessors.keys()].sort();
  }

  get size(): number {
    return this.tokens.size;
  }
}
