/**
 * The contract between devvault's core (HTTP, tokens, ACL, wrapping, seal) and the
 * backends mounted in it (kv, approle, …). A backend sees one logical request for a
 * path inside its mount and answers with data or throws a LogicalError; the core
 * turns that into Vault's envelope and status code (reference/vault-http-api.md §0).
 */

export type Operation = 'read' | 'list' | 'create' | 'update' | 'patch' | 'delete';

/** Milliseconds since the epoch. Injected so expiry tests do not sleep. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** What a login hands the core so it can mint a token (reference §3.6, §4). */
export interface AuthGrant {
  policies: string[];
  metadata: Record<string, string>;
  /** Seconds; 0 means the mount default. */
  ttl: number;
  /** Seconds; 0 means the mount default. */
  maxTtl: number;
  tokenType: 'service' | 'batch';
  boundCidrs: string[];
  numUses: number;
  period: number;
  explicitMaxTtl: number;
  noDefaultPolicy: boolean;
  displayName: string;
  /** e.g. "auth/approle/login"; shown by lookup-self as `path`. */
  path: string;
  /**
   * The identity alias of the login (AppRole: the role_id). Logins with the same alias on
   * the same mount share one entity_id. Optional; without it the core keys on
   * metadata.role_name.
   */
  aliasName?: string;
}

export interface RequestContext {
  operation: Operation;
  /** Path inside the mount, without a leading slash: "role/web/secret-id". */
  path: string;
  /** The mount's path with a trailing slash: "auth/approle/", "secret/". */
  mountPath: string;
  body: Record<string, unknown>;
  query: Record<string, string>;
  /** Client IP after X-Forwarded-For processing (reference §12). */
  clientIp: string;
  /** Accessor/policies of the calling token; undefined on unauthenticated paths. */
  token?: { accessor: string; policies: string[]; isRoot: boolean };
  requestId: string;
  clock: Clock;
}

export interface BackendResponse {
  data?: Record<string, unknown> | null;
  /** A login result: the core creates the token and fills the `auth` block. */
  auth?: AuthGrant;
  warnings?: string[];
  leaseId?: string;
  leaseDuration?: number;
  renewable?: boolean;
  /**
   * Force this status and still send the full envelope (KV v2 deleted version 404,
   * AppRole unknown secret-id-accessor 404): logical.RespondWithStatusCode.
   */
  rawStatus?: number;
}

/**
 * A backend error. `message` is Vault's text. Without `status`, the core derives the
 * status the way Vault's RespondErrorCommon does (text table in reference §0.1):
 * an ErrorResponse (plain = false) starts at 400, a bare Go error (plain = true) at 500
 * and its text is multierror-formatted.
 */
export class LogicalError extends Error {
  override readonly name = 'LogicalError';
  constructor(
    message: string,
    readonly options: { status?: number; plain?: boolean; data?: Record<string, unknown> } = {},
  ) {
    super(message);
  }
}

export interface Backend {
  /** Mount type as listed by sys/mounts or sys/auth: "kv", "approle". */
  readonly type: string;
  /** Whether the target exists, so the core can require `create` vs `update`. */
  exists?(ctx: RequestContext): boolean;
  /** Paths inside the mount that need no token (AppRole: "login"). */
  isUnauthenticated?(path: string): boolean;
  /**
   * Called when a lease this backend returned (`leaseId`) is revoked: on expiry, through
   * sys/leases/revoke*, or with the token that obtained it. Optional.
   */
  revokeLease?(leaseId: string): void;
  /**
   * Renew a lease through sys/leases/renew; returns the new TTL in seconds. Without it the
   * lease is not renewable there.
   */
  renewLease?(leaseId: string, incrementSeconds: number): number;
  /** null/undefined = "no response object": 404 for read/list, 204 for writes. */
  handle(ctx: RequestContext): BackendResponse | null | undefined | Promise<BackendResponse | null | undefined>;
}
