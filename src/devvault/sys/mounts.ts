/**
 * sys/mounts and sys/auth: list, enable, read, tune and disable secret engines and auth
 * methods (vault/logical_system.go handleMount/handleUnmount/handleEnableAuth…,
 * vault/mount.go), reference §3.1 and §5.1. Backends come from the registry in
 * backends/index.ts.
 */
import type { Backend } from '../backend';
import { backendFactories } from '../backends';
import { parseFields } from '../backends/fields';
import { invalidRequest } from '../http/errors';
import type { CoreContext, CoreResponse, CoreServices } from '../internal-backend';
import { sanitizeMountPath, type MountEntry, type MountKind } from '../mounts/mount-table';
import { SYSTEM_DEFAULT_TTL, SYSTEM_MAX_TTL } from '../tokens/ttl';
import { DurationParseError, parseDuration } from '../../vault-policy';
import { sortedData, type SysRoute } from './route';

/** Mounts Vault refuses to create or remove through the API (protectedMounts). */
const PROTECTED_MOUNTS = ['audit/', 'auth/', 'sys/', 'cubbyhole/', 'identity/'];
const UNMOUNTABLE = ['sys/', 'cubbyhole/', 'identity/'];
const RUNNING_VERSION = 'v1.16.0+builtin';

export function mountInfo(e: MountEntry): Record<string, unknown> {
  const config: Record<string, unknown> = {
    default_lease_ttl: e.defaultLeaseTtl,
    force_no_cache: false,
    max_lease_ttl: e.maxLeaseTtl,
  };
  if (e.kind === 'auth') config.token_type = 'default-service';
  return sortedData({
    accessor: e.accessor,
    config: sortedData(config),
    description: e.description,
    external_entropy_access: false,
    local: e.local,
    options: e.options,
    plugin_version: '',
    running_plugin_version: e.type === 'system' || e.type === 'token' ? RUNNING_VERSION.replace('builtin', 'builtin.vault') : RUNNING_VERSION,
    running_sha256: '',
    seal_wrap: e.sealWrap,
    type: e.type,
    uuid: e.uuid,
  });
}

function stringMap(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = String(v);
  return out;
}

function ttlField(config: Record<string, unknown>, key: string): number {
  const v = config[key];
  if (v === undefined || v === null || v === '' || v === 'system') return 0;
  try {
    return parseDuration(v as string | number);
  } catch (err) {
    if (err instanceof DurationParseError) throw invalidRequest(`unable to parse ${key}: ${err.message}`);
    throw err;
  }
}

export interface MountRequest {
  kind: MountKind;
  /** Router path with trailing slash ("secret/", "auth/approle/"). */
  path: string;
  type: string;
  description?: string;
  options?: Record<string, string> | null;
  config?: Record<string, unknown>;
  local?: boolean;
  sealWrap?: boolean;
}

