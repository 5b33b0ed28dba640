/**
 * The AppRole auth method (hashicorp/vault builtin/credential/approle), reference §3:
 * roles, role IDs, secret IDs and login. Routing mirrors the plugin's path table; an
 * unknown path is Vault's "unsupported path" (404), a known path with an operation it
 * does not take is "unsupported operation" (405).
 */
import { randomUUID } from 'node:crypto';
import { Backend, BackendResponse, LogicalError, RequestContext } from '../../backend';
import { Parsed, parseFields, requestData } from '../fields';
import { login } from './login';
import {
  ROLE_FIELDS,
  ROLE_NAME,
  Role,
  applyRoleFields,
  checkRoleNameLength,
  cloneRole,
  hasConstraint,
  newRole,
  roleReadData,
} from './role';
import { ROLE_FIELD_PATHS, RoleFieldPath } from './role-field-paths';
import {
  SECRET_ID_FIELDS,
  issueSecretId,
  removeSecretId,
  secretIdHmac,
  secretIdLookupData,
  tidyExpired,
} from './secret-id';

type Op = RequestContext['operation'];

const ROLE_PATH = new RegExp(`^role/(${ROLE_NAME})(?:/(.+))?$`);

function unsupportedOperation(): never {
  throw new LogicalError('unsupported operation', { plain: true });
}

function unsupportedPath(): never {
  throw new LogicalError('unsupported path', { plain: true });
}

function isWrite(op: Op): boolean {
  return op === 'create' || op === 'update';
}

export class AppRoleBackend implements Backend {
  readonly type = 'approle';
  private readonly roles = new Map<string, Role>();
  /** role_id → role name (Vault's "role_id/" secondary index). */
  private readonly roleIds = new Map<string, string>();

  isUnauthenticated(path: string): boolean {
    return path === 'login';
  }

  /** Only role/:name has an existence check; every other write is an update. */
  exists(ctx: RequestContext): boolean {
    const m = ROLE_PATH.exec(ctx.path);
    if (m && m[2] === undefined) return this.roles.has(m[1].toLowerCase());
    return true;
  }

  handle(ctx: RequestContext): BackendResponse | null {
    const path = ctx.path;
    if (path === 'login') {
      if (!isWrite(ctx.operation)) unsupportedOperation();
      const f = parseFields(ctx.body, { role_id: 'string', secret_id: 'string' });
      const auth = login(ctx, { roleById: (id) => this.roleById(id) }, (f.role_id as string) ?? '', (f.secret_id as string) ?? '');
      return { auth };
    }
    if (path === 'role' || path === 'role/') {
      if (ctx.operation !== 'list') unsupportedOperation();
      return { data: { keys: [...this.roles.keys()].sort() } };
    }
    const m = ROLE_PATH.exec(path);
    if (!m) unsupportedPath();
    const name = m[1];
    const sub = m[2];
    if (sub === undefined) return this.handleRole(ctx, name);
    switch (sub) {
      case 'role-id':
        return this.handleRoleId(ctx, name);
      case 'secret-id':
      case 'secret-id/':
        if (ctx.operation === 'list') return this.listSecretIds(ctx, name);
        if (!isWrite(ctx.operation)) unsupportedOperation();
        return this.generateSecretId(ctx, name, randomUUID(), false);
      case 'custom-secret-id':
        if (!isWrite(ctx.operation)) unsupportedOperation();
        return this.generateSecretId(ctx, name, '', true);
      case 'secret-id/lookup':
        if (!isWrite(ctx.operation)) unsupportedOperation();
        return this.lookupSecretId(ctx, name);
      case 'secret-id/destroy':
        if (!isWrite(ctx.operation) && ctx.operation !== 'delete') unsupportedOperation();
        return this.destroySecretId(ctx, name);
      case 'secret-id-accessor/lookup':
        if (!isWrite(ctx.operation)) unsupportedOperation();
        return this.lookupAccessor(ctx, name);
      case 'secret-id-accessor/destroy':
        if (!isWrite(ctx.operation) && ctx.operation !== 'delete') unsupportedOperation();
        return this.destroyAccessor(ctx, name);
      default: {
        const fieldPath = ROLE_FIELD_PATHS[sub];
        if (!fieldPath) unsupportedPath();
        return this.handleFieldPath(ctx, name, fieldPath);
      }
    }
  }

