/**
 * Response wrapping (vault/wrapping.go): a wrapped response lives with a single-use
 * token whose only policy is `response-wrapping`. Vault keeps it in that token's
 * cubbyhole (`cubbyhole/response`, `cubbyhole/wrapinfo`); here it is a map keyed by the
 * token, emptied when the token is revoked, so it disappears exactly when Vault's would.
 */
import type { Clock } from '../backend';
import type { WrapInfo } from '../http/envelope';
import type { TokenStore } from '../tokens/token-store';
import { RESPONSE_WRAPPING_POLICY_NAME } from '../../vault-policy';
import { rfc3339Nano } from '../util/time';

export interface WrappedResponse {
  /** The original HTTP body as it would have been sent; null = it had none (204). */
  response: string | null;
  creationTime: number;
  creationTtl: number;
  creationPath: string;
}

export class WrapStore {
  private readonly wrapped = new Map<string, WrappedResponse>();

  constructor(
    private readonly clock: Clock,
    private readonly tokens: TokenStore,
  ) {
    tokens.onRevoke((entry) => this.wrapped.delete(entry.id));
  }

  /** Mint a wrapping token holding `response`; returns the wrap_info block. */
  wrap(response: string | null, ttl: number, creationPath: string, wrappedAccessor?: string): WrapInfo {
    const now = this.clock.now();
    const token = this.tokens.create({
      parent: '',
      policies: [RESPONSE_WRAPPING_POLICY_NAME],
      path: creationPath,
      meta: null,
      displayName: '',
      numUses: 1,
      ttl,
      explicitMaxTtl: ttl,
      period: 0,
      renewable: false,
      type: 'service',
      boundCidrs: [],
      entityId: '',
      authTtl: ttl,
      authMaxTtl: 0,
    });
    this.wrapped.set(token.id, { response, creationTime: now, creationTtl: ttl, creationPath });
    const info: WrapInfo = {
      token: token.id,
      accessor: token.accessor,
      ttl,
      creation_time: rfc3339Nano(now),
      creation_path: creationPath,
    };
    if (wrappedAccessor) info.wrapped_accessor = wrappedAccessor;
    return info;
  }

  get(tokenId: string): WrappedResponse | undefined {
    return this.wrapped.get(tokenId);
  }

  /**
   * ValidateWrappingToken: a live token whose single policy is response-wrapping.
   * `tainted` accepts a token on its pending last use (the header use of unwrap).
   */
  isValid(tokenId: string, tainted = false): boolean {
    const entry = this.tokens.lookup(tokenId, tainted);
    return entry !== null && entry.policies.length === 1 && entry.policies[0] === RESPONSE_WRAPPING_POLICY_NAME;
  }
}