/** Create the backend for a type and add it to the table; throws Vault's errors. */
export function mountBackend(core: CoreServices, req: MountRequest): MountEntry {
  let type = req.type;
  let options = req.options ?? null;
  if (type === 'kv-v2') {
    type = 'kv';
    options = { ...(options ?? {}), version: '2' };
  }
  const factory = backendFactories[type];
  if (!factory) throw invalidRequest(`plugin not found in the catalog: ${req.type}`);
  const conflict = core.mounts.conflict(req.path);
  if (conflict) {
    const shown = req.kind === 'auth' ? conflict.path.replace(/^auth\//, '') : conflict.path;
    throw invalidRequest(`path is already in use at ${shown}`);
  }
  const backend: Backend = factory({ type, options: options ?? {} });
  const config = req.config ?? {};
  return core.mounts.add({
    path: req.path,
    kind: req.kind,
    type,
    description: req.description ?? '',
    options,
    local: req.local ?? false,
    sealWrap: req.sealWrap ?? false,
    defaultLeaseTtl: ttlField(config, 'default_lease_ttl'),
    maxLeaseTtl: ttlField(config, 'max_lease_ttl'),
    backend,
  });
}

const MOUNT_FIELDS = {
  type: 'string',
  description: 'string',
  config: 'map',
  options: 'map',
  local: 'bool',
  seal_wrap: 'bool',
} as const;

function enable(core: CoreServices, ctx: CoreContext, kind: MountKind, rawPath: string): null {
  const f = parseFields(ctx.body, MOUNT_FIELDS);
  const type = (f.type as string | undefined) ?? '';
  const inner = sanitizeMountPath(rawPath);
  const path = kind === 'auth' ? `auth/${inner}` : inner;
  if (type === '') throw invalidRequest('backend type must be specified as a string');
  if (kind === 'secret') {
    if (PROTECTED_MOUNTS.some((p) => path.startsWith(p))) throw invalidRequest(`cannot mount ${JSON.stringify(path)}`);
  } else if (type === 'token') {
    throw invalidRequest('token credential backend cannot be instantiated');
  }
  mountBackend(core, {
    kind,
    path,
    type,
    description: f.description as string | undefined,
    options: stringMap(f.options),
    config: (f.config as Record<string, unknown> | null) ?? {},
    local: f.local as boolean | undefined,
    sealWrap: f.seal_wrap as boolean | undefined,
  });
  return null;
}

function disable(core: CoreServices, kind: MountKind, rawPath: string): null {
  const inner = sanitizeMountPath(rawPath);
  const path = kind === 'auth' ? `auth/${inner}` : inner;
  if (kind === 'secret' && UNMOUNTABLE.includes(path)) throw invalidRequest(`cannot unmount ${JSON.stringify(path)}`);
  if (kind === 'auth' && path === 'auth/token/') throw invalidRequest('token credential backend cannot be disabled');
  // Vault answers success for a missing mount so as not to reveal whether it existed.
  if (!core.mounts.get(path)) return null;
  for (const id of core.leases.idsWithPrefix(path)) core.leases.revoke(id);
  core.mounts.remove(path);
  return null;
}

function list(core: CoreServices, kind: MountKind): CoreResponse {
  const data: Record<string, unknown> = {};
  for (const e of core.mounts.list(kind)) data[kind === 'auth' ? e.path.slice('auth/'.length) : e.path] = mountInfo(e);
  return { data };
}

function readOne(core: CoreServices, kind: MountKind, rawPath: string): CoreResponse {
  const inner = sanitizeMountPath(rawPath);
  const e = core.mounts.get(kind === 'auth' ? `auth/${inner}` : inner);
  if (!e) {
    throw invalidRequest(kind === 'auth' ? `No auth engine at ${inner}` : `No secret engine mount at ${inner}`);
  }
  return { data: mountInfo(e) };
}

function tuneRead(core: CoreServices, path: string): CoreResponse {
  const e = core.mounts.get(sanitizeMountPath(path));
  if (!e) throw invalidRequest(`cannot fetch mount tune for ${JSON.stringify(sanitizeMountPath(path))}`);
  const data: Record<string, unknown> = {
    default_lease_ttl: e.defaultLeaseTtl || SYSTEM_DEFAULT_TTL,
    description: e.description,
    force_no_cache: false,
    max_lease_ttl: e.maxLeaseTtl || SYSTEM_MAX_TTL,
  };
  if (e.options) data.options = e.options;
  if (e.kind === 'auth') data.token_type = 'default-service';
  return { data: sortedData(data) };
}

function tuneWrite(core: CoreServices, ctx: CoreContext, path: string): null {
  const e = core.mounts.get(sanitizeMountPath(path));
  if (!e) throw invalidRequest(`cannot tune ${JSON.stringify(sanitizeMountPath(path))}`);
  const f = parseFields(ctx.body, { description: 'string' });
  if (f.description !== undefined) e.description = f.description as string;
  if (ctx.body.default_lease_ttl !== undefined) e.defaultLeaseTtl = ttlField(ctx.body, 'default_lease_ttl');
  if (ctx.body.max_lease_ttl !== undefined) e.maxLeaseTtl = ttlField(ctx.body, 'max_lease_ttl');
  return null;
}

export function mountRoutes(core: CoreServices): SysRoute[] {
  return [
    { pattern: /^mounts\/?$/, ops: { read: () => list(core, 'secret') } },
    {
      pattern: /^mounts\/(.+?)\/tune\/?$/,
      ops: { read: (_c, m) => tuneRead(core, m[1]), update: (ctx, m) => tuneWrite(core, ctx, m[1]) },
    },
    {
      pattern: /^mounts\/(.+)$/,
      ops: {
        read: (_c, m) => readOne(core, 'secret', m[1]),
        update: (ctx, m) => enable(core, ctx, 'secret', m[1]),
        delete: (_c, m) => disable(core, 'secret', m[1]),
      },
    },
    { pattern: /^auth\/?$/, ops: { read: () => list(core, 'auth') } },
    {
      pattern: /^auth\/(.+?)\/tune\/?$/,
      root: true,
      ops: {
        read: (_c, m) => tuneRead(core, `auth/${m[1]}`),
        update: (ctx, m) => tuneWrite(core, ctx, `auth/${m[1]}`),
      },
    },
    {
      pattern: /^auth\/(.+)$/,
      root: true,
      ops: {
        read: (_c, m) => readOne(core, 'auth', m[1]),
        update: (ctx, m) => enable(core, ctx, 'auth', m[1]),
        delete: (_c, m) => disable(core, 'auth', m[1]),
      },
    },
  ];
}