  // ---------------------------------------------------------------- storage

  private roleById(roleId: string): Role | undefined {
    const name = this.roleIds.get(roleId);
    return name === undefined ? undefined : this.roles.get(name);
  }

  private getRole(name: string): Role | undefined {
    return this.roles.get(name.toLowerCase());
  }

  /**
   * setRoleEntry: the constraint rule and role_id uniqueness are bare Go errors in
   * Vault (500, or 400 when the response already carries warnings).
   */
  private saveRole(role: Role, previousRoleId: string, warnings: string[]): void {
    const status = warnings.length > 0 ? 400 : undefined;
    if (!hasConstraint(role)) {
      throw new LogicalError('at least one constraint should be enabled on the role', { plain: true, status });
    }
    const owner = this.roleIds.get(role.roleId);
    if (owner !== undefined && owner !== role.name) {
      throw new LogicalError('role_id already in use', { plain: true, status });
    }
    if (previousRoleId !== '' && previousRoleId !== role.roleId) this.roleIds.delete(previousRoleId);
    this.roles.set(role.name, role);
    this.roleIds.set(role.roleId, role.name);
  }

  // ---------------------------------------------------------------- role

  private handleRole(ctx: RequestContext, name: string): BackendResponse | null {
    switch (ctx.operation) {
      case 'read': {
        const role = this.getRole(name);
        return role ? { data: roleReadData(role) } : null;
      }
      case 'create':
      case 'update':
        return this.writeRole(ctx, name);
      case 'delete': {
        const role = this.getRole(name);
        if (role) {
          // Deleting a role takes its secret IDs and its role_id index with it.
          role.secretIds.clear();
          role.accessors.clear();
          this.roleIds.delete(role.roleId);
          this.roles.delete(role.name);
        }
        return null;
      }
      default:
        return unsupportedOperation();
    }
  }

  private writeRole(ctx: RequestContext, name: string): BackendResponse | null {
    checkRoleNameLength(name);
    const f = parseFields(ctx.body, ROLE_FIELDS);
    const existing = this.getRole(name);
    if (!existing && ctx.operation === 'update') {
      throw new LogicalError(`role name ${JSON.stringify(name)} doesn't exist`, { status: 404 });
    }
    const role = existing ? cloneRole(existing) : newRole(name);
    const previousRoleId = role.roleId;
    const warnings = applyRoleFields(role, f, ctx.body.token_type, !existing);
    this.saveRole(role, previousRoleId, warnings);
    return warnings.length > 0 ? { warnings } : null;
  }

  private handleRoleId(ctx: RequestContext, name: string): BackendResponse | null {
    if (ctx.operation === 'read') {
      const role = this.getRole(name);
      return role ? { data: { role_id: role.roleId } } : null;
    }
    if (!isWrite(ctx.operation)) unsupportedOperation();
    const f = parseFields(ctx.body, { role_id: 'string' });
    const existing = this.getRole(name);
    if (!existing) unsupportedPath();
    const role = cloneRole(existing);
    const previous = role.roleId;
    role.roleId = (f.role_id as string | undefined) ?? '';
    if (role.roleId === '') throw new LogicalError('missing role_id');
    this.saveRole(role, previous, []);
    return null;
  }

  private handleFieldPath(ctx: RequestContext, name: string, fp: RoleFieldPath): BackendResponse | null {
    const op = ctx.operation;
    if (op === 'read' && fp.read) {
      const role = this.getRole(name);
      return role ? fp.read(role) : null;
    }
    if (isWrite(op) && fp.update) {
      const f = parseFields(ctx.body, fp.fields);
      const existing = this.getRole(name);
      if (!existing) unsupportedPath();
      const role = cloneRole(existing);
      fp.update(role, f);
      this.saveRole(role, '', []);
      return null;
    }
    if (op === 'delete' && fp.reset) {
      const existing = this.getRole(name);
      if (!existing) return null;
      const role = cloneRole(existing);
      fp.reset(role);
      this.saveRole(role, '', []);
      return null;
    }
    return unsupportedOperation();
  }

