/**
 * The one place that constructs node-vault clients. node-vault has hazards this file
 * neutralizes (reference/vault-http-api.md §13):
 *  - it reads VAULT_ADDR, VAULT_TOKEN, VAULT_PREFIX, VAULT_NAMESPACE and
 *    VAULT_SKIP_VERIFY by itself whenever an option is falsy: every value is set
 *    explicitly after construction, so only our config decides;
 *  - a login replaces the client's own token: every identity (the broker, each endpoint
 *    login) gets its own client, never a shared one;
 *  - its `debug` output prints request bodies (secret_ids): a no-op is passed instead;
 *  - its errors are not exported and carry the request: toVaultError() turns them into
 *    the small errors of vault-http.ts, with nothing but status, path and Vault's texts.
 */
import NodeVault from 'node-vault';
import { VaultResponseError, VaultUnreachableError } from './vault-http';

export type NodeVaultClient = NodeVault.client;

export interface VaultClientOptions {
  address: string;
  namespace?: string;
  /** PEM bytes of the CA that signed Vault's certificate. */
  ca?: Buffer;
  timeoutMs: number;
}

const noDebug = () => undefined;

export function createNodeVaultClient(options: VaultClientOptions, token?: string): NodeVaultClient {
  const vaultOptions: NodeVault.VaultOptions & { rpDefaults: { strictSSL: boolean; timeout: number } } = {
    apiVersion: 'v1',
    endpoint: options.address,
    token: token || undefined,
    namespace: options.namespace,
    debug: noDebug,
    // Untyped in index.d.ts; overrides the VAULT_SKIP_VERIFY default and sets the timeout.
    rpDefaults: { strictSSL: true, timeout: options.timeoutMs },
    // keepAlive: node-vault builds its own https.Agent, which would otherwise open a new
    // TLS connection for every call (Node's global agent already keeps plain HTTP alive).
    requestOptions: { timeout: options.timeoutMs, agentOptions: { keepAlive: true }, ...(options.ca ? { ca: options.ca } : {}) },
  };
  const client = NodeVault(vaultOptions);
  const mutable = client as NodeVaultClient & { pathPrefix: string; namespace: string | undefined; endpoint: string };
  // Overwrite what node-vault may have taken from the environment.
  mutable.endpoint = options.address.replace(/\/+$/, '');
  mutable.pathPrefix = '';
  mutable.namespace = options.namespace;
  mutable.token = token ?? '';
  return client;
}

/**
 * A node-vault rejection → VaultResponseError (Vault answered with a status) or
 * VaultUnreachableError (no answer). Nothing of the request (headers with the token,
 * body with a secret_id) is kept.
 */
export function toVaultError(err: unknown, address: string, path: string): Error {
  const e = err as { response?: { statusCode?: unknown; body?: { errors?: unknown } }; code?: unknown; message?: unknown };
  const status = e?.response?.statusCode;
  if (typeof status === 'number') {
    const errors = Array.isArray(e.response?.body?.errors) ? (e.response?.body?.errors as unknown[]).map(String) : [];
    return new VaultResponseError(status, path, errors);
  }
  if (typeof e?.code === 'string') return new VaultUnreachableError(address, e.code);
  // tv4 schema errors and anything else: keep only the message text.
  return new Error(`Vault request to ${path} failed: ${typeof e?.message === 'string' ? e.message : 'unknown error'}`);
}

/** Runs one node-vault call and converts its failure. */
export async function vaultCall<T>(address: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toVaultError(err, address, path);
  }
}
