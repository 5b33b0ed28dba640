/**
 * Tool keys, read from KV v2 with the broker's own identity and kept in memory for at
 * most `key_cache_seconds` (0: read on every request, so a rotation in Vault takes
 * effect on the next call). Concurrent reads of one key share a single Vault request.
 */
import { parseCredentialRef } from '../config';
import type { Logger, SecretRegistry } from '../audit';
import type { BrokerIdentity } from './broker-identity';
import { isTransientVaultError, unavailable } from './error-mapping';
import { vaultCall } from './node-vault-client';
import type { ToolKey } from './vault-gateway';
import { isVaultResponseError } from './vault-http';

interface Cached {
  value: string;
  expiresAt: number;
}

export interface ToolKeyStoreOptions {
  identity: BrokerIdentity;
  address: string;
  cacheSeconds: number;
  retryAfterSeconds: number;
  secrets: SecretRegistry;
  logger: Logger;
  now?: () => number;
}

export class ToolKeyStore {
  private readonly cache = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<ToolKey>>();
  private readonly now: () => number;

  constructor(private readonly options: ToolKeyStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  async get(ref: string): Promise<ToolKey> {
    const hit = this.cache.get(ref);
    if (hit && hit.expiresAt > this.now()) return { value: hit.value, fromCache: true };
    let pending = this.inFlight.get(ref);
    if (!pending) {
      pending = this.read(ref).finally(() => this.inFlight.delete(ref));
      this.inFlight.set(ref, pending);
    }
    return pending;
  }

  forget(ref: string): void {
    this.cache.delete(ref);
  }

  clear(): void {
    this.cache.clear();
  }

  private async read(ref: string): Promise<ToolKey> {
    const { path, field } = parseCredentialRef(ref);
    let body: { request_id?: unknown; data?: { data?: Record<string, unknown> | null } };
    try {
      body = await this.readOnce(path);
    } catch (err) {
      if (!(isVaultResponseError(err) && err.status === 403)) throw this.mapError(err, ref);
      // The broker token may have been revoked or have expired early: log in again once.
      try {
        await this.options.identity.relogin();
        body = await this.readOnce(path);
      } catch (again) {
        throw this.mapError(again, ref);
      }
    }
    const value = body?.data?.data?.[field];
    if (typeof value !== 'string' || value === '') {
      throw new Error(`the secret at ${path} has no string field "${field}" (credential ref ${ref})`);
    }
    this.options.secrets.registerSecret(value);
    if (this.options.cacheSeconds > 0) this.cache.set(ref, { value, expiresAt: this.now() + this.options.cacheSeconds * 1000 });
    return { value, fromCache: false, vaultRequestId: typeof body.request_id === 'string' ? body.request_id : undefined };
  }

  private async readOnce(path: string) {
    const client = await this.options.identity.vault();
    return vaultCall(this.options.address, path, () => client.read(path));
  }

  private mapError(err: unknown, ref: string): Error {
    if (isTransientVaultError(err)) return unavailable(err, this.options.retryAfterSeconds);
    if (err instanceof Error && err.name === 'VaultUnavailableError') return err;
    if (isVaultResponseError(err) && err.status === 403) {
      // SECURITY: the broker's policy does not allow this key (or its identity was revoked).
      this.options.logger.error('SECURITY: Vault denied the broker identity a tool key', { credential_ref: ref, err });
      return new Error(`Vault denied the broker identity read access to ${ref}`, { cause: err });
    }
    if (isVaultResponseError(err) && err.status === 404) return new Error(`no secret at ${ref} in Vault`, { cause: err });
    return err instanceof Error ? err : new Error(String(err));
  }
}
