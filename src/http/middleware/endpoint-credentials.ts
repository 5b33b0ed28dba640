/**
 * The endpoint's credentials, in whichever of the two modes the config allows
 * (endpoint_auth): HTTP Basic with role_id:secret_id (the broker logs in to Vault as the
 * endpoint), or `Authorization: Bearer <Vault token>` (the endpoint logged in itself, so the
 * broker never sees a secret ID). A mode that is off answers 401 like missing credentials.
 */
import type { Request } from 'express';
import type { SecretRegistry } from '../../audit';
import type { EndpointAuthConfig } from '../../config';
import { UnauthenticatedError } from '../../errors';
import type { EndpointCredentials } from '../../vault/vault-gateway';
import { requireBasicAuth } from './basic-auth';

export const DEFAULT_ENDPOINT_AUTH: EndpointAuthConfig = { approle: true, vault_token: false, require_cidr_binding: false };

const BEARER = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]{8,4096})[ \t]*$/i;

export function requireEndpointCredentials(req: Request, secrets: SecretRegistry, auth: EndpointAuthConfig = DEFAULT_ENDPOINT_AUTH): EndpointCredentials {
  const header = req.headers.authorization ?? '';
  if (/^Bearer\b/i.test(header)) {
    if (!auth.vault_token) throw new UnauthenticatedError('Bearer (Vault token) authentication is not enabled on this broker');
    const m = BEARER.exec(header);
    if (!m) throw new UnauthenticatedError('malformed Bearer credentials');
    secrets.registerSecret(m[1]);
    return { vaultToken: m[1] as string };
  }
  if (!auth.approle) throw new UnauthenticatedError('AppRole (HTTP Basic) authentication is not enabled on this broker: send your Vault token as Bearer');
  return requireBasicAuth(req, secrets);
}