  // ---------------------------------------------------------------- secret IDs

  private generateSecretId(ctx: RequestContext, name: string, generated: string, custom: boolean): BackendResponse {
    const f: Parsed = parseFields(ctx.body, SECRET_ID_FIELDS);
    const secretId = custom ? ((f.secret_id as string | undefined) ?? '') : generated;
    if (secretId === '') throw new LogicalError('missing secret_id');
    const role = this.getRole(name);
    if (!role) throw new LogicalError(`role ${JSON.stringify(name)} does not exist`, { status: 404 });
    const now = ctx.clock.now();
    tidyExpired(role, now);
    return { data: issueSecretId(role, f, secretId, now) };
  }

  private listSecretIds(ctx: RequestContext, name: string): BackendResponse {
    const role = this.getRole(name);
    if (!role) throw new LogicalError(`role ${JSON.stringify(name)} does not exist`);
    tidyExpired(role, ctx.clock.now());
    // Vault lists by HMAC order, so accessors come out in no meaningful order.
    const keys = [...role.secretIds.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, e]) => e.accessor);
    return { data: { keys } };
  }

  /** Lookups on an unknown role are bare Go errors in Vault: 500. */
  private roleForSecretOp(ctx: RequestContext, name: string): Role {
    const role = this.getRole(name);
    if (!role) throw new LogicalError(`role ${JSON.stringify(name)} does not exist`, { plain: true });
    tidyExpired(role, ctx.clock.now());
    return role;
  }

  private secretIdField(ctx: RequestContext): string {
    const f = parseFields(requestData(ctx), { secret_id: 'string' });
    const secretId = (f.secret_id as string | undefined) ?? '';
    if (secretId === '') throw new LogicalError('missing secret_id');
    return secretId;
  }

  private accessorField(ctx: RequestContext): string {
    const f = parseFields(requestData(ctx), { secret_id_accessor: 'string' });
    const accessor = (f.secret_id_accessor as string | undefined) ?? '';
    if (accessor === '') throw new LogicalError('missing secret_id_accessor');
    return accessor;
  }

  private lookupSecretId(ctx: RequestContext, name: string): BackendResponse | null {
    const secretId = this.secretIdField(ctx);
    const role = this.roleForSecretOp(ctx, name);
    const entry = role.secretIds.get(secretIdHmac(role, secretId));
    // An unknown secret ID is a nil response to an update: 204, not 404 (reference §3.5).
    return entry ? { data: secretIdLookupData(entry) } : null;
  }

  private destroySecretId(ctx: RequestContext, name: string): null {
    const secretId = this.secretIdField(ctx);
    const role = this.roleForSecretOp(ctx, name);
    removeSecretId(role, secretIdHmac(role, secretId));
    return null;
  }

  private lookupAccessor(ctx: RequestContext, name: string): BackendResponse | null {
    const accessor = this.accessorField(ctx);
    const role = this.roleForSecretOp(ctx, name);
    const hmac = role.accessors.get(accessor);
    if (hmac === undefined) {
      // logical.RespondWithStatusCode(ErrorResponse(…), 404): an envelope whose data is the error.
      return {
        data: { error: `failed to find accessor entry for secret_id_accessor: ${JSON.stringify(accessor)}` },
        rawStatus: 404,
      };
    }
    const entry = role.secretIds.get(hmac);
    return entry ? { data: secretIdLookupData(entry) } : null;
  }

  private destroyAccessor(ctx: RequestContext, name: string): null {
    const accessor = this.accessorField(ctx);
    const role = this.roleForSecretOp(ctx, name);
    const hmac = role.accessors.get(accessor);
    if (hmac === undefined) {
      throw new LogicalError(`failed to find accessor entry for secret_id_accessor: ${JSON.stringify(accessor)}`, {
        plain: true,
      });
    }
    if (!role.secretIds.has(hmac)) throw new LogicalError('invalid secret id accessor', { status: 403 });
    removeSecretId(role, hmac);
    return null;
  }
}

export function createAppRoleBackend(): Backend {
  return new AppRoleBackend();
}
