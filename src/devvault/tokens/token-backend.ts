/**
 * The token auth method mounted at auth/token/ (vault/token_store.go), reference §4:
 * create, create-orphan, lookup, lookup-self, lookup-accessor, renew, renew-self,
 * renew-accessor, revoke, revoke-self, revoke-accessor, revoke-orphan, accessors.
 */
import { LogicalError, type Operation } from '../backend';
import { parseFields } from '../backends/fields';
import {
  invalidRequest,
  statusBadRequest,
  unsupportedOperation,
  unsupportedPath,
} from '../http/errors';
import type { CoreContext, CoreResponse, CoreServices, InternalBackend } from '../internal-backend';
import { DurationParseError, NON_ASSIGNABLE_POLICY_NAMES, parseDuration } from '../../vault-policy';
import { tokenLookupData } from './lookup-data';
import { authBlockFor, sanitizePolicies } from './mint';
import { renewToken } from './renew';
import { TokenCreateError, type TokenEntry } from './token-store';
import { calculateTtl } from './ttl';

const CREATE_FIELDS = {
  display_name: 'string',
  explicit_max_ttl: 'string',
  entity_alias: 'string',
  num_uses: 'int',
  period: 'string',
  renewable: 'bool',
  ttl: 'string',
  type: 'string',
  no_default_policy: 'bool',
  id: 'string',
  metadata: 'map',
  no_parent: 'bool',
  format: 'string',
} as const;

function isWrite(op: Operation): boolean {
  return op === 'update' || op === 'create';
}

function requireWrite(ctx: CoreContext): void {
  if (!isWrite(ctx.operation)) throw unsupportedOperation();
}

/** The request's fields: the query string for reads, the body for writes. */
function fields(ctx: CoreContext): Record<string, unknown> {
  return ctx.operation === 'read' ? { ...ctx.query } : ctx.body;
}

/** mapstructure.WeakDecode of one value into a string field (token create's struct). */
function weakString(value: unknown, key: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  throw invalidRequest(
    `Error decoding request: 1 error(s) decoding:\n\n* '${key}' expected type 'string', got unconvertible type '${Array.isArray(value) ? '[]interface {}' : 'map[string]interface {}'}'`,
  );
}

function weakStringList(value: unknown, key: string): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((v) => weakString(v, key));
  return [weakString(value, key)];
}

function weakStringMap(value: unknown, key: string): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidRequest(`Error decoding request: 1 error(s) decoding:\n\n* '${key}' expected a map, got '${Array.isArray(value) ? 'slice' : typeof value}'`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = weakString(v, `${key}[${k}]`);
  return out;
}

/** parseutil.ParseDurationSecond; its error text is the response. */
function duration(text: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    if (err instanceof DurationParseError) throw invalidRequest(err.message);
    throw err;
  }
}

function isSubset(outer: string[], inner: string[]): boolean {
  return inner.every((p) => outer.includes(p));
}

export class TokenBackend implements InternalBackend {
  readonly type = 'token';

  constructor(private readonly core: CoreServices) {}

  isRootProtected(path: string): boolean {
    return path.startsWith('revoke-orphan/') || path.startsWith('accessors');
  }

