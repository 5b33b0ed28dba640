/**
 * A path table for the built-in sys/ backend, in the style of sdk/framework: each route
 * is a regular expression over the path inside the mount, with the operations it takes.
 * An unmatched path is "unsupported path" (404); a matched path called with another
 * operation is "unsupported operation" (405).
 */
import type { Operation } from '../backend';
import type { CoreContext, CoreResponse } from '../internal-backend';

export type SysHandler = (ctx: CoreContext, m: RegExpExecArray) => CoreResponse | null | undefined;

export interface SysRoute {
  pattern: RegExp;
  /** Handlers by operation; `create` falls back to `update` like Vault's framework. */
  ops: Partial<Record<Operation, SysHandler>>;
  /** An existence check makes a write to a missing target a `create` (needs that capability). */
  exists?: (ctx: CoreContext, m: RegExpExecArray) => boolean;
  /** PathsSpecial.Root: needs sudo. */
  root?: boolean;
  /** PathsSpecial.Unauthenticated. */
  unauthenticated?: boolean;
}

export function findRoute(routes: SysRoute[], path: string): { route: SysRoute; m: RegExpExecArray } | null {
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (m) return { route, m };
  }
  return null;
}

export function handlerFor(route: SysRoute, op: Operation): SysHandler | undefined {
  return route.ops[op] ?? (op === 'create' ? route.ops.update : undefined);
}

/** Sorted copy of a data map, as Go prints a map. */
export function sortedData(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(data).sort()) out[k] = data[k];
  return out;
}
