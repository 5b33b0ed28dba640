/**
 * cubbyhole/: a private key/value space per token (builtin/logical/cubbyhole), destroyed
 * with the token. Present because the default policy grants it and clients expect it.
 */
import { LogicalError } from './backend';
import { unsupportedOperation } from './http/errors';
import type { CoreContext, CoreResponse, InternalBackend } from './internal-backend';
import type { TokenStore } from './tokens/token-store';

export class CubbyholeBackend implements InternalBackend {
  readonly type = 'cubbyhole';
  private readonly spaces = new Map<string, Map<string, Record<string, unknown>>>();

  constructor(tokens: TokenStore) {
    tokens.onRevoke((entry) => this.spaces.delete(entry.id));
  }

  private space(ctx: CoreContext): Map<string, Record<string, unknown>> {
    let s = this.spaces.get(ctx.clientToken);
    if (!s) {
      s = new Map();
      this.spaces.set(ctx.clientToken, s);
    }
    return s;
  }

  exists(ctx: CoreContext): boolean {
    return this.space(ctx).has(ctx.path);
  }

  handle(ctx: CoreContext): CoreResponse | null {
    const space = this.space(ctx);
    switch (ctx.operation) {
      case 'read': {
        const v = space.get(ctx.path);
        return v ? { data: v } : null;
      }
      case 'create':
      case 'update':
        if (ctx.path === '') throw new LogicalError('missing path');
        if (Object.keys(ctx.body).length === 0) throw new LogicalError('missing data fields');
        space.set(ctx.path, { ...ctx.body });
        return null;
      case 'delete':
        space.delete(ctx.path);
        return null;
      case 'list': {
        const keys = new Set<string>();
        for (const k of space.keys()) {
          if (!k.startsWith(ctx.path)) continue;
          const rest = k.slice(ctx.path.length);
          const slash = rest.indexOf('/');
          keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
        }
        return { data: { keys: [...keys].sort() } };
      }
      default:
        throw unsupportedOperation();
    }
  }
}
