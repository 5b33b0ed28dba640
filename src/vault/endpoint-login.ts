/**
 * Logging in as an endpoint (AppRole) and asking Vault what that endpoint may do.
 *
 * These calls go through VaultHttp, which holds no token: each call carries the token it
 * is made with, so one instance serves every request without mixing identities (the
 * node-vault hazard: a login swaps a client's own token). It also saves per-request
 * work: a fresh node-vault client per login cost about 0.6 ms more CPU per Vault call
 * than this (measured with `npm run bench`), and each invocation makes two such calls.
 */
import type { Logger, SecretRegistry } from '../audit';
import { mapEndpointVaultError } from './error-mapping';
import type { EndpointIdentity, EndpointSession } from './vault-gateway';
import { isVaultResponseError, type VaultHttp } from './vault-http';

export interface EndpointLoginOptions {
  /** Shared by all logins; it keeps no token. */
  http: VaultHttp;
  approleMount: string;
  retryAfterSeconds: number;
  secrets: SecretRegistry;
  logger: Logger;
}

interface LoginAuth {
  client_token?: unknown;
  accessor?: unknown;
  policies?: unknown;
  metadata?: unknown;
  token_type?: unknown;
}

export async function loginEndpoint(
  options: EndpointLoginOptions,
  credentials: { roleId: string; secretId: string },
): Promise<EndpointSession> {
  options.secrets.registerSecret(credentials.secretId);
  const path = `auth/${options.approleMount}/login`;
  let body: { request_id?: unknown; auth?: LoginAuth } | null;
  try {
    body = await options.http.ok({ method: 'POST', path, body: { role_id: credentials.roleId, secret_id: credentials.secretId } });
  } catch (err) {
    if (isVaultResponseError(err) && err.status === 404) {
      // No AppRole mount there: a broker misconfiguration, not the caller's fault (500).
      throw new Error(`no AppRole auth mount at auth/${options.approleMount} in Vault`, { cause: err });
    }
    throw mapEndpointVaultError(err, options.retryAfterSeconds, 'invalid role_id or secret_id');
  }
  const auth = body?.auth ?? {};
  const token = typeof auth.client_token === 'string' ? auth.client_token : '';
  options.secrets.registerSecret(token);
  if (!token) throw new Error('Vault answered the AppRole login without a client token');
  const metadata: Record<string, string> = {};
  if (auth.metadata && typeof auth.metadata === 'object') {
    for (const [k, v] of Object.entries(auth.metadata as Record<string, unknown>)) metadata[k] = String(v);
  }
  const identity: EndpointIdentity = {
    roleName: metadata.role_name ?? '',
    metadata,
    tokenAccessor: typeof auth.accessor === 'string' ? auth.accessor : '',
    tokenType: typeof auth.token_type === 'string' ? auth.token_type : 'service',
    policies: Array.isArray(auth.policies) ? auth.policies.map(String) : [],
  };
  return new VaultEndpointSession(token, identity, typeof body?.request_id === 'string' ? body.request_id : undefined, options);
}

class VaultEndpointSession implements EndpointSession {
  private ended = false;

  constructor(
    /** The endpoint's Vault token; emptied when the session ends. */
    private token: string,
    readonly identity: EndpointIdentity,
    readonly loginRequestId: string | undefined,
    private readonly options: EndpointLoginOptions,
  ) {}

  async capabilities(paths: readonly string[]): Promise<{ capabilities: Record<string, string[]>; requestId?: string }> {
    if (this.ended) throw new Error('endpoint session already ended');
    let body: Record<string, unknown> | null;
    try {
      body = await this.options.http.ok({ method: 'POST', path: 'sys/capabilities-self', token: this.token, body: { paths: [...paths] } });
    } catch (err) {
      throw mapEndpointVaultError(err, this.options.retryAfterSeconds, 'the endpoint token was refused');
    }
    const data = (body?.data && typeof body.data === 'object' ? body.data : body) as Record<string, unknown>;
    const capabilities: Record<string, string[]> = {};
    for (const p of paths) {
      const caps = data[p] ?? (paths.length === 1 ? data.capabilities : undefined);
      capabilities[p] = Array.isArray(caps) ? caps.map(String) : [];
    }
    return { capabilities, requestId: typeof body?.request_id === 'string' ? body.request_id : undefined };
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    // Batch tokens cannot be revoked (they expire on their own, quickly); service tokens
    // would otherwise live for their whole TTL with a lease in Vault.
    if (this.identity.tokenType === 'service') {
      try {
        await this.options.http.ok({ method: 'POST', path: 'auth/token/revoke-self', token: this.token });
      } catch (err) {
        this.options.logger.warn('could not revoke an endpoint token; it stays valid until its TTL ends', {
          err,
          role_name: this.identity.roleName,
          token_accessor: this.identity.tokenAccessor,
        });
      }
    }
    this.token = '';
  }
}
