/**
 * sys/leases/{lookup,renew,revoke,revoke-prefix,revoke-force} and the legacy sys/renew,
 * sys/revoke, sys/revoke-prefix, sys/revoke-force (logical_system.go, expiration.go),
 * reference §9. Token leases show up here too, under their creation path.
 */
import { LogicalError } from '../backend';
import { parseFields } from '../backends/fields';
import { invalidRequest } from '../http/errors';
import type { CoreContext, CoreResponse, CoreServices } from '../internal-backend';
import { remainingSeconds } from '../tokens/lookup-data';
import { rfc3339Nano } from '../util/time';
import { sortedData, type SysRoute } from './route';

function leaseIdOf(ctx: CoreContext, fromUrl: string | undefined): string {
  const f = parseFields(ctx.body, { lease_id: 'string' });
  const id = (f.lease_id as string | undefined) || fromUrl || '';
  if (id === '') throw invalidRequest('lease_id must be specified');
  return id;
}

function lookup(core: CoreServices, ctx: CoreContext): CoreResponse {
  const id = leaseIdOf(ctx, undefined);
  const lease = core.leases.get(id);
  if (!lease) throw invalidRequest('invalid lease');
  const now = core.clock.now();
  const expired = lease.expireTime !== null && lease.expireTime < now;
  return {
    data: sortedData({
      expire_time: lease.expireTime === null ? null : rfc3339Nano(lease.expireTime),
      id,
      issue_time: rfc3339Nano(lease.issueTime),
      last_renewal: lease.lastRenewal === null ? null : rfc3339Nano(lease.lastRenewal),
      renewable: lease.renewable && lease.expireTime !== null && !expired,
      ttl: lease.expireTime === null ? 0 : remainingSeconds(lease.expireTime, now),
    }),
  };
}

/** Immediate children of a prefix, as a storage LIST shows them ("folder/" or "leaf"). */
function lookupList(core: CoreServices, prefix: string): CoreResponse {
  const keys = new Set<string>();
  for (const id of core.leases.idsWithPrefix(prefix)) {
    const rest = id.slice(prefix.length);
    const slash = rest.indexOf('/');
    keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  return { data: { keys: [...keys].sort() } };
}

function renew(core: CoreServices, ctx: CoreContext, fromUrl: string | undefined): CoreResponse {
  const id = leaseIdOf(ctx, fromUrl);
  const f = parseFields(ctx.body, { increment: 'duration' });
  const increment = (f.increment as number | undefined) ?? 0;
  const lease = core.leases.get(id);
  const now = core.clock.now();
  if (!lease) throw invalidRequest('lease not found');
  if (lease.expireTime === null) throw invalidRequest('lease is not renewable');
  if (lease.expireTime < now) throw invalidRequest('lease expired');
  if (!lease.renewable) throw invalidRequest('lease is not renewable');
  if (lease.kind === 'auth') throw new LogicalError('tokens cannot be renewed through this endpoint');
  if (!lease.onRenew) throw new LogicalError('lease does not correspond to a secret');
  const { ttl, warnings } = lease.onRenew(increment);
  core.leases.extend(id, now + ttl * 1000);
  return { leaseId: id, leaseDuration: ttl, renewable: true, warnings };
}

function revoke(core: CoreServices, ctx: CoreContext, fromUrl: string | undefined): CoreResponse | null {
  const id = leaseIdOf(ctx, fromUrl);
  const f = parseFields(ctx.body, { sync: 'bool' });
  core.leases.revoke(id);
  // sync=false is Vault's lazy revocation: 202 Accepted with no body.
  if (f.sync === false) return { raw: { status: 202, body: null } };
  return null;
}

function revokePrefix(core: CoreServices, rawPrefix: string): null {
  const prefix = rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`;
  for (const id of core.leases.idsWithPrefix(prefix)) core.leases.revoke(id);
  return null;
}

export function leaseRoutes(core: CoreServices): SysRoute[] {
  const routes: SysRoute[] = [
    { pattern: /^leases\/lookup$/, ops: { update: (ctx) => lookup(core, ctx) } },
    { pattern: /^leases\/lookup\/(.*)$/, root: true, ops: { list: (_c, m) => lookupList(core, m[1]) } },
  ];
  for (const base of ['leases/', '']) {
    const b = base.replace('/', '\\/');
    routes.push(
      { pattern: new RegExp(`^${b}renew(?:\\/(.+))?$`), ops: { update: (ctx, m) => renew(core, ctx, m[1]) } },
      { pattern: new RegExp(`^${b}revoke(?:\\/(.+))?$`), ops: { update: (ctx, m) => revoke(core, ctx, m[1]) } },
      { pattern: new RegExp(`^${b}revoke-prefix\\/(.+)$`), root: true, ops: { update: (_c, m) => revokePrefix(core, m[1]) } },
      { pattern: new RegExp(`^${b}revoke-force\\/(.+)$`), root: true, ops: { update: (_c, m) => revokePrefix(core, m[1]) } },
    );
  }
  return routes;
}
