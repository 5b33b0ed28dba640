/**
 * What the core hands the backends it implements itself (sys/, auth/token/, cubbyhole/):
 * the public RequestContext plus the caller's token entry, the requested wrap TTL and
 * sudo, and a richer response (a raw HTTP reply, a ready auth block, a rewrap).
 * Mounted plugin backends (kv, approle) receive the same object but only see the
 * RequestContext fields of backend.ts.
 */
import type { Backend, BackendResponse, Clock, RequestContext } from './backend';
import type { AuthBlock } from './http/envelope';
import type { LeaseRegistry } from './leases/lease-registry';
import type { MountEntry, MountTable } from './mounts/mount-table';
import type { PolicyStore } from './policies/policy-store';
import type { TokenEntry, TokenStore } from './tokens/token-store';
import type { WrapStore } from './wrapping/wrap-store';

export interface CoreContext extends RequestContext {
  /** HTTP method as received. */
  method: string;
  /** The whole logical path ("sys/mounts/foo"), for messages and creation paths. */
  fullPath: string;
  mount: MountEntry;
  /** The token the request was made with ('' on unauthenticated paths without one). */
  clientToken: string;
  tokenEntry?: TokenEntry;
  /** X-Vault-Wrap-TTL in seconds; 0 = not requested. */
  wrapTtl: number;
  /** The ACL rule that allowed the request grants sudo (always true for root). */
  sudo: boolean;
}

export interface CoreResponse extends BackendResponse {
  /** Written as it is: status and body (null = no body). */
  raw?: { status: number; body: string | null };
  /** A finished auth block (token create, renew); the core prints it as is. */
  authBlock?: AuthBlock;
  /** sys/wrapping/rewrap: wrap this stored response again under a new token. */
  rewrap?: { response: string | null; creationPath: string; ttl: number };
}

export interface InternalBackend extends Backend {
  /** Paths that need `sudo` on top of the operation's capability (PathsSpecial.Root). */
  isRootProtected?(path: string): boolean;
  handle(ctx: CoreContext): CoreResponse | null | undefined | Promise<CoreResponse | null | undefined>;
}

/** The parts of the core the built-in backends work with. */
export interface CoreServices {
  readonly clock: Clock;
  readonly tokens: TokenStore;
  readonly leases: LeaseRegistry;
  readonly policies: PolicyStore;
  readonly mounts: MountTable;
  readonly wrapping: WrapStore;
}
