/**
 * Bootstrap as a pure function: what Vault should look like (DesiredState, built from the
 * config and vault-policies/), what it looks like now (ObservedState, read by
 * src/vault/admin.ts), and the steps that take one to the other. Running the steps and
 * observing again gives an empty plan, which is what makes bootstrap idempotent.
 *
 * Bootstrap only adds and updates. It never deletes a policy, role or mount, and it stops
 * on a conflict it cannot fix safely (say, `secret/` mounted as KV version 1).
 */

/** The role fields bootstrap manages; everything else on a role is left alone. */
export interface RoleSpec {
  bind_secret_id: boolean;
  token_type: 'batch' | 'service';
  token_ttl: number;
  token_max_ttl: number;
  /** Sorted. */
  token_policies: string[];
  token_no_default_policy: boolean;
  secret_id_ttl: number;
  secret_id_num_uses: number;
  /** Sorted. */
  secret_id_bound_cidrs: string[];
}

export const ROLE_FIELDS: readonly (keyof RoleSpec)[] = [
  'bind_secret_id',
  'token_type',
  'token_ttl',
  'token_max_ttl',
  'token_policies',
  'token_no_default_policy',
  'secret_id_ttl',
  'secret_id_num_uses',
  'secret_id_bound_cidrs',
];

export interface DesiredPolicy {
  name: string;
  text: string;
  /** Where it comes from, for the printed plan: "vault-policies/broker.hcl", "endpoint_groups.demo". */
  origin: string;
}

export interface DesiredRole {
  name: string;
  spec: RoleSpec;
  origin: string;
}

export interface DesiredState {
  /** AppRole mount path without slashes ("approle"). */
  approleMount: string;
  /** KV v2 mount paths without slashes ("secret"). */
  kvMounts: string[];
  policies: DesiredPolicy[];
  roles: DesiredRole[];
}

export interface ObservedState {
  /** sys/auth, keyed "approle/". */
  authMounts: Record<string, { type: string }>;
  /** sys/mounts, keyed "secret/". */
  secretMounts: Record<string, { type: string; version?: string }>;
  /** Policy text by name; null when the policy does not exist. */
  policies: Record<string, string | null>;
  /** The role as Vault returns it (GET auth/approle/role/<name>), or null when missing. */
  roles: Record<string, Record<string, unknown> | null>;
}

export type BootstrapStep =
  | { kind: 'enable-auth'; path: string; type: 'approle' }
  | { kind: 'enable-kv'; path: string }
  | { kind: 'write-policy'; name: string; text: string }
  | { kind: 'write-role'; name: string; spec: RoleSpec };

export interface PlanLine {
  /** + create, ~ update, = unchanged, ! conflict (nothing will be done about it). */
  symbol: '+' | '~' | '=' | '!';
  text: string;
}

export interface BootstrapPlan {
  steps: BootstrapStep[];
  lines: PlanLine[];
  conflicts: string[];
}

export interface FieldDiff {
  field: keyof RoleSpec;
  from: unknown;
  to: unknown;
}

function sortedStrings(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String).sort();
  if (typeof v === 'string' && v !== '') return v.split(',').map((s) => s.trim()).sort();
  return [];
}

/** The managed fields of a role as Vault returned it, in RoleSpec's shape. */
export function observedRoleSpec(role: Record<string, unknown>): Partial<Record<keyof RoleSpec, unknown>> {
  const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v);
  return {
    bind_secret_id: role.bind_secret_id,
    token_type: role.token_type,
    token_ttl: num(role.token_ttl),
    token_max_ttl: num(role.token_max_ttl),
    // Older Vaults also answer with the legacy `policies`; token_policies is authoritative.
    token_policies: sortedStrings(role.token_policies ?? role.policies),
    token_no_default_policy: role.token_no_default_policy ?? false,
    secret_id_ttl: num(role.secret_id_ttl),
    secret_id_num_uses: num(role.secret_id_num_uses),
    secret_id_bound_cidrs: sortedStrings(role.secret_id_bound_cidrs),
  };
}

