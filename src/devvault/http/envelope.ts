/**
 * Vault's success envelope (logical.HTTPResponse, reference §0.3) with its field order,
 * the `auth` and `wrap_info` blocks, and the top-level injection some sys/ routes get.
 */

/** logical.HTTPAuth, in Vault's field order. */
export interface AuthBlock {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies?: string[];
  identity_policies?: string[];
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: 'service' | 'batch';
  orphan: boolean;
  mfa_requirement: null;
  num_uses: number;
}

/** wrapping.ResponseWrapInfo as the HTTP layer prints it. */
export interface WrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}

export interface Envelope {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  lease_duration: number;
  data: Record<string, unknown> | null;
  wrap_info: WrapInfo | null;
  warnings: string[] | null;
  auth: AuthBlock | null;
  mount_type: string;
}

export function envelope(fields: Partial<Envelope> & { request_id: string }): Envelope {
  return {
    request_id: fields.request_id,
    lease_id: fields.lease_id ?? '',
    renewable: fields.renewable ?? false,
    lease_duration: fields.lease_duration ?? 0,
    data: fields.data ?? null,
    wrap_info: fields.wrap_info ?? null,
    warnings: fields.warnings && fields.warnings.length > 0 ? fields.warnings : null,
    auth: fields.auth ?? null,
    mount_type: fields.mount_type ?? '',
  };
}

/** Build an auth block in field order, leaving out the omitempty fields when empty. */
export function authBlock(a: Omit<AuthBlock, 'mfa_requirement'>): AuthBlock {
  const out: Record<string, unknown> = {
    client_token: a.client_token,
    accessor: a.accessor,
    policies: a.policies,
  };
  if (a.token_policies && a.token_policies.length > 0) out.token_policies = a.token_policies;
  if (a.identity_policies && a.identity_policies.length > 0) out.identity_policies = a.identity_policies;
  out.metadata = a.metadata;
  out.lease_duration = a.lease_duration;
  out.renewable = a.renewable;
  out.entity_id = a.entity_id;
  out.token_type = a.token_type;
  out.orphan = a.orphan;
  out.mfa_requirement = null;
  out.num_uses = a.num_uses;
  return out as unknown as AuthBlock;
}

/**
 * Routes whose data keys Vault also copies to the top level (injectDataIntoTopRoutes in
 * http/handler.go). sys/policies/acl is deliberately not here.
 */
const INJECT_EXACT = new Set([
  'sys/audit',
  'sys/audit/',
  'sys/auth',
  'sys/auth/',
  'sys/capabilities',
  'sys/capabilities-accessor',
  'sys/capabilities-self',
  'sys/key-status',
  'sys/mounts',
  'sys/mounts/',
  'sys/policy',
  'sys/policy/',
  'sys/rotate',
  'sys/wrapping/wrap',
  'sys/remount',
  'sys/ha-status',
  'sys/config/cors',
]);
const INJECT_PREFIX = ['sys/auth/', 'sys/mounts/', 'sys/policy/'];

export function injectsTopLevel(path: string): boolean {
  return INJECT_EXACT.has(path) || INJECT_PREFIX.some((p) => path.startsWith(p));
}

/**
 * Serialise an envelope. With injection, the data keys come first and the envelope
 * follows, which is how Vault's HTTPSysInjector writes it.
 */
export function serializeEnvelope(env: Envelope, inject: boolean): string {
  const body = JSON.stringify(env);
  if (!inject || env.data === null || Object.keys(env.data).length === 0) return body;
  const head = Object.entries(env.data)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v === undefined ? null : v)}`)
    .join(',');
  return `{${head},${body.slice(1)}`;
}
