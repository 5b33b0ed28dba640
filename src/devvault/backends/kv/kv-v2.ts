/**
 * KV version 2 (vault-plugin-secrets-kv: path_data.go, path_metadata.go, path_delete.go,
 * path_destroy.go, path_config.go, backend.go pathInvalid), reference §5.3.
 *
 * Each key keeps its versions' metadata and data separately: soft delete sets a
 * deletion time, destroy drops the data, and pruning past max_versions drops both
 * and moves oldest_version up. A version whose deletion time has come is "deleted"
 * (at or after the time, so an injected clock that does not move still sees its own
 * delete), and reads of it answer 404 with the full envelope.
 */
import { Backend, BackendResponse, LogicalError, RequestContext } from '../../backend';
import { goDurationString, rfc3339Nano } from '../duration';
import { FieldSchema, Parsed, has, parseFields, requestData, toInt } from '../fields';
import { sortKeysDeep } from '../go-json';
import { parseCustomMetadata, validateCustomMetadata } from './custom-metadata';
import { listChildren, listPrefix } from './key-listing';
import { mergePatch } from './merge-patch';

const DEFAULT_MAX_VERSIONS = 10;
/** Config value meaning "delete_version_after disabled on every key" (Go: -1s). */
const DVA_DISABLED = -1;

interface VersionMeta {
  createdTime: number;
  deletionTime: number | null;
  destroyed: boolean;
}

interface KeyMeta {
  versions: Map<number, VersionMeta>;
  /** Version data as JSON text; absent once destroyed or pruned. */
  data: Map<number, string>;
  currentVersion: number;
  oldestVersion: number;
  createdTime: number;
  updatedTime: number;
  maxVersions: number;
  casRequired: boolean;
  /** Seconds; 0 = not set. */
  deleteVersionAfter: number;
  customMetadata: Record<string, string> | null;
}

interface Config {
  maxVersions: number;
  casRequired: boolean;
  /** Seconds; 0 = not set, DVA_DISABLED = disabled. */
  deleteVersionAfter: number;
}

const DATA_FIELDS: FieldSchema = { version: 'int', options: 'map', data: 'map' };
const METADATA_FIELDS: FieldSchema = {
  cas_required: 'bool',
  max_versions: 'int',
  delete_version_after: 'duration',
  custom_metadata: 'map',
};
const CONFIG_FIELDS: FieldSchema = {
  max_versions: 'int',
  cas_required: 'bool',
  delete_version_after: 'signedDuration',
};
const VERSIONS_FIELDS: FieldSchema = { versions: 'commaIntSlice' };

const ROOT_PATHS = new Set(['metadata', 'data', 'delete', 'undelete', 'destroy']);

const CLI_VERB: Record<RequestContext['operation'], string> = {
  create: 'put',
  update: 'put',
  patch: 'patch',
  read: 'get',
  list: 'list',
  delete: 'delete',
};

function unsupportedOperation(): never {
  throw new LogicalError('unsupported operation', { plain: true });
}

/** Go's uint32(int) conversion, which is what Vault stores for max_versions. */
function toUint32(n: number): number {
  return n >>> 0;
}

/** The effective deletion time for a version created at `at` (delete_version_after.go). */
function deletionTimeFor(at: number, mountDva: number, keyDva: number): number | null {
  if (mountDva === 0 && keyDva === 0) return null;
  let min = keyDva;
  if ((mountDva !== 0 && mountDva < min) || min === 0) min = mountDva;
  return at + min * 1000;
}

export class KvV2Backend implements Backend {
  readonly type = 'kv';
  private readonly keys = new Map<string, KeyMeta>();
  private config: Config = { maxVersions: 0, casRequired: false, deleteVersionAfter: 0 };

  exists(ctx: RequestContext): boolean {
    const route = this.route(ctx.path);
    if (route.kind === 'data' || route.kind === 'metadata') return this.keys.has(route.key);
    // Paths without an existence check are always "update" in Vault.
    return true;
  }

  handle(ctx: RequestContext): BackendResponse | null {
    const path = ctx.operation === 'list' ? listPrefix(ctx.path) : ctx.path;
    const route = this.route(path);
    switch (route.kind) {
      case 'config':
        return this.handleConfig(ctx);
      case 'data':
        return this.handleData(ctx, route.key);
      case 'metadata':
        return this.handleMetadata(ctx, route.key);
      case 'delete':
      case 'undelete':
      case 'destroy':
        if (ctx.operation !== 'update' && ctx.operation !== 'create') unsupportedOperation();
        return this.handleVersions(ctx, route.kind, route.key);
      case 'invalid':
        return this.invalidPath(ctx, path);
    }
  }

