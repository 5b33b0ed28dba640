/**
 * Vault calls behind POST /v1/enroll (src/lifecycle/enroll.ts): wrapping-token lookup and
 * unwrap (no broker token needed: Vault does not check an ACL for lookup, and unwrap runs
 * with the wrapping token itself), and the role-id reads done with the broker's own token.
 *
 * Vault down, sealed or failing becomes VaultUnavailableError (503 + Retry-After).
 */
import { VaultUnavailableError } from '../errors';
import { WrappingTokenInvalidError, type UnwrappedSecretId, type WrappingInfo, type WrappingVault } from '../lifecycle/enroll';
import type { RoleIdSource } from '../lifecycle/role-directory';
import { dataOf, isVaultResponseError, isVaultUnreachableError, VaultHttp, type VaultHttpOptions } from './vault-http';

export class EnrollmentClient implements WrappingVault, RoleIdSource {
  private readonly http: VaultHttp;

  constructor(
    options: VaultHttpOptions,
    private readonly deps: {
      /** The broker's current Vault token (kept and renewed by the broker's gateway). */
      brokerToken: () => Promise<string>;
      approleMount: string;
      retryAfterSeconds: number;
    },
  ) {
    this.http = new VaultHttp(options);
  }

  private unavailable(err: unknown): unknown {
    if (isVaultUnreachableError(err) || (isVaultResponseError(err) && (err.status >= 500 || err.status === 429))) {
      return new VaultUnavailableError('Vault is unavailable', this.deps.retryAfterSeconds, { cause: err });
    }
    return err;
  }

  /** 400 from a wrapping endpoint = "wrapping token is not valid or does not exist" (or not a wrapping token at all). */
  private async wrapping(call: Parameters<VaultHttp['ok']>[0]): Promise<Record<string, unknown> | null> {
    try {
      return await this.http.ok(call);
    } catch (err) {
      if (isVaultResponseError(err) && (err.status === 400 || err.status === 403)) throw new WrappingTokenInvalidError('wrapping token refused by Vault');
      throw this.unavailable(err);
    }
  }

  async lookupWrapping(token: string): Promise<WrappingInfo> {
    const d = dataOf(await this.wrapping({ method: 'POST', path: 'sys/wrapping/lookup', body: { token } }));
    return {
      creationPath: String(d.creation_path ?? ''),
      creationTime: String(d.creation_time ?? ''),
      creationTtl: Number(d.creation_ttl ?? 0),
    };
  }

  async unwrapSecretId(token: string): Promise<UnwrappedSecretId> {
    // The wrapping token goes in the header only; in the body too would consume it twice (reference §8).
    const d = dataOf(await this.wrapping({ method: 'POST', path: 'sys/wrapping/unwrap', token }));
    if (typeof d.secret_id !== 'string' || d.secret_id === '') throw new WrappingTokenInvalidError('the wrapped response holds no secret_id');
    return { secretId: d.secret_id, accessor: String(d.secret_id_accessor ?? ''), ttl: Number(d.secret_id_ttl ?? 0) };
  }

  async readRoleId(role: string): Promise<string | null> {
    let body;
    try {
      body = await this.http.ok({ method: 'GET', path: `auth/${this.deps.approleMount}/role/${role}/role-id`, token: await this.deps.brokerToken() }, true);
    } catch (err) {
      if (isVaultResponseError(err) && err.status === 403) {
        throw new Error(`the broker's Vault identity may not read the role_id of ${role}: attach policy broker-enrollment (credential-broker vault bootstrap)`, { cause: err });
      }
      throw this.unavailable(err);
    }
    const id = dataOf(body).role_id;
    return typeof id === 'string' ? id : null;
  }
}