  handle(ctx: CoreContext): CoreResponse | null {
    const path = ctx.path.replace(/\/$/, '');
    switch (path) {
      case 'create':
      case 'create-orphan':
        requireWrite(ctx);
        return this.create(ctx, path === 'create-orphan');
      case 'lookup':
        if (ctx.operation !== 'read') requireWrite(ctx);
        return this.lookup(ctx, weakString(fields(ctx).token, 'token') || ctx.clientToken);
      case 'lookup-self':
        if (ctx.operation !== 'read') requireWrite(ctx);
        return this.lookup(ctx, ctx.clientToken);
      case 'lookup-accessor':
        requireWrite(ctx);
        return this.lookupAccessor(ctx);
      case 'renew':
        requireWrite(ctx);
        return this.renew(ctx, weakString(ctx.body.token, 'token'));
      case 'renew-self':
        requireWrite(ctx);
        return this.renew(ctx, ctx.clientToken);
      case 'renew-accessor':
        requireWrite(ctx);
        return this.renewAccessor(ctx);
      case 'revoke':
        requireWrite(ctx);
        return this.revoke(weakString(ctx.body.token, 'token'), true);
      case 'revoke-self':
        requireWrite(ctx);
        return this.revoke(ctx.clientToken, false);
      case 'revoke-accessor':
        requireWrite(ctx);
        return this.revokeAccessor(ctx);
      case 'revoke-orphan':
        requireWrite(ctx);
        return this.revokeOrphan(ctx);
      case 'accessors':
        if (ctx.operation !== 'list') throw unsupportedOperation();
        return { data: { keys: this.core.tokens.listAccessors() } };
      case 'roles':
        if (ctx.operation !== 'list') throw unsupportedOperation();
        return { data: { keys: [] } };
      default:
        if (path.startsWith('create/')) {
          requireWrite(ctx);
          // Token roles are not part of devvault's subset; Vault answers an unknown role so.
          throw new LogicalError(`unknown role ${path.slice('create/'.length)}`);
        }
        throw unsupportedPath();
    }
  }

  // ------------------------------------------------------------------ create

