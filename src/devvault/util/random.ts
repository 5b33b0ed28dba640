/**
 * Identifiers in Vault's formats: base62 accessors and token bodies
 * (go-secure-stdlib/base62), uuids for request and entity ids.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `n` random base62 characters, without modulo bias. */
export function base62(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      // 248 = 4 * 62: bytes above it would favour the first characters.
      if (b >= 248) continue;
      out += BASE62[b % 62];
      if (out.length === n) break;
    }
  }
  return out;
}

/** Random URL-safe base64 without padding, as Vault prints its long token bodies. */
export function base64Url(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export function uuid(): string {
  return randomUUID();
}

/** Eight random hex characters, the suffix of mount accessors ("kv_1a2b3c4d"). */
export function hex8(): string {
  return randomBytes(4).toString('hex');
}

/** Salted SHA-256 in hex, for ids derived from secrets (lease ids of tokens). */
export function saltedHash(salt: string, value: string): string {
  return createHash('sha256').update(salt).update(value).digest('hex');
}
