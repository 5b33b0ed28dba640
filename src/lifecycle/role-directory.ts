/**
 * Which endpoint group a role_id belongs to, for POST /v1/enroll.
 *
 * The enroll body carries a role_id (what the endpoint has), but a wrapping token's
 * creation path names a role *name*. The broker reads the role_id of each configured
 * endpoint group with its own identity (policy `broker-enrollment`: read on exactly those
 * role-id paths) and keeps them for a while. An unknown role_id triggers one refresh, at
 * most every `minRefreshMs`, so a role re-created with a new role_id is picked up without
 * a restart while a stream of made-up role_ids cannot hammer Vault.
 *
 * Comparison is constant-time over fixed-length digests: a role_id is not a secret, but
 * there is no reason to let timing tell which prefix is right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface RoleIdSource {
  /** The role_id of `role`, or null when the role does not exist. */
  readRoleId(role: string): Promise<string | null>;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export class RoleDirectory {
  private entries: { role: string; digest: Buffer }[] = [];
  private loadedAt = -Infinity;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly source: RoleIdSource,
    private readonly groups: readonly string[],
    private readonly options: { maxAgeMs: number; minRefreshMs: number; now?: () => number } = { maxAgeMs: 5 * 60_000, minRefreshMs: 30_000 },
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** The group whose role_id this is, or null. Throws what the source throws (Vault down). */
  async roleFor(roleId: string): Promise<string | null> {
    if (this.now() - this.loadedAt > this.options.maxAgeMs) await this.refresh();
    let found = this.match(roleId);
    if (found === null && this.now() - this.loadedAt > this.options.minRefreshMs) {
      await this.refresh();
      found = this.match(roleId);
    }
    return found;
  }

  private match(roleId: string): string | null {
    const d = digest(roleId);
    let found: string | null = null;
    // Look at every entry, whatever matches, so the time does not depend on the position.
    for (const e of this.entries) if (timingSafeEqual(e.digest, d) && found === null) found = e.role;
    return found;
  }

  private refresh(): Promise<void> {
    // Concurrent enrollments share one refresh.
    this.loading ??= (async () => {
      try {
        const entries: { role: string; digest: Buffer }[] = [];
        for (const role of this.groups) {
          const id = await this.source.readRoleId(role);
          if (id) entries.push({ role, digest: digest(id) });
        }
        this.entries = entries;
        this.loadedAt = this.now();
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }
}