  private create(ctx: CoreContext, orphanPath: boolean): CoreResponse {
    const { tokens, clock, policies: store } = this.core;
    const parent = ctx.clientToken ? tokens.lookup(ctx.clientToken) : null;
    if (!parent) throw invalidRequest('parent token lookup failed: no parent found');
    if (parent.type === 'batch') throw new LogicalError('batch tokens cannot create more tokens');
    if (parent.numUses > 0) throw invalidRequest('restricted use token cannot generate child tokens');
    const isSudo = ctx.sudo;

    const raw = ctx.body;
    const f = parseFields(raw, CREATE_FIELDS);
    const data = {
      id: weakString(raw.id, 'id'),
      policies: weakStringList(raw.policies, 'policies'),
      meta: weakStringMap(raw.meta, 'meta'),
      noParent: (f.no_parent as boolean | undefined) ?? false,
      noDefaultPolicy: (f.no_default_policy as boolean | undefined) ?? false,
      ttl: weakString(raw.ttl, 'ttl'),
      lease: weakString(raw.lease, 'lease'),
      renewable: f.renewable as boolean | undefined,
      explicitMaxTtl: weakString(raw.explicit_max_ttl, 'explicit_max_ttl'),
      displayName: weakString(raw.display_name, 'display_name'),
      numUses: (f.num_uses as number | undefined) ?? 0,
      period: weakString(raw.period, 'period'),
      type: weakString(raw.type, 'type'),
      entityAlias: weakString(raw.entity_alias, 'entity_alias'),
    };

    let renewable = data.renewable ?? true;
    let type: 'service' | 'batch' = 'service';
    switch (data.type) {
      case '':
      case 'service':
        break;
      case 'batch': {
        // Go's switch: only the first matching case is looked at.
        let bad = '';
        if (data.explicitMaxTtl !== '') {
          if (this.safeDuration(data.explicitMaxTtl, '"explicit_max_ttl" value could not be parsed') !== 0) bad = 'explicit_max_ttl';
        } else if (data.numUses !== 0) {
          bad = 'num_uses';
        } else if (data.period !== '') {
          if (this.safeDuration(data.period, '"period" value could not be parsed') !== 0) bad = 'period';
        }
        if (bad) throw new LogicalError(`batch tokens cannot have ${JSON.stringify(bad)} set`);
        type = 'batch';
        renewable = false;
        break;
      }
      default:
        throw invalidRequest("invalid 'token_type' value");
    }
    if (data.numUses < 0) throw invalidRequest('number of uses cannot be negative');
    if (data.entityAlias !== '') throw invalidRequest("'entity_alias' is only allowed in combination with token role");

    let displayName = 'token';
    if (data.displayName !== '') displayName = `token-${data.displayName}`.replace(/[^a-zA-Z0-9-]/g, '-').replace(/-$/, '');

    if (data.id !== '' && !isSudo) throw invalidRequest('root or sudo privileges required to specify token id');

    let requested = data.policies;
    let addDefault = false;
    if (requested.length === 0) {
      requested = sanitizePolicies(parent.policies, false);
    } else if (!isSudo) {
      if (!isSubset(sanitizePolicies(parent.policies, false), sanitizePolicies(requested, false))) {
        throw invalidRequest('child policies must be subset of parent');
      }
      addDefault = !data.noDefaultPolicy && parent.policies.includes('default');
    } else {
      addDefault = !data.noDefaultPolicy;
    }
    let policies = sanitizePolicies(requested, addDefault);
    if (data.noDefaultPolicy) policies = policies.filter((p) => p !== 'default');
    for (const p of policies) {
      if (NON_ASSIGNABLE_POLICY_NAMES.includes(p)) throw new LogicalError(`cannot assign policy ${JSON.stringify(p)}`);
    }
    if (policies.includes('root')) {
      if (!parent.policies.includes('root')) throw invalidRequest('root tokens may not be created without parent token being root');
      if (type === 'batch') throw new LogicalError('batch tokens cannot be root tokens');
    }

    let parentId = ctx.clientToken;
    if (data.noParent) {
      if (!isSudo) throw invalidRequest('root or sudo privileges required to create orphan token');
      parentId = '';
    } else if (orphanPath) {
      parentId = '';
    }
    let entityId = '';
    let boundCidrs: string[] = [];
    if (parentId !== '') {
      entityId = parent.entityId;
      boundCidrs = [...parent.boundCidrs];
    }

    let explicitMaxTtl = 0;
    if (data.explicitMaxTtl !== '') {
      explicitMaxTtl = duration(data.explicitMaxTtl);
      if (explicitMaxTtl < 0) throw invalidRequest('explicit_max_ttl must be positive');
    }
    let period = 0;
    if (data.period !== '') {
      const p = duration(data.period);
      if (p < 0) throw invalidRequest('period must be positive');
      if (p > 0) {
        if (!isSudo) throw invalidRequest('root or sudo privileges required to create periodic token');
        period = p;
      }
    }
    let ttl = 0;
    if (data.ttl !== '') {
      ttl = duration(data.ttl);
      if (ttl < 0) throw invalidRequest('ttl must be positive');
    } else if (data.lease !== '') {
      ttl = duration(data.lease);
      if (ttl < 0) throw invalidRequest('lease must be positive');
    }

    const warnings: string[] = [];
    if (period > 0 || ttl > 0 || !policies.includes('root')) {
      const r = calculateTtl({
        increment: 0,
        backendTtl: ttl,
        period,
        backendMaxTtl: 0,
        explicitMaxTtl,
        startMs: clock.now(),
        nowMs: clock.now(),
      });
      warnings.push(...r.warnings);
      ttl = r.ttl;
    }
    if (ttl === 0 && explicitMaxTtl > 0) ttl = explicitMaxTtl;
    if (ttl === 0) {
      if (parent.ttl !== 0) throw invalidRequest('expiring root tokens cannot create non-expiring root tokens');
      renewable = false;
      boundCidrs = [];
    }
    if (data.id !== '') {
      warnings.push(
        'Supplying a custom ID for the token uses the weaker SHA1 hashing instead of the more secure SHA2-256 HMAC for token obfuscation. SHA1 hashed tokens on the wire leads to less secure lookups.',
      );
    }

    let entry: TokenEntry;
    try {
      entry = tokens.create({
        id: data.id || undefined,
        parent: parentId,
        policies,
        path: `auth/token/${ctx.path.replace(/\/$/, '')}`,
        meta: data.meta,
        displayName,
        numUses: data.numUses,
        ttl,
        explicitMaxTtl,
        period,
        renewable,
        type,
        boundCidrs,
        entityId,
        authTtl: ttl,
        authMaxTtl: 0,
      });
    } catch (err) {
      if (err instanceof TokenCreateError) throw invalidRequest(err.message);
      throw err;
    }
    for (const p of policies) if (!store.has(p)) warnings.push(`Policy ${JSON.stringify(p)} does not exist`);
    return { authBlock: authBlockFor(entry, ttl), warnings };
  }

