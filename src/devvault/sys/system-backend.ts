/**
 * The logical part of the sys/ mount. sys/health, seal-status, seal, unseal, init and
 * leader are HTTP handlers in Vault (they must work while sealed) and live in
 * sys/http-handlers.ts instead.
 */
import type { CoreContext, CoreResponse, CoreServices, InternalBackend } from '../internal-backend';
import { unsupportedOperation, unsupportedPath } from '../http/errors';
import { capabilityRoutes } from './capabilities';
import { leaseRoutes } from './leases';
import { mountRoutes } from './mounts';
import { policyRoutes } from './policies';
import { findRoute, handlerFor, type SysRoute } from './route';
import { wrappingRoutes } from './wrapping';

export class SystemBackend implements InternalBackend {
  readonly type = 'system';
  private readonly routes: SysRoute[];

  constructor(core: CoreServices) {
    this.routes = [
      ...capabilityRoutes(core),
      ...policyRoutes(core),
      ...mountRoutes(core),
      ...wrappingRoutes(core),
      ...leaseRoutes(core),
    ];
  }

  isUnauthenticated(path: string): boolean {
    return findRoute(this.routes, path)?.route.unauthenticated ?? false;
  }

  isRootProtected(path: string): boolean {
    return findRoute(this.routes, path)?.route.root ?? false;
  }

  exists(ctx: CoreContext): boolean {
    const found = findRoute(this.routes, ctx.path);
    if (!found || !found.route.exists) return true;
    return found.route.exists(ctx, found.m);
  }

  /** Whether this route has an existence check at all (else writes stay `update`). */
  hasExistenceCheck(path: string): boolean {
    return findRoute(this.routes, path)?.route.exists !== undefined;
  }

  handle(ctx: CoreContext): CoreResponse | null | undefined {
    const found = findRoute(this.routes, ctx.path);
    if (!found) throw unsupportedPath();
    const handler = handlerFor(found.route, ctx.operation);
    if (!handler) throw unsupportedOperation();
    return handler(ctx, found.m);
  }
}