export function diffRole(observed: Record<string, unknown>, spec: RoleSpec): FieldDiff[] {
  const current = observedRoleSpec(observed);
  const diffs: FieldDiff[] = [];
  for (const field of ROLE_FIELDS) {
    const want = spec[field];
    const have = current[field];
    const same = Array.isArray(want) ? JSON.stringify(want) === JSON.stringify(have) : want === have;
    if (!same) diffs.push({ field, from: have, to: want });
  }
  return diffs;
}

function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  if (v === undefined || v === null) return '(unset)';
  return String(v);
}

export function planBootstrap(desired: DesiredState, observed: ObservedState): BootstrapPlan {
  const steps: BootstrapStep[] = [];
  const lines: PlanLine[] = [];
  const conflicts: string[] = [];
  const conflict = (text: string) => {
    conflicts.push(text);
    lines.push({ symbol: '!', text });
  };

  const authKey = `${desired.approleMount}/`;
  const auth = observed.authMounts[authKey];
  if (!auth) {
    steps.push({ kind: 'enable-auth', path: desired.approleMount, type: 'approle' });
    lines.push({ symbol: '+', text: `auth ${authKey} (approle)` });
  } else if (auth.type !== 'approle') {
    conflict(`auth ${authKey} is a "${auth.type}" auth method, not approle: fix by hand`);
  } else {
    lines.push({ symbol: '=', text: `auth ${authKey} (approle) unchanged` });
  }

  for (const mount of desired.kvMounts) {
    const key = `${mount}/`;
    const m = observed.secretMounts[key];
    if (!m) {
      steps.push({ kind: 'enable-kv', path: mount });
      lines.push({ symbol: '+', text: `mount ${key} (kv version 2)` });
    } else if (m.type === 'kv-v2' || (m.type === 'kv' && m.version === '2')) {
      lines.push({ symbol: '=', text: `mount ${key} (kv version 2) unchanged` });
    } else {
      const what = m.type === 'kv' ? `kv version ${m.version ?? '1'}` : `a "${m.type}" engine`;
      conflict(`mount ${key} is ${what}; the broker needs kv version 2: fix by hand (bootstrap never remounts)`);
    }
  }

  for (const p of desired.policies) {
    const have = observed.policies[p.name];
    if (have === null || have === undefined) {
      steps.push({ kind: 'write-policy', name: p.name, text: p.text });
      lines.push({ symbol: '+', text: `policy ${p.name} (${p.origin})` });
    } else if (have !== p.text) {
      steps.push({ kind: 'write-policy', name: p.name, text: p.text });
      lines.push({ symbol: '~', text: `policy ${p.name}: text differs from ${p.origin}` });
    } else {
      lines.push({ symbol: '=', text: `policy ${p.name} unchanged` });
    }
  }

  const desiredNames = new Set(desired.policies.map((p) => p.name));
  for (const r of desired.roles) {
    for (const name of r.spec.token_policies) {
      if (name !== 'default' && !desiredNames.has(name) && !observed.policies[name]) {
        conflict(`role ${r.name} attaches policy ${name}, which is neither in vault-policies/ nor in Vault`);
      }
    }
  }

  for (const r of desired.roles) {
    const have = observed.roles[r.name];
    if (have === null || have === undefined) {
      steps.push({ kind: 'write-role', name: r.name, spec: r.spec });
      lines.push({
        symbol: '+',
        text: `role ${r.name} (${r.origin}): policies ${show(r.spec.token_policies)}, ${r.spec.token_type} tokens, token_ttl ${r.spec.token_ttl}, secret_id_ttl ${r.spec.secret_id_ttl}`,
      });
      continue;
    }
    const diffs = diffRole(have, r.spec);
    if (diffs.length === 0) {
      lines.push({ symbol: '=', text: `role ${r.name} unchanged` });
    } else {
      steps.push({ kind: 'write-role', name: r.name, spec: r.spec });
      lines.push({ symbol: '~', text: `role ${r.name}: ${diffs.map((d) => `${d.field} ${show(d.from)} → ${show(d.to)}`).join(', ')}` });
    }
  }
  return { steps, lines, conflicts };
}

export function renderPlanLine(line: PlanLine): string {
  return `${line.symbol} ${line.text}`;
}
