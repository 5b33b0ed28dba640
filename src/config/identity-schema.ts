/**
 * The identity-lifecycle parts of the broker config:
 *
 * - `endpoint_groups`: one AppRole role per group of endpoints, and the actions the group
 *   may run. `credential-broker vault bootstrap` turns each group into a role and a
 *   policy (`endpoint-<name>`: update on `broker/actions/<action>` for each
 *   listed action). The broker itself only needs the names (enrollment accepts wrapping
 *   tokens for these roles only).
 * - `endpoint_auth`: which ways an endpoint may authenticate (AppRole through the broker,
 *   or its own Vault token as `Authorization: Bearer`), and whether every secret ID must
 *   carry a CIDR binding.
 * - `bootstrap`: the broker's own AppRole role as bootstrap creates it.
 *
 * Kept apart from schema.ts so the lifecycle code and the core config evolve separately;
 * schema.ts includes these three keys.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseDuration } from '../vault-policy/duration';

/** Vault stores role names lower-cased; we only accept names that survive that unchanged. */
export const ROLE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Policy names we generate or attach: the same alphabet. */
export const POLICY_NAME = /^[a-z0-9][a-z0-9_.-]{0,127}$/;

export function isCidrOrIp(value: string): boolean {
  const [addr, bits, extra] = value.split('/');
  if (extra !== undefined || addr === undefined) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** A Vault duration ("60s", "10m", "720h", "30d" or whole seconds) → whole seconds. */
export const durationSeconds = z.union([z.number().int().min(0), z.string().min(1)]).transform((v, ctx) => {
  try {
    const s = parseDuration(v);
    if (s < 0) throw new Error('negative');
    return s;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a duration like "60s", "10m", "720h", "30d" or whole seconds' });
    return z.NEVER;
  }
});

const cidrList = z.array(z.string().refine(isCidrOrIp, 'must be an IP address or CIDR block')).default([]);

/** Settings shared by the endpoint-group roles and the broker's role. */
const roleSettings = {
  token_ttl: durationSeconds.optional(),
  /** Defaults to token_ttl: an endpoint token is used for one request and never renewed. */
  token_max_ttl: durationSeconds.optional(),
  secret_id_ttl: durationSeconds.optional(),
  secret_id_num_uses: z.number().int().min(0).optional(),
  /**
   * Vault checks these against the address that *logs in*. With AppRole through the
   * broker that is the broker's address, so list the broker hosts here (a stolen
   * secret ID is then useless against Vault directly). The endpoint's own address is
   * bound by the broker from the secret-ID metadata (`secret-id issue --cidr`).
   */
  secret_id_bound_cidrs: cidrList,
  /** Further policies to attach (for example one written from vault-policies/). */
  policies: z.array(z.string().regex(POLICY_NAME, 'must be a policy name')).default([]),
};

export const endpointGroupSchema = z
  .strictObject({
    description: z.string().optional(),
    /** Action names (keys of `actions`); checked against them in cross-checks.ts. */
    actions: z.array(z.string().min(1)).min(1, 'list at least one action'),
    token_type: z.enum(['batch', 'service']).default('batch'),
    ...roleSettings,
  })
  .transform((g) => ({
    ...g,
    token_ttl: g.token_ttl ?? 60,
    token_max_ttl: g.token_max_ttl ?? g.token_ttl ?? 60,
    // Each invoke is one AppRole login, so use limits are for special cases; the TTL
    // forces rotation.
    secret_id_ttl: g.secret_id_ttl ?? 30 * 86400,
    secret_id_num_uses: g.secret_id_num_uses ?? 0,
  }));

export const endpointAuthSchema = z.strictObject({
  /** HTTP Basic with role_id:secret_id; the broker logs in to Vault as the endpoint. */
  approle: z.boolean().default(true),
  /**
   * `Authorization: Bearer <Vault token>`: the endpoint logged in to Vault itself; the
   * broker never sees its secret ID. Off by default.
   */
  vault_token: z.boolean().default(false),
  /** Refuse endpoints whose secret-ID metadata carries no `cidr` binding. */
  require_cidr_binding: z.boolean().default(false),
});

export const bootstrapSchema = z.strictObject({
  broker_role: z
    .strictObject({
      name: z.string().regex(ROLE_NAME, 'role names are 1-64 lower-case letters, digits, "_" and "-"').default('credential-broker'),
      ...roleSettings,
    })
    .prefault({})
    .transform((r) => ({
      ...r,
      token_ttl: r.token_ttl ?? 3600,
      token_max_ttl: r.token_max_ttl ?? 86400,
      secret_id_ttl: r.secret_id_ttl ?? 90 * 86400,
      secret_id_num_uses: r.secret_id_num_uses ?? 0,
    })),
  /** KV v2 mounts to enable; by default the mounts named in the targets' credential refs. */
  kv_mounts: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a mount name like "secret"')).optional(),
});

export type EndpointGroupConfig = z.output<typeof endpointGroupSchema>;
export type EndpointAuthConfig = z.output<typeof endpointAuthSchema>;
export type BootstrapConfig = z.output<typeof bootstrapSchema>;
export type BrokerRoleConfig = BootstrapConfig['broker_role'];
