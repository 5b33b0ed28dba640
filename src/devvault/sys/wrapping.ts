/**
 * sys/wrapping/{wrap,unwrap,lookup,rewrap} (logical_system.go handleWrapping*),
 * reference §8. The wrapping token was already validated by the core before these run
 * (Vault does that in its HTTP layer), so here it is known to be live.
 */
import { invalidRequest } from '../http/errors';
import type { CoreContext, CoreResponse, CoreServices } from '../internal-backend';
import { rfc3339Nano } from '../util/time';
import { sortedData, type SysRoute } from './route';

/** The wrapping token of a request: `token` in the body (a third party), else the caller's. */
export function wrappingTokenOf(ctx: { body: Record<string, unknown>; clientToken: string; query?: Record<string, string> }): {
  token: string;
  thirdParty: boolean;
} {
  const fromBody = ctx.body.token ?? ctx.query?.token;
  if (fromBody !== undefined && fromBody !== null) return { token: String(fromBody), thirdParty: true };
  return { token: ctx.clientToken, thirdParty: false };
}

function wrap(ctx: CoreContext): CoreResponse {
  if (ctx.wrapTtl <= 0) throw invalidRequest('endpoint requires response wrapping to be used');
  return { data: { ...ctx.body } };
}

/** Read the stored response; a third party's read spends the token right away. */
function take(core: CoreServices, ctx: CoreContext): { response: string | null; creationPath: string; ttl: number } | null {
  const { token, thirdParty } = wrappingTokenOf(ctx);
  const stored = core.wrapping.get(token);
  if (!stored) return null;
  // With the token in the header, the core already spent its single use and revokes it
  // after this request; from the body we revoke it here.
  if (thirdParty) core.tokens.revokeTree(token);
  return { response: stored.response, creationPath: stored.creationPath, ttl: stored.creationTtl };
}

function unwrap(core: CoreServices, ctx: CoreContext): CoreResponse | null {
  const taken = take(core, ctx);
  if (!taken) return null;
  if (taken.response === null || taken.response === '') return { raw: { status: 204, body: null } };
  return { raw: { status: 200, body: taken.response } };
}

function lookup(core: CoreServices, ctx: CoreContext): CoreResponse | null {
  const { token } = wrappingTokenOf(ctx);
  const stored = core.wrapping.get(token);
  if (!stored) return null;
  return {
    data: sortedData({
      creation_path: stored.creationPath,
      creation_time: rfc3339Nano(stored.creationTime),
      creation_ttl: stored.creationTtl,
    }),
  };
}

function rewrap(core: CoreServices, ctx: CoreContext): CoreResponse | null {
  const taken = take(core, ctx);
  if (!taken) return null;
  return { rewrap: taken };
}

export function wrappingRoutes(core: CoreServices): SysRoute[] {
  return [
    { pattern: /^wrapping\/wrap$/, ops: { update: (ctx) => wrap(ctx) } },
    { pattern: /^wrapping\/unwrap$/, ops: { update: (ctx) => unwrap(core, ctx) } },
    {
      pattern: /^wrapping\/lookup$/,
      unauthenticated: true,
      ops: { update: (ctx) => lookup(core, ctx), read: (ctx) => lookup(core, ctx) },
    },
    { pattern: /^wrapping\/rewrap$/, ops: { update: (ctx) => rewrap(core, ctx) } },
  ];
}
