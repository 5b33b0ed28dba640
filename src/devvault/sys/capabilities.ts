/**
 * sys/capabilities-self, sys/capabilities and sys/capabilities-accessor
 * (handleCapabilities, Core.Capabilities), reference §7.
 */
import { LogicalError } from '../backend';
import { toCommaStringSlice } from '../backends/fields';
import { statusBadRequest } from '../http/errors';
import type { CoreContext, CoreResponse, CoreServices } from '../internal-backend';
import { sortedData, type SysRoute } from './route';

function pathsOf(ctx: CoreContext): string[] {
  let paths = toCommaStringSlice(ctx.body.paths);
  if (paths.length === 0) paths = toCommaStringSlice(ctx.body.path);
  return paths;
}

/** Core.Capabilities: the sorted capabilities of `token` on `path`. */
export function capabilitiesOf(core: CoreServices, token: string, path: string): string[] {
  if (path === '') throw statusBadRequest('missing path');
  if (token === '') throw statusBadRequest('missing token');
  const entry = core.tokens.lookup(token, true);
  if (!entry) throw statusBadRequest('invalid token');
  return core.policies.acl(entry.policies).capabilities(path);
}

function capabilities(core: CoreServices, ctx: CoreContext, token: string): CoreResponse {
  if (token === '') throw new LogicalError('no token found', { plain: true });
  const paths = pathsOf(ctx);
  if (paths.length === 0) throw new LogicalError('paths must be supplied');
  const data: Record<string, unknown> = {};
  for (const p of paths) data[p] = capabilitiesOf(core, token, p);
  // Kept by Vault for backwards compatibility with single-path callers.
  if (paths.length === 1) data.capabilities = data[paths[0]];
  return { data: sortedData(data) };
}

function bodyString(ctx: CoreContext, key: string): string {
  const v = ctx.body[key];
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

export function capabilityRoutes(core: CoreServices): SysRoute[] {
  return [
    {
      pattern: /^capabilities-self$/,
      ops: { update: (ctx) => capabilities(core, ctx, ctx.clientToken) },
    },
    {
      pattern: /^capabilities$/,
      ops: { update: (ctx) => capabilities(core, ctx, bodyString(ctx, 'token')) },
    },
    {
      pattern: /^capabilities-accessor$/,
      ops: {
        update: (ctx) => {
          const accessor = bodyString(ctx, 'accessor');
          if (accessor === '') throw new LogicalError('missing accessor');
          const token = core.tokens.idByAccessor(accessor);
          if (token === undefined) throw statusBadRequest('invalid accessor');
          return capabilities(core, ctx, token);
        },
      },
    },
  ];
}
