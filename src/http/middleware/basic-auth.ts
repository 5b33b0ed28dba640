/**
 * HTTP Basic credentials: user name = AppRole role_id, password = secret_id. Only parsed
 * here; Vault decides whether they are good (at the login, after validation).
 */
import type { Request } from 'express';
import type { SecretRegistry } from '../../audit';
import { UnauthenticatedError } from '../../errors';

export interface BasicCredentials {
  roleId: string;
  secretId: string;
}

export function parseBasicAuth(header: string | undefined): BasicCredentials | null {
  if (!header) return null;
  const m = /^Basic[ \t]+([A-Za-z0-9+/=._~-]+)[ \t]*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  const roleId = decoded.slice(0, colon);
  const secretId = decoded.slice(colon + 1);
  if (!secretId || /[\0\r\n]/.test(decoded)) return null;
  return { roleId, secretId };
}

/** The caller's credentials, or UnauthenticatedError (401 with WWW-Authenticate). */
export function requireBasicAuth(req: Request, secrets: SecretRegistry): BasicCredentials {
  const creds = parseBasicAuth(req.headers.authorization);
  if (!creds) {
    throw new UnauthenticatedError('missing or malformed credentials: use HTTP Basic auth with role_id as user name and secret_id as password');
  }
  secrets.registerSecret(creds.secretId);
  return creds;
}