  private safeDuration(text: string, message: string): number {
    try {
      return parseDuration(text);
    } catch {
      throw new LogicalError(message);
    }
  }

  // ------------------------------------------------------------------ lookup

  private lookup(_ctx: CoreContext, id: string): CoreResponse {
    if (id === '') throw invalidRequest('missing token ID');
    const entry = this.core.tokens.lookup(id, true);
    if (!entry) throw new LogicalError('bad token', { status: 403 });
    return { data: tokenLookupData(entry, this.core) };
  }

  private accessorField(ctx: CoreContext): string {
    const accessor = weakString(ctx.body.accessor, 'accessor');
    if (accessor === '') throw statusBadRequest('missing accessor');
    return accessor;
  }

  private lookupAccessor(ctx: CoreContext): CoreResponse {
    const id = this.core.tokens.idByAccessor(this.accessorField(ctx));
    const entry = id === undefined ? null : this.core.tokens.lookup(id, true);
    if (!entry) throw statusBadRequest('invalid accessor');
    return { data: { ...tokenLookupData(entry, this.core), id: '' } };
  }

  // ------------------------------------------------------------------ renew

  private increment(ctx: CoreContext): number {
    const f = parseFields(ctx.body, { increment: 'duration' });
    return (f.increment as number | undefined) ?? 0;
  }

  private renew(ctx: CoreContext, id: string): CoreResponse {
    if (id === '') throw invalidRequest('missing token ID');
    const increment = this.increment(ctx);
    const entry = this.core.tokens.lookup(id);
    if (!entry) throw invalidRequest('token not found');
    if (entry.type === 'batch') throw new LogicalError('batch tokens cannot be renewed');
    const { ttl, warnings } = renewToken(this.core, entry, increment);
    return { authBlock: authBlockFor(entry, ttl), warnings };
  }

  private renewAccessor(ctx: CoreContext): CoreResponse {
    const id = this.core.tokens.idByAccessor(this.accessorField(ctx));
    if (id === undefined || !this.core.tokens.lookup(id)) throw statusBadRequest('invalid accessor');
    const resp = this.renew(ctx, id);
    if (resp.authBlock) resp.authBlock.client_token = '';
    return resp;
  }

  // ------------------------------------------------------------------ revoke

  private revoke(id: string, needsId: boolean): CoreResponse | null {
    if (needsId && id === '') throw invalidRequest('missing token ID');
    const entry = this.core.tokens.lookup(id, true);
    if (!entry) return null;
    if (entry.type === 'batch') throw new LogicalError('batch tokens cannot be revoked');
    this.core.tokens.revokeTree(entry.id);
    return null;
  }

  private revokeAccessor(ctx: CoreContext): CoreResponse | null {
    const id = this.core.tokens.idByAccessor(this.accessorField(ctx));
    if (id === undefined) return { warnings: ['No token found with this accessor'] };
    const entry = this.core.tokens.lookup(id);
    if (!entry) throw invalidRequest('token not found');
    this.core.tokens.revokeTree(entry.id);
    return null;
  }

  private revokeOrphan(ctx: CoreContext): CoreResponse | null {
    const id = weakString(ctx.body.token, 'token');
    if (id === '') throw invalidRequest('missing token ID');
    if (!ctx.sudo) throw invalidRequest('root or sudo privileges required to revoke and orphan');
    const entry = this.core.tokens.lookup(id);
    if (!entry) throw invalidRequest('token to revoke not found');
    if (entry.type === 'batch') throw new LogicalError('batch tokens cannot be revoked');
    this.core.tokens.revokeOrphan(entry.id);
    return null;
  }
}