  private route(path: string): { kind: 'config' | 'invalid'; key: string } | {
    kind: 'data' | 'metadata' | 'delete' | 'undelete' | 'destroy';
    key: string;
  } {
    if (path === 'config') return { kind: 'config', key: '' };
    const m = /^(data|metadata|delete|undelete|destroy)\/(.*)$/s.exec(path);
    if (!m) return { kind: 'invalid', key: '' };
    const kind = m[1] as 'data' | 'metadata' | 'delete' | 'undelete' | 'destroy';
    const key = m[2];
    // data/ needs a non-empty key that does not end in "/" (matchAllNoTrailingSlashRegex).
    if (kind === 'data' && (key === '' || key.endsWith('/'))) return { kind: 'invalid', key: '' };
    return { kind, key };
  }

  /** A v1-style path on a v2 mount: 404 carrying a warning (backend.go pathInvalid). */
  private invalidPath(ctx: RequestContext, path: string): BackendResponse {
    const warning = ROOT_PATHS.has(path)
      ? 'Non-listing operations on the root of a K/V v2 mount are not supported.'
      : `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${CLI_VERB[ctx.operation]}' for this operation.`;
    return { data: null, warnings: [warning], rawStatus: 404 };
  }

  // ---------------------------------------------------------------- config

  private handleConfig(ctx: RequestContext): BackendResponse | null {
    if (ctx.operation === 'read') {
      const c = this.config;
      return {
        data: {
          cas_required: c.casRequired,
          delete_version_after: goDurationString(c.deleteVersionAfter),
          max_versions: c.maxVersions,
        },
      };
    }
    if (ctx.operation !== 'update' && ctx.operation !== 'create') unsupportedOperation();
    const f = parseFields(ctx.body, CONFIG_FIELDS);
    if (!has(f, 'max_versions') && !has(f, 'cas_required') && !has(f, 'delete_version_after')) return null;
    const next = { ...this.config };
    if (has(f, 'max_versions')) next.maxVersions = toUint32(f.max_versions as number);
    if (has(f, 'cas_required')) next.casRequired = f.cas_required as boolean;
    if (has(f, 'delete_version_after')) {
      const dva = f.delete_version_after as number;
      next.deleteVersionAfter = dva < 0 ? DVA_DISABLED : dva;
    }
    this.config = next;
    return null;
  }

  // ---------------------------------------------------------------- data

  private handleData(ctx: RequestContext, key: string): BackendResponse | null {
    switch (ctx.operation) {
      case 'read':
        return this.readData(ctx, key);
      case 'create':
      case 'update':
        return this.writeData(ctx, key);
      case 'patch':
        return this.patchData(ctx, key);
      case 'delete':
        return this.deleteLatest(ctx, key);
      default:
        return unsupportedOperation();
    }
  }

  private isDeleted(vm: VersionMeta, now: number): boolean {
    return vm.deletionTime !== null && vm.deletionTime <= now;
  }

  private versionMetadata(meta: KeyMeta, version: number, vm: VersionMeta): Record<string, unknown> {
    return {
      created_time: rfc3339Nano(vm.createdTime),
      custom_metadata: meta.customMetadata ? sortKeysDeep(meta.customMetadata) : null,
      deletion_time: vm.deletionTime === null ? '' : rfc3339Nano(vm.deletionTime),
      destroyed: vm.destroyed,
      version,
    };
  }

  private readData(ctx: RequestContext, key: string): BackendResponse | null {
    const f = parseFields(requestData(ctx), DATA_FIELDS);
    const meta = this.keys.get(key);
    if (!meta) return null;
    const requested = (f.version as number | undefined) ?? 0;
    const version = requested > 0 ? requested : meta.currentVersion;
    const vm = meta.versions.get(version);
    if (!vm) return null;
    const metadata = this.versionMetadata(meta, version, vm);
    if (this.isDeleted(vm, ctx.clock.now()) || vm.destroyed) {
      // logical.RespondWithStatusCode: the whole envelope, with status 404.
      return { data: { data: null, metadata }, rawStatus: 404 };
    }
    const raw = meta.data.get(version);
    if (raw === undefined) throw new LogicalError('could not find version data', { plain: true });
    return { data: { data: sortKeysDeep(JSON.parse(raw) as unknown), metadata } };
  }

