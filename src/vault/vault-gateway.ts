/**
 * What the broker's use cases need from Vault, as one role interface. The node-vault
 * implementation is NodeVaultGateway (node-vault-gateway.ts); tests use the real one
 * against devvault.
 */

/** Who the endpoint is, according to Vault's login response (never the caller's claim). */
export interface EndpointIdentity {
  roleName: string;
  /** Token metadata: role_name plus the secret-ID metadata (computer_id, cidr, …). */
  metadata: Record<string, string>;
  tokenAccessor: string;
  tokenType: 'service' | 'batch' | string;
  policies: string[];
}

export interface EndpointSession {
  readonly identity: EndpointIdentity;
  readonly loginRequestId?: string;
  /** sys/capabilities-self with the endpoint's token, for several paths in one call. */
  capabilities(paths: readonly string[]): Promise<{ capabilities: Record<string, string[]>; requestId?: string }>;
  /** Revokes the endpoint's token if it is a service token. Never throws. */
  end(): Promise<void>;
}

export interface ToolKey {
  value: string;
  /** Vault's request id of the read; undefined when served from the cache. */
  vaultRequestId?: string;
  fromCache: boolean;
}

export interface ReadinessReport {
  ready: boolean;
  checks: {
    vault: 'ok' | 'sealed' | 'uninitialized' | 'standby' | 'unreachable' | 'error';
    broker_token: 'ok' | 'invalid' | 'not_logged_in' | 'unknown';
  };
}

/**
 * How an endpoint authenticates: AppRole credentials the broker logs in with, or (Bearer
 * mode, endpoint_auth.vault_token) a Vault token the endpoint got from its own login.
 */
export type EndpointCredentials = { roleId: string; secretId: string } | { vaultToken: string };

export interface VaultGateway {
  /**
   * AppRole login as the endpoint. Throws UnauthenticatedError for rejected credentials,
   * VaultUnavailableError when Vault is sealed, down or overloaded.
   */
  loginEndpoint(credentials: EndpointCredentials): Promise<EndpointSession>;
  /** A tool key (`mount/data/path#field`), read with the broker's own identity. */
  readToolKey(ref: string): Promise<ToolKey>;
  /** Drops a cached key (e.g. after the target refused it). */
  forgetToolKey(ref: string): void;
  readiness(): Promise<ReadinessReport>;
  close(): Promise<void>;
}
