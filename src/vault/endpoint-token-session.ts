/**
 * Bearer mode's EndpointSession: the endpoint logged in to Vault itself and sent its token.
 * Identity comes from lookup-self with that token (Vault's metadata, not the caller's
 * claim); authorization from capabilities-self with it, as for an AppRole login. The token
 * belongs to the endpoint, so the broker never revokes it.
 */
import type { SecretRegistry } from '../audit';
import { UnauthenticatedError } from '../errors';
import { EndpointTokenClient } from './endpoint-token-client';
import type { EndpointSession } from './vault-gateway';
import type { VaultHttpOptions } from './vault-http';

export async function tokenSession(
  options: { http: VaultHttpOptions; approleMount: string; retryAfterSeconds: number; secrets: SecretRegistry },
  token: string,
): Promise<EndpointSession> {
  options.secrets.registerSecret(token);
  const client = new EndpointTokenClient(options.http, options.retryAfterSeconds);
  const who = await client.identify(token);
  // Only tokens from an AppRole login on our mount: they carry role_name and the
  // secret-ID metadata (computer id, CIDR) the audit trail and the binding rely on.
  if (!who.path.startsWith(`auth/${options.approleMount}/login`) || !who.metadata.role_name) {
    throw new UnauthenticatedError('the Vault token must come from an AppRole login');
  }
  return {
    identity: {
      roleName: who.roleName,
      metadata: who.metadata,
      tokenAccessor: who.accessor,
      tokenType: who.tokenType,
      policies: who.policies,
    },
    async capabilities(paths) {
      const capabilities: Record<string, string[]> = {};
      for (const p of paths) capabilities[p] = await client.capabilities(token, p);
      return { capabilities };
    },
    async end() {
      // The endpoint's own token: it decides when to revoke it.
    },
  };
}