  /** validateCheckAndSetOption in path_data.go. */
  private checkCas(f: Parsed, meta: KeyMeta | undefined): void {
    const options = f.options as Record<string, unknown> | null | undefined;
    const current = meta?.currentVersion ?? 0;
    if (options && Object.prototype.hasOwnProperty.call(options, 'cas')) {
      let cas: number;
      try {
        cas = toInt(options.cas);
      } catch {
        throw new LogicalError('error parsing check-and-set parameter');
      }
      if (cas !== current) throw new LogicalError('check-and-set parameter did not match the current version');
    } else if (this.config.casRequired || meta?.casRequired) {
      throw new LogicalError('check-and-set parameter required for this call');
    }
  }

  private newKeyMeta(now: number): KeyMeta {
    return {
      versions: new Map(),
      data: new Map(),
      currentVersion: 0,
      oldestVersion: 0,
      createdTime: now,
      updatedTime: now,
      maxVersions: 0,
      casRequired: false,
      deleteVersionAfter: 0,
      customMetadata: null,
    };
  }

  /** Appends a version and prunes past max_versions (KeyMetadata.AddVersion). */
  private addVersion(meta: KeyMeta, data: unknown, now: number, isNew: boolean): BackendResponse {
    let deletionTime: number | null = null;
    if (this.config.deleteVersionAfter !== DVA_DISABLED) {
      deletionTime = deletionTimeFor(now, this.config.deleteVersionAfter, meta.deleteVersionAfter);
    }
    const vm: VersionMeta = { createdTime: now, deletionTime, destroyed: false };
    meta.currentVersion += 1;
    meta.versions.set(meta.currentVersion, vm);
    meta.data.set(meta.currentVersion, JSON.stringify(data));
    meta.updatedTime = now;
    if (isNew) meta.createdTime = now;

    const configured = Math.max(meta.maxVersions, this.config.maxVersions);
    const maxVersions = configured > 0 ? configured : DEFAULT_MAX_VERSIONS;
    if (meta.currentVersion - meta.oldestVersion >= maxVersions) {
      const versionToDelete = meta.currentVersion - maxVersions;
      for (let i = meta.oldestVersion; i <= versionToDelete; i++) {
        meta.versions.delete(i);
        meta.data.delete(i);
      }
      meta.oldestVersion = versionToDelete + 1;
    }
    const out = this.versionMetadata(meta, meta.currentVersion, vm);
    return { data: out };
  }

  private writeData(ctx: RequestContext, key: string): BackendResponse {
    const f = parseFields(ctx.body, DATA_FIELDS);
    if (!has(f, 'data')) throw new LogicalError('no data provided');
    const existing = this.keys.get(key);
    this.checkCas(f, existing);
    const now = ctx.clock.now();
    const meta = existing ?? this.newKeyMeta(now);
    const resp = this.addVersion(meta, f.data, now, !existing);
    this.keys.set(key, meta);
    return resp;
  }

  private patchData(ctx: RequestContext, key: string): BackendResponse | null {
    const f = parseFields(ctx.body, DATA_FIELDS);
    if (!has(f, 'data')) throw new LogicalError('no data provided');
    const meta = this.keys.get(key);
    // RespondWithStatusCode(nil, req, 404): a bare 404.
    if (!meta) return { rawStatus: 404 };
    this.checkCas(f, meta);
    const current = meta.currentVersion;
    const vm = meta.versions.get(current);
    if (!vm) return { rawStatus: 404 };
    const now = ctx.clock.now();
    if (this.isDeleted(vm, now) || vm.destroyed) {
      return { data: this.versionMetadata(meta, current, vm), rawStatus: 404 };
    }
    const raw = meta.data.get(current);
    if (raw === undefined) throw new LogicalError('could not find version data', { plain: true });
    const patched = mergePatch(JSON.parse(raw) as unknown, f.data);
    return this.addVersion(meta, patched, now, false);
  }

  private deleteLatest(ctx: RequestContext, key: string): null {
    const meta = this.keys.get(key);
    if (!meta) return null;
    const lv = meta.versions.get(meta.currentVersion);
    const now = ctx.clock.now();
    if (!lv || lv.destroyed || this.isDeleted(lv, now)) return null;
    lv.deletionTime = now;
    return null;
  }

  // ---------------------------------------------------------------- delete / undelete / destroy

