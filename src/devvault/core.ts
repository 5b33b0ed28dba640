/**
 * devvault's request pipeline, in Vault's order (http/logical.go, vault/request_handling.go):
 *
 *   method → body → sealed → path checks → wrapping-token check → route → token →
 *   CIDR binding → num_uses → existence check → ACL (+ sudo) → handler → response rules
 *   → response wrapping → envelope
 *
 * It owns the shared state (tokens, leases, policies, mounts, wrapped responses, seal)
 * and never throws: every failure becomes Vault's error reply.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import { LogicalError, type Backend, type Clock, type Operation } from './backend';
import { cidrContains, parseCidr, parseIp } from './backends/approle/cidr';
import { CubbyholeBackend } from './cubbyhole';
import { checkPatchContentType, decodeBody } from './http/body';
import {
  INVALID_WRAPPING_TOKEN_TEXT,
  VaultHttpError,
  fromLogicalError,
  invalidToken,
  missingClientToken,
  multierrorText,
  permissionDenied,
  sealed,
} from './http/errors';
import { envelope, injectsTopLevel, serializeEnvelope, type AuthBlock, type Envelope } from './http/envelope';
import type { CoreContext, CoreResponse, CoreServices, InternalBackend } from './internal-backend';
import { LeaseRegistry } from './leases/lease-registry';
import { MountTable, type MountMatch } from './mounts/mount-table';
import { PolicyStore } from './policies/policy-store';
import { mountBackend } from './sys/mounts';
import * as httpSys from './sys/http-handlers';
import { SystemBackend } from './sys/system-backend';
import { wrappingTokenOf } from './sys/wrapping';
import { EntityRegistry, authBlockFor, mintLoginToken } from './tokens/mint';
import { TokenBackend } from './tokens/token-backend';
import { REVOCATION_PENDING, TokenStore, type TokenEntry } from './tokens/token-store';
import { DurationParseError, parseDuration } from '../vault-policy';
import { hex8, uuid } from './util/random';
import { WrapStore } from './wrapping/wrap-store';

export interface CoreOptions {
  clock: Clock;
  rootToken: string;
  version?: string;
  /** Called for an unexpected failure; the client only sees a log id. */
  onInternalError?: (logId: string, err: unknown) => void;
}

/** One HTTP request as the pipeline sees it. */
export interface PipelineRequest {
  method: string;
  /** Decoded path after "/v1/". */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** After X-Forwarded-For processing. */
  clientIp: string;
}

export type HttpReply = httpSys.HttpReply;

const WRAPPING_VALIDATED = new Set(['sys/wrapping/lookup', 'sys/wrapping/unwrap', 'sys/wrapping/rewrap']);

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** getTokenFromReq: X-Vault-Token, else the first "Bearer " Authorization value. */
export function tokenFromHeaders(headers: IncomingHttpHeaders): string {
  const direct = header(headers, 'x-vault-token');
  if (direct) return direct;
  const auth = headers.authorization;
  for (const v of Array.isArray(auth) ? auth : auth ? [auth] : []) {
    if (v.startsWith('Bearer ')) return v.slice(7).trim();
  }
  return '';
}

function errorBody(err: VaultHttpError): string {
  return JSON.stringify(err.data === undefined ? { errors: err.errors } : { errors: err.errors, data: err.data });
}

/** A token's bound CIDRs against the client address (fetchACLTokenEntryAndEntity). */
function addressAllowed(clientIp: string, bound: string[]): boolean {
  const ip = parseIp(clientIp);
  if (!ip) return false;
  return bound.some((b) => {
    try {
      if (b.includes('/')) return cidrContains(parseCidr(b), ip);
      const other = parseIp(b);
      return other !== null && other.family === ip.family && other.value === ip.value;
    } catch {
      return false;
    }
  });
}

export class Core implements CoreServices, httpSys.SealState {
  readonly clock: Clock;
  readonly leases: LeaseRegistry;
  readonly tokens: TokenStore;
  readonly policies = new PolicyStore();
  readonly mounts = new MountTable();
  readonly wrapping: WrapStore;
  readonly entities = new EntityRegistry();
  readonly rootToken: TokenEntry;

  sealed = false;
  readonly unsealKey = randomBytes(32);
  readonly clusterName = `vault-cluster-${hex8()}`;
  readonly clusterId = uuid();
  readonly version: string;
  readonly buildDate = '2024-01-01T00:00:00Z';
  private readonly onInternalError: (logId: string, err: unknown) => void;

