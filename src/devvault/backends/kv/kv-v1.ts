/**
 * KV version 1 (vault-plugin-secrets-kv passthrough.go): one unversioned JSON map per
 * key. Reads carry a lease_duration that is only a refresh hint (the mount default, or
 * the secret's own `ttl`/`lease` field); writes replace the whole map (reference §5.2).
 */
import { Backend, BackendResponse, LogicalError, RequestContext } from '../../backend';
import { parseDurationSeconds } from '../duration';
import { sortKeysDeep } from '../go-json';
import { listChildren, listPrefix } from './key-listing';
import { DEFAULT_LEASE_TTL_SECONDS } from '../limits';

export class KvV1Backend implements Backend {
  readonly type = 'kv';
  /** Stored as JSON text so no caller can alias what we keep. */
  private readonly entries = new Map<string, string>();

  exists(ctx: RequestContext): boolean {
    return this.entries.has(ctx.path);
  }

  handle(ctx: RequestContext): BackendResponse | null {
    switch (ctx.operation) {
      case 'read':
        return this.read(ctx.path);
      case 'create':
      case 'update':
        return this.write(ctx.path, ctx.body);
      case 'delete':
        this.entries.delete(ctx.path);
        return null;
      case 'list': {
        const keys = listChildren(this.entries.keys(), listPrefix(ctx.path));
        return { data: { keys } };
      }
      default:
        throw new LogicalError('unsupported operation', { plain: true });
    }
  }

  private read(key: string): BackendResponse | null {
    const raw = this.entries.get(key);
    if (raw === undefined) return null;
    const data = JSON.parse(raw) as Record<string, unknown>;
    let leaseDuration = DEFAULT_LEASE_TTL_SECONDS;
    const ttl = 'ttl' in data ? data.ttl : data.lease;
    if (ttl !== undefined) {
      try {
        leaseDuration = parseDurationSeconds(ttl);
      } catch {
        // Vault keeps the mount default when the hint does not parse.
      }
    }
    return { data: sortKeysDeep(data), leaseDuration, renewable: false };
  }

  private write(key: string, body: Record<string, unknown>): BackendResponse | null {
    if (key === '') throw new LogicalError('missing path');
    if (Object.keys(body).length === 0) throw new LogicalError('missing data fields');
    this.entries.set(key, JSON.stringify(body));
    return null;
  }
}