  private handleVersions(ctx: RequestContext, kind: 'delete' | 'undelete' | 'destroy', key: string): null {
    const f = parseFields(ctx.body, VERSIONS_FIELDS);
    const versions = (f.versions as number[] | undefined) ?? [];
    if (versions.length === 0) {
      throw new LogicalError(kind === 'destroy' ? 'no version number provided' : 'No version number provided');
    }
    const meta = this.keys.get(key);
    if (!meta) return null;
    const now = ctx.clock.now();
    for (const n of versions) {
      const vm = meta.versions.get(n);
      if (!vm || vm.destroyed) continue;
      if (kind === 'delete') {
        if (!this.isDeleted(vm, now)) vm.deletionTime = now;
      } else if (kind === 'undelete') {
        vm.deletionTime = null;
        if (this.config.deleteVersionAfter !== DVA_DISABLED) {
          vm.deletionTime = deletionTimeFor(now, this.config.deleteVersionAfter, meta.deleteVersionAfter);
        }
      } else {
        vm.destroyed = true;
        meta.data.delete(n);
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- metadata

  private handleMetadata(ctx: RequestContext, key: string): BackendResponse | null {
    switch (ctx.operation) {
      case 'list':
        return { data: { keys: listChildren(this.keys.keys(), key) } };
      case 'read':
        return this.readMetadata(key);
      case 'create':
      case 'update':
        return this.writeMetadata(ctx, key);
      case 'patch':
        return this.patchMetadata(ctx, key);
      case 'delete':
        this.keys.delete(key);
        return null;
    }
  }

  private readMetadata(key: string): BackendResponse | null {
    const meta = this.keys.get(key);
    if (!meta) return null;
    const versions: Record<string, unknown> = {};
    for (const [n, vm] of [...meta.versions.entries()].sort((a, b) => a[0] - b[0])) {
      versions[String(n)] = {
        created_time: rfc3339Nano(vm.createdTime),
        deletion_time: vm.deletionTime === null ? '' : rfc3339Nano(vm.deletionTime),
        destroyed: vm.destroyed,
      };
    }
    return {
      data: {
        cas_required: meta.casRequired,
        created_time: rfc3339Nano(meta.createdTime),
        current_version: meta.currentVersion,
        custom_metadata: meta.customMetadata ? sortKeysDeep(meta.customMetadata) : null,
        delete_version_after: goDurationString(meta.deleteVersionAfter),
        max_versions: meta.maxVersions,
        oldest_version: meta.oldestVersion,
        updated_time: rfc3339Nano(meta.updatedTime),
        versions,
      },
    };
  }

  private casWarning(f: Parsed): string[] | undefined {
    if (has(f, 'cas_required') && this.config.casRequired && f.cas_required === false) {
      return ['"cas_required" set to false, but is mandated by backend config. This value will be ignored.'];
    }
    return undefined;
  }

  private writeMetadata(ctx: RequestContext, key: string): BackendResponse | null {
    if (key === '') throw new LogicalError('missing path');
    const f = parseFields(ctx.body, METADATA_FIELDS);
    if (!['max_versions', 'cas_required', 'delete_version_after', 'custom_metadata'].some((k) => has(f, k))) {
      return null;
    }
    let custom: Record<string, string> | undefined;
    if (has(f, 'custom_metadata')) {
      const parsed = parseCustomMetadata((f.custom_metadata as Record<string, unknown> | null) ?? {}, false);
      validateCustomMetadata(parsed);
      custom = parsed as Record<string, string>;
    }
    const warnings = this.casWarning(f);
    const meta = this.keys.get(key) ?? this.newKeyMeta(ctx.clock.now());
    if (has(f, 'max_versions')) meta.maxVersions = toUint32(f.max_versions as number);
    if (has(f, 'cas_required')) meta.casRequired = f.cas_required as boolean;
    if (has(f, 'delete_version_after')) meta.deleteVersionAfter = f.delete_version_after as number;
    if (custom) meta.customMetadata = custom;
    this.keys.set(key, meta);
    return warnings ? { warnings } : null;
  }

  private patchMetadata(ctx: RequestContext, key: string): BackendResponse | null {
    if (key === '') throw new LogicalError('missing path');
    const f = parseFields(ctx.body, METADATA_FIELDS);
    let customPatch: Record<string, string | null> | undefined;
    if (has(f, 'custom_metadata')) {
      customPatch = parseCustomMetadata((f.custom_metadata as Record<string, unknown> | null) ?? {}, true);
      validateCustomMetadata(customPatch);
    }
    const meta = this.keys.get(key);
    if (!meta) return { rawStatus: 404 };
    const warnings = this.casWarning(f);
    if (has(f, 'max_versions')) meta.maxVersions = toUint32(f.max_versions as number);
    if (has(f, 'cas_required')) meta.casRequired = f.cas_required as boolean;
    if (has(f, 'delete_version_after')) meta.deleteVersionAfter = f.delete_version_after as number;
    if (customPatch) {
      meta.customMetadata = mergePatch(meta.customMetadata ?? {}, customPatch) as Record<string, string>;
    }
    return warnings ? { warnings } : null;
  }
}