  constructor(opts: CoreOptions) {
    this.clock = opts.clock;
    this.version = opts.version ?? '1.16.0';
    this.onInternalError = opts.onInternalError ?? (() => undefined);
    this.leases = new LeaseRegistry(this.clock);
    this.tokens = new TokenStore(this.clock, this.leases);
    this.wrapping = new WrapStore(this.clock, this.tokens);

    const base = { local: false, sealWrap: false, defaultLeaseTtl: 0, maxLeaseTtl: 0, options: null };
    this.mounts.add({ ...base, path: 'sys/', kind: 'secret', type: 'system', description: 'system endpoints used for control, policy and debugging', backend: new SystemBackend(this) });
    this.mounts.add({ ...base, path: 'cubbyhole/', kind: 'secret', type: 'cubbyhole', description: 'per-token private secret storage', local: true, backend: new CubbyholeBackend(this.tokens) });
    this.mounts.add({ ...base, path: 'auth/token/', kind: 'auth', type: 'token', description: 'token based credentials', backend: new TokenBackend(this) });
    mountBackend(this, { kind: 'secret', path: 'secret/', type: 'kv', options: { version: '2' }, description: 'key/value secret storage' });
    this.rootToken = this.tokens.createRoot(opts.rootToken);
  }

  now(): number {
    return this.clock.now();
  }

  /** Answer one /v1/ request. Never throws. */
  async handle(req: PipelineRequest): Promise<HttpReply> {
    try {
      this.leases.expireDue();
      this.tokens.expireBatchTokens();
      switch (req.path) {
        case 'sys/health':
          return httpSys.health(this, req.method, req.query);
        case 'sys/seal-status':
          return httpSys.sealStatus(this, req.method);
        case 'sys/unseal':
          return httpSys.unseal(this, req.method, req.body);
        case 'sys/init':
          return httpSys.init(req.method);
        case 'sys/leader':
          return httpSys.leader(req.method);
        case 'sys/seal':
          return this.seal(req);
        default:
          return await this.logical(req);
      }
    } catch (err) {
      return this.errorReply(err);
    }
  }

  /** An error as Vault prints it; anything unexpected is logged under an id. */
  errorReply(err: unknown): HttpReply {
    if (err instanceof VaultHttpError) return { status: err.status, body: errorBody(err) };
    if (err instanceof LogicalError) {
      const e = fromLogicalError(err);
      return { status: e.status, body: errorBody(e) };
    }
    const logId = uuid();
    this.onInternalError(logId, err);
    return { status: 500, body: JSON.stringify({ errors: [multierrorText([`internal error (log id ${logId})`])] }) };
  }

  // ------------------------------------------------------------------ sys/seal

  private seal(req: PipelineRequest): HttpReply {
    if (req.method !== 'PUT' && req.method !== 'POST') return { status: 405, body: JSON.stringify({ errors: [] }) };
    if (this.sealed) throw sealed();
    const entry = this.authenticate(tokenFromHeaders(req.headers), req.clientIp);
    try {
      const decision = this.policies.acl(entry.policies).allowOperation('sys/seal', 'update');
      if (!decision.allowed || !decision.sudo) throw permissionDenied();
      this.sealed = true;
      return { status: 204, body: null };
    } finally {
      if (entry.numUses === REVOCATION_PENDING) this.tokens.revokeTree(entry.id);
    }
  }

  // ------------------------------------------------------------------ token checks

  /** Look the token up, check its CIDR binding and spend one use (CheckToken). */
  private authenticate(clientToken: string, clientIp: string): TokenEntry {
    if (clientToken === '') throw missingClientToken();
    const entry = this.tokens.lookup(clientToken);
    if (!entry) throw invalidToken();
    // Non-expiring tokens (the root token) are not CIDR-bound.
    if (entry.ttl !== 0 && entry.boundCidrs.length > 0 && !addressAllowed(clientIp, entry.boundCidrs)) throw invalidToken();
    if (!this.tokens.use(entry)) throw invalidToken();
    return entry;
  }

  // ------------------------------------------------------------------ logical requests

