/**
 * The router's mount table (vault/router.go): secret engines at "<path>/" and auth
 * methods at "auth/<path>/", matched by longest prefix. A path without its trailing
 * slash also finds a mount ("secret" → "secret/"), as Vault's routeCommon does.
 */
import type { Backend } from '../backend';
import { hex8, uuid } from '../util/random';

export type MountKind = 'secret' | 'auth';

export interface MountEntry {
  /** Router path with trailing slash: "secret/", "auth/approle/". */
  path: string;
  kind: MountKind;
  type: string;
  description: string;
  accessor: string;
  uuid: string;
  options: Record<string, string> | null;
  local: boolean;
  sealWrap: boolean;
  /** Seconds; 0 = system default. */
  defaultLeaseTtl: number;
  maxLeaseTtl: number;
  backend: Backend;
}

export interface MountMatch {
  entry: MountEntry;
  /** The path inside the mount, no leading slash. */
  inner: string;
}

/** Vault's sanitizePath: strip leading slashes, ensure one trailing slash. */
export function sanitizeMountPath(path: string): string {
  let p = path.replace(/^\/+/, '');
  if (!p.endsWith('/')) p += '/';
  return p;
}

export function mountAccessor(kind: MountKind, type: string): string {
  return kind === 'auth' ? `auth_${type}_${hex8()}` : `${type}_${hex8()}`;
}

export class MountTable {
  private readonly entries = new Map<string, MountEntry>();

  add(entry: Omit<MountEntry, 'accessor' | 'uuid'> & { accessor?: string }): MountEntry {
    const full: MountEntry = { ...entry, accessor: entry.accessor ?? mountAccessor(entry.kind, entry.type), uuid: uuid() };
    this.entries.set(full.path, full);
    return full;
  }

  /** The existing mount a new path would collide with (MountConflict), or undefined. */
  conflict(path: string): MountEntry | undefined {
    for (const e of this.entries.values()) {
      if (path.startsWith(e.path) || e.path.startsWith(path)) return e;
    }
    return undefined;
  }

  remove(path: string): MountEntry | undefined {
    const e = this.entries.get(path);
    if (e) this.entries.delete(path);
    return e;
  }

  get(path: string): MountEntry | undefined {
    return this.entries.get(path);
  }

  byAccessor(accessor: string): MountEntry | undefined {
    for (const e of this.entries.values()) if (e.accessor === accessor) return e;
    return undefined;
  }

  list(kind: MountKind): MountEntry[] {
    return [...this.entries.values()].filter((e) => e.kind === kind).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  match(path: string): MountMatch | null {
    let best: MountEntry | undefined;
    const consider = (p: string): void => {
      for (const e of this.entries.values()) {
        if (p.startsWith(e.path) && (!best || e.path.length > best.path.length)) best = e;
      }
    };
    consider(path);
    let adjusted = path;
    if (!best && !path.endsWith('/')) {
      adjusted = `${path}/`;
      consider(adjusted);
    }
    if (!best) return null;
    return { entry: best, inner: adjusted.slice(best.path.length) };
  }
}
