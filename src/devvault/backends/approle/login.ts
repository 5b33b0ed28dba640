/**
 * AppRole login (path_login.go pathLoginUpdate), reference §3.6. The checks run in
 * Vault's order; in particular a limited-use secret ID spends a use *before* its CIDR
 * check, so a login refused for its source address still costs a use.
 *
 * One deliberate difference: Vault only forgets an expired secret ID when its tidy
 * runs (about once a minute); here it is refused from the moment it expires.
 */
import type { AuthGrant, RequestContext } from '../../backend';
import { LogicalError } from '../../backend';
import { CidrParseError, ipBelongsToCidrBlocks, normalizeSockAddr } from './cidr';
import { Role, sanitizePolicies } from './role';
import { removeSecretId, secretIdHmac, tidyExpired, verifyCidrSubset } from './secret-id';

const INVALID = 'invalid role or secret ID';

export interface RoleLookup {
  roleById(roleId: string): Role | undefined;
}

/** `go fmt.Errorf("…: %w", err)` with a nil err prints "%!w(<nil>)". */
function wrapped(err: unknown): string {
  return err instanceof Error ? err.message : '%!w(<nil>)';
}

function belongs(ip: string, cidrs: string[]): { ok: boolean; err?: Error } {
  try {
    return { ok: ipBelongsToCidrBlocks(ip, cidrs) };
  } catch (err) {
    if (err instanceof CidrParseError) return { ok: false, err };
    throw err;
  }
}

/** The token's display name: the mount path without "auth/", slashes as dashes. */
function displayNameFor(mountPath: string): string {
  return mountPath.replace(/^auth\//, '').replace(/\/$/, '').replace(/\//g, '-');
}

export function login(ctx: RequestContext, roles: RoleLookup, rawRoleId: string, rawSecretId: string): AuthGrant {
  const roleId = rawRoleId.trim();
  if (roleId === '') throw new LogicalError('missing role_id');
  const role = roles.roleById(roleId);
  if (!role) throw new LogicalError(INVALID);

  const ip = ctx.clientIp;
  let metadata: Record<string, string> = {};
  let secretTokenCidrs: string[] = [];

  if (role.bindSecretId) {
    const secretId = rawSecretId.trim();
    if (secretId === '') throw new LogicalError('missing secret_id');
    tidyExpired(role, ctx.clock.now());
    const hmac = secretIdHmac(role, secretId);
    const entry = role.secretIds.get(hmac);
    if (!entry) throw new LogicalError(INVALID);

    if (entry.numUses === 0) {
      verifyCidrSubset(entry.cidrList, role.secretIdBoundCidrs ?? []);
      if (entry.cidrList.length > 0) {
        const r = belongs(ip, entry.cidrList);
        if (r.err) throw new LogicalError(r.err.message);
        if (!r.ok) {
          throw new LogicalError(`source address ${JSON.stringify(ip)} unauthorized through CIDR restrictions on the secret ID`);
        }
      }
    } else {
      // Count the use first (the last use removes the secret ID), then check CIDRs.
      if (entry.numUses === 1) removeSecretId(role, hmac);
      else {
        entry.numUses -= 1;
        entry.lastUpdatedTime = ctx.clock.now();
      }
      verifyCidrSubset(entry.cidrList, role.secretIdBoundCidrs ?? []);
      if (entry.cidrList.length > 0) {
        const r = belongs(ip, entry.cidrList);
        if (r.err || !r.ok) {
          throw new LogicalError(
            `source address ${JSON.stringify(ip)} unauthorized by CIDR restrictions on the secret ID: ${wrapped(r.err)}`,
          );
        }
      }
    }
    metadata = { ...entry.metadata };
    secretTokenCidrs = entry.tokenBoundCidrs;
  }

  const roleCidrs = role.secretIdBoundCidrs ?? [];
  if (roleCidrs.length > 0) {
    const r = belongs(ip, roleCidrs);
    if (r.err || !r.ok) {
      throw new LogicalError(`source address ${JSON.stringify(ip)} unauthorized by CIDR restrictions on the role: ${wrapped(r.err)}`);
    }
  }

  metadata.role_name = role.name;
  return {
    policies: sanitizePolicies(role.tokenPolicies ?? [], !role.tokenNoDefaultPolicy),
    metadata,
    ttl: role.tokenTtl,
    maxTtl: role.tokenMaxTtl,
    tokenType: role.tokenType === 'batch' ? 'batch' : 'service',
    boundCidrs: secretTokenCidrs.length > 0 ? secretTokenCidrs.map(normalizeSockAddr) : [...role.tokenBoundCidrs],
    numUses: role.tokenNumUses,
    period: role.tokenPeriod,
    explicitMaxTtl: role.tokenExplicitMaxTtl,
    noDefaultPolicy: role.tokenNoDefaultPolicy,
    displayName: displayNameFor(ctx.mountPath),
    path: `${ctx.mountPath}login`,
    // Vault's login alias for AppRole is the role_id (path_login.go).
    aliasName: role.roleId,
  };
}