  private operationOf(req: PipelineRequest): Operation {
    switch (req.method) {
      case 'GET': {
        const list = req.query.get('list');
        if (list !== null && list !== '') {
          if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(list)) return 'list';
          if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(list)) return 'read';
          throw new VaultHttpError(400, []);
        }
        return 'read';
      }
      case 'LIST':
        return 'list';
      case 'POST':
      case 'PUT':
        return 'update';
      case 'PATCH':
        return 'patch';
      case 'DELETE':
        return 'delete';
      default:
        throw new VaultHttpError(405, []);
    }
  }

  private wrapTtlOf(headers: IncomingHttpHeaders): number {
    const raw = header(headers, 'x-vault-wrap-ttl');
    if (raw === undefined || raw === '') return 0;
    let ttl: number;
    try {
      ttl = parseDuration(raw);
    } catch (err) {
      if (err instanceof DurationParseError) throw new VaultHttpError(400, [err.message]);
      throw err;
    }
    if (ttl < 0) throw new VaultHttpError(400, ['requested wrap ttl cannot be negative']);
    return ttl;
  }

  /** ValidateWrappingToken, run before authentication as Vault's HTTP layer does. */
  private validateWrappingToken(body: Record<string, unknown>, clientToken: string): void {
    const raw = body.token;
    if (raw !== undefined && raw !== null) {
      if (typeof raw !== 'string') throw new VaultHttpError(400, ['could not decode token in request body']);
      if (raw === '') throw new VaultHttpError(400, ['empty token in request body']);
    }
    const { token } = wrappingTokenOf({ body, clientToken });
    if (token === '') throw new VaultHttpError(400, ['token is empty']);
    if (!this.wrapping.isValid(token)) throw new VaultHttpError(400, [INVALID_WRAPPING_TOKEN_TEXT]);
  }

  private async logical(req: PipelineRequest): Promise<HttpReply> {
    const op0 = this.operationOf(req);
    const query: Record<string, string> = {};
    for (const [k, v] of req.query) if (!(k === 'list' && op0 === 'list') && !(k in query)) query[k] = v;
    let body: Record<string, unknown> = {};
    if (op0 === 'update' || op0 === 'patch') {
      if (op0 === 'patch') checkPatchContentType(header(req.headers, 'content-type'));
      body = decodeBody(req.body, header(req.headers, 'content-type'));
    }
    if (this.sealed) throw sealed();

    let path = req.path;
    if (op0 === 'list' && !path.endsWith('/')) path += '/';
    // A path segment may not end in "." (framework path patterns never match one).
    if (path.split('/').some((seg) => seg.endsWith('.'))) throw new LogicalError('unsupported path', { plain: true });
    const wrapTtl = this.wrapTtlOf(req.headers);
    const clientToken = tokenFromHeaders(req.headers);
    if (WRAPPING_VALIDATED.has(path)) this.validateWrappingToken(op0 === 'read' ? query : body, clientToken);

    const match = this.mounts.match(path);
    const ctx = this.context(req, match, op0, path, body, query, clientToken, wrapTtl);
    const backend = match?.entry.backend as InternalBackend | undefined;
    let entry: TokenEntry | undefined;
    try {
      if (op0 === 'update' && backend && this.hasExistenceCheck(backend, ctx.path) && !backend.exists?.(ctx)) {
        ctx.operation = 'create';
      }
      if (!(backend?.isUnauthenticated?.(ctx.path) ?? false)) {
        entry = this.authenticate(clientToken, req.clientIp);
        const decision = this.policies.acl(entry.policies).allowOperation(path, ctx.operation, {
          wrapTtlSeconds: wrapTtl,
          data: op0 === 'read' ? query : body,
        });
        if (!decision.allowed) throw permissionDenied();
        if (backend?.isRootProtected?.(ctx.path) && !decision.sudo) throw permissionDenied();
        ctx.sudo = decision.sudo;
        ctx.tokenEntry = entry;
        ctx.token = { accessor: entry.accessor, policies: [...entry.policies], isRoot: entry.policies.includes('root') };
      }
      if (!match || !backend) {
        throw new VaultHttpError(404, [`no handler for route ${JSON.stringify(path)}. route entry not found.`]);
      }
      const resp = await backend.handle(ctx);
      return this.respond(ctx, match, resp ?? null);
    } finally {
      // The token's last use: it dies once the request is done (tokenRevocationPending).
      if (entry && entry.numUses === REVOCATION_PENDING) this.tokens.revokeTree(entry.id);
    }
  }

  /** Only backends with an existence check turn a write into `create`. */
  private hasExistenceCheck(backend: Backend, innerPath: string): boolean {
    if (!backend.exists) return false;
    if (backend instanceof SystemBackend) return backend.hasExistenceCheck(innerPath);
    return true;
  }

  private context(
    req: PipelineRequest,
    match: MountMatch | null,
    operation: Operation,
    fullPath: string,
    body: Record<string, unknown>,
    query: Record<string, string>,
    clientToken: string,
    wrapTtl: number,
  ): CoreContext {
    return {
      operation,
      path: match?.inner ?? fullPath,
      mountPath: match?.entry.path ?? '',
      body,
      query,
      clientIp: req.clientIp,
      requestId: uuid(),
      clock: this.clock,
      method: req.method,
      fullPath,
      mount: match?.entry as CoreContext['mount'],
      clientToken,
      wrapTtl,
      sudo: false,
    };
  }

  /** RespondErrorCommon's nil/list rules, login minting, leases, wrapping, the envelope. */
  private respond(ctx: CoreContext, match: MountMatch, resp: CoreResponse | null): HttpReply {
    const op = ctx.operation;
    if (resp?.raw) return { status: resp.raw.status, body: resp.raw.body };
    if (resp === null) {
      if (op === 'read' || op === 'list' || op === 'patch') return { status: 404, body: JSON.stringify({ errors: [] }) };
      return { status: 204, body: null };
    }
    const warnings = [...(resp.warnings ?? [])];
    let auth: AuthBlock | null = resp.authBlock ?? null;
    if (resp.auth) {
      const minted = mintLoginToken(this.tokens, this.entities, match.entry, resp.auth, this.clock.now());
      auth = authBlockFor(minted.entry, minted.entry.ttl);
      warnings.push(...minted.warnings);
    }
    const mountType = match.entry.type;
    if (resp.rawStatus !== undefined) {
      if (resp.data === undefined && warnings.length === 0) return { status: resp.rawStatus, body: null };
      const env = envelope({ request_id: ctx.requestId, data: resp.data ?? null, warnings, mount_type: mountType });
      return { status: resp.rawStatus, body: JSON.stringify(env) };
    }
    if (op === 'list' && warnings.length === 0) {
      const keys = resp.data?.keys;
      if (!resp.data || Object.keys(resp.data).length === 0 || !Array.isArray(keys) || keys.length === 0) {
        return { status: 404, body: JSON.stringify({ errors: [] }) };
      }
    }
    if (resp.leaseId && (resp.leaseDuration ?? 0) > 0) this.registerSecretLease(ctx, match.entry.backend, resp);

    let env: Envelope = envelope({
      request_id: ctx.requestId,
      lease_id: resp.leaseId ?? '',
      renewable: resp.renewable ?? false,
      lease_duration: resp.leaseDuration ?? 0,
      data: resp.data ?? null,
      warnings,
      auth,
      mount_type: mountType,
    });
    if (resp.rewrap) {
      const info = this.wrapping.wrap(resp.rewrap.response, resp.rewrap.ttl, resp.rewrap.creationPath);
      env = envelope({ request_id: ctx.requestId, wrap_info: info, mount_type: mountType });
    } else if (ctx.wrapTtl > 0) {
      const info = this.wrapping.wrap(JSON.stringify(env), ctx.wrapTtl, ctx.fullPath, auth?.accessor || undefined);
      env = envelope({ request_id: ctx.requestId, wrap_info: info, warnings, mount_type: mountType });
    }
    return { status: 200, body: serializeEnvelope(env, injectsTopLevel(ctx.fullPath)) };
  }

  private registerSecretLease(ctx: CoreContext, backend: Backend, resp: CoreResponse): void {
    const leaseId = resp.leaseId as string;
    const now = this.clock.now();
    this.leases.register({
      id: leaseId,
      kind: 'secret',
      issueTime: now,
      expireTime: now + (resp.leaseDuration ?? 0) * 1000,
      lastRenewal: null,
      renewable: (resp.renewable ?? false) && backend.renewLease !== undefined,
      tokenId: ctx.tokenEntry?.id ?? '',
      onRevoke: () => backend.revokeLease?.(leaseId),
      onRenew: backend.renewLease ? (increment) => ({ ttl: backend.renewLease!(leaseId, increment), warnings: [] }) : undefined,
    });
  }
}
