/**
 * Bearer mode: the endpoint logged in to Vault itself and presents its Vault token. The
 * broker learns who it is from lookup-self with that token (metadata from Vault, not from
 * the caller) and asks capabilities-self with it, exactly as for an AppRole login; it never
 * sees a secret ID. The token is only ever sent to Vault.
 */
import { UnauthenticatedError, VaultUnavailableError } from '../errors';
import { dataOf, isVaultResponseError, isVaultUnreachableError, VaultHttp, type VaultHttpOptions } from './vault-http';

export interface EndpointTokenIdentity {
  roleName: string;
  metadata: Record<string, string>;
  accessor: string;
  tokenType: string;
  policies: string[];
  /** The auth path that issued the token, e.g. "auth/approle/login". */
  path: string;
}

export class EndpointTokenClient {
  private readonly http: VaultHttp;

  constructor(
    options: VaultHttpOptions,
    private readonly retryAfterSeconds: number,
  ) {
    this.http = new VaultHttp(options);
  }

  private fail(err: unknown): never {
    if (isVaultUnreachableError(err) || (isVaultResponseError(err) && (err.status >= 500 || err.status === 429))) {
      throw new VaultUnavailableError('Vault is unavailable', this.retryAfterSeconds, { cause: err });
    }
    // 403 (bad, expired, revoked token) and 400: the caller's credential is no good.
    if (isVaultResponseError(err) && (err.status === 403 || err.status === 400)) throw new UnauthenticatedError('invalid or expired Vault token', { cause: err });
    throw err;
  }

  async identify(token: string): Promise<EndpointTokenIdentity> {
    let d;
    try {
      d = dataOf(await this.http.ok({ method: 'GET', path: 'auth/token/lookup-self', token }));
    } catch (err) {
      this.fail(err);
    }
    const metadata: Record<string, string> = {};
    if (d.meta && typeof d.meta === 'object') for (const [k, v] of Object.entries(d.meta as Record<string, unknown>)) metadata[k] = String(v);
    return {
      roleName: metadata.role_name ?? String(d.display_name ?? ''),
      metadata,
      accessor: String(d.accessor ?? ''),
      tokenType: String(d.type ?? ''),
      policies: Array.isArray(d.policies) ? d.policies.map(String) : [],
      path: String(d.path ?? ''),
    };
  }

  async capabilities(token: string, path: string): Promise<string[]> {
    let d;
    try {
      d = dataOf(await this.http.ok({ method: 'POST', path: 'sys/capabilities-self', token, body: { paths: [path] } }));
    } catch (err) {
      this.fail(err);
    }
    const caps = d[path] ?? d.capabilities;
    return Array.isArray(caps) ? caps.map(String) : [];
  }
}
