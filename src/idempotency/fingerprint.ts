/**
 * What "the same request" means for an Idempotency-Key: the same action, the same
 * parameters (compared as canonical JSON, so key order does not matter) and the same
 * caller role. Never the secret_id: the fingerprint is stored, and a hash of a secret
 * is still something to guess against.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestFingerprint(input: { action: string; params: unknown; role: string }): string {
  return createHash('sha256')
    .update(canonicalJson({ action: input.action, params: input.params ?? {}, role: input.role }))
    .digest('base64url');
}
