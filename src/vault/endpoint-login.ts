/**
 * Logging in as an endpoint (AppRole) and asking Vault what that endpoint may do.
 *
 * Each session holds a node-vault client of its own for as long as it lives:
 * approleLogin() stores the endpoint's token in the client it was called on, so a client
 * shared between requests would mix identities. The client comes from a pool and goes
 * back to it, token wiped, when the session ends (endpoint-client-pool.ts).
 */
import type { Logger, SecretRegistry } from '../audit';
import type { EndpointClientPool } from './endpoint-client-pool';
import { mapEndpointVaultError } from './error-mapping';
import { vaultCall, type NodeVaultClient } from './node-vault-client';
import type { EndpointIdentity, EndpointSession } from './vault-gateway';
import { isVaultResponseError } from './vault-http';

export interface EndpointLoginOptions {
  /** Where each session gets its own client. */
  clients: EndpointClientPool;
  /** Vault's address, for error messages. */
  address: string;
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
  const client = options.clients.acquire();
  let body: { request_id?: unknown; auth?: LoginAuth } | null;
  try {
    body = await vaultCall(options.address, path, () =>
      client.approleLogin({ role_id: credentials.roleId, secret_id: credentials.secretId, mount_point: options.approleMount }),
    );
  } catch (err) {
    options.clients.release(client);
    if (isVaultResponseError(err) && err.status === 404) {
      // No AppRole mount there: a broker misconfiguration, not the caller's fault (500).
      throw new Error(`no AppRole auth mount at auth/${options.approleMount} in Vault`, { cause: err });
    }
    throw mapEndpointVaultError(err, options.retryAfterSeconds, 'invalid role_id or secret_id');
  }
  const auth = body?.auth ?? {};
  const token = typeof auth.client_token === 'string' ? auth.client_token : '';
  options.secrets.registerSecret(token);
  if (!token) {
    options.clients.release(client);
    throw new Error('Vault answered the AppRole login without a client token');
  }
  // approleLogin already put the token into this client; say so explicitly.
  client.token = token;
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
  return new NodeVaultEndpointSession(client, identity, typeof body?.request_id === 'string' ? body.request_id : undefined, options);
}

class NodeVaultEndpointSession implements EndpointSession {
  private ended = false;

  constructor(
    /** This session's own client, holding the endpoint's token until the session ends. */
    private readonly client: NodeVaultClient,
    readonly identity: EndpointIdentity,
    readonly loginRequestId: string | undefined,
    private readonly options: EndpointLoginOptions,
  ) {}

  async capabilities(paths: readonly string[]): Promise<{ capabilities: Record<string, string[]>; requestId?: string }> {
    if (this.ended) throw new Error('endpoint session already ended');
    let body: Record<string, unknown> | null;
    try {
      body = await vaultCall(this.options.address, 'sys/capabilities-self', () =>
        this.client.write('sys/capabilities-self', { paths: [...paths] }),
      );
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
        await vaultCall(this.options.address, 'auth/token/revoke-self', () => this.client.tokenRevokeSelf());
      } catch (err) {
        this.options.logger.warn('could not revoke an endpoint token; it stays valid until its TTL ends', {
          err,
          role_name: this.identity.roleName,
          token_accessor: this.identity.tokenAccessor,
        });
      }
    }
    this.options.clients.release(this.client);
  }
}
