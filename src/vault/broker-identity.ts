/**
 * The broker's own Vault identity: log in (AppRole, or a token file for development),
 * keep the token alive, and log in again when that is no longer possible.
 *
 * Like Vault Agent's auth handler and lifetime watcher (hashicorp/vault
 * command/agentproxyshared/auth, api/lifetime_watcher.go):
 *  - renew at about 2/3 of the TTL, with jitter so replicas do not renew in step;
 *  - a renewal that is refused (4xx), or that no longer extends the TTL (max TTL
 *    reached), leads to a fresh login;
 *  - a transient failure (no answer, 5xx) is retried with backoff while the token lasts;
 *  - login failures are retried with capped exponential backoff; meanwhile the broker
 *    is not ready and requests get 503.
 * Credentials are read from their files or variables at each login, so a rotated
 * secret_id or token file is picked up without a restart.
 */
import type { Logger, SecretRegistry } from '../audit';
import { VaultUnavailableError } from '../errors';
import { isTransientVaultError, unavailable } from './error-mapping';
import { createNodeVaultClient, vaultCall, type NodeVaultClient, type VaultClientOptions } from './node-vault-client';
import { isVaultResponseError } from './vault-http';

export type BrokerCredentials =
  | { method: 'approle'; mount: string; roleId: () => string; secretId: () => string }
  | { method: 'token'; token: () => string };

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
  now(): number;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // Renewal must not keep a process alive that is otherwise done (tests, CLI).
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  random: Math.random,
  now: Date.now,
};

export interface BrokerIdentityOptions {
  client: VaultClientOptions;
  credentials: BrokerCredentials;
  secrets: SecretRegistry;
  logger: Logger;
  retryAfterSeconds: number;
  timers?: Timers;
}

interface Grant {
  ttlSeconds: number;
  renewable: boolean;
}

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;

export class BrokerIdentity {
  private client: NodeVaultClient | null = null;
  private expiresAt = 0;
  private lastGrantTtl = 0;
  private loginInFlight: Promise<NodeVaultClient> | null = null;
  private timer: unknown = null;
  private backoffMs = MIN_BACKOFF_MS;
  private stopped = false;
  private loggedInAt: number | null = null;
  private readonly timers: Timers;

  constructor(private readonly options: BrokerIdentityOptions) {
    this.timers = options.timers ?? realTimers;
  }

  /** First login. Never throws: on failure it logs, retries in the background, and the broker is not ready. */
  async start(): Promise<void> {
    try {
      await this.login();
    } catch {
      // logged and rescheduled by login()
    }
  }

  /**
   * Stops renewing and, for a token from an AppRole login, revokes it (broker.hcl grants
   * revoke-self) so no live broker token outlives the process. A token from a file is
   * left alone: it belongs to whoever wrote the file.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer();
    const client = this.client;
    this.client = null;
    if (client && this.options.credentials.method === 'approle' && this.loggedInAt !== null) {
      try {
        await vaultCall(this.options.client.address, 'auth/token/revoke-self', () => client.tokenRevokeSelf());
      } catch (err) {
        this.options.logger.warn('could not revoke the broker token at shutdown; it expires with its TTL', { err });
      }
    }
    if (client) client.token = '';
  }

  get loggedIn(): boolean {
    return this.client !== null && (this.expiresAt === 0 || this.timers.now() < this.expiresAt);
  }

  /** A client holding a valid broker token; logs in first if needed. Throws VaultUnavailableError. */
  async vault(): Promise<NodeVaultClient> {
    if (this.client && this.loggedIn) return this.client;
    return this.login();
  }

  /** Log in again now (e.g. after a 403 on a read): single-flight across callers. */
  async relogin(): Promise<NodeVaultClient> {
    this.client = null;
    return this.login();
  }

  private login(): Promise<NodeVaultClient> {
    if (this.stopped) return Promise.reject(new VaultUnavailableError('the broker is shutting down', this.options.retryAfterSeconds));
    if (!this.loginInFlight) {
      this.loginInFlight = this.doLogin().finally(() => {
        this.loginInFlight = null;
      });
    }
    return this.loginInFlight;
  }

  private async doLogin(): Promise<NodeVaultClient> {
    const { credentials, logger } = this.options;
    this.cancelTimer();
    try {
      const { client, grant } = credentials.method === 'approle' ? await this.appRoleLogin(credentials) : await this.tokenLogin(credentials);
      this.client = client;
      this.loggedInAt = this.timers.now();
      this.onGrant(grant, 'login');
      this.backoffMs = MIN_BACKOFF_MS;
      logger.info('logged in to Vault with the broker identity', {
        method: credentials.method,
        token_ttl_seconds: grant.ttlSeconds,
        renewable: grant.renewable,
      });
      return client;
    } catch (err) {
      this.client = null;
      const delay = this.nextBackoff();
      const transient = isTransientVaultError(err);
      // SECURITY: a refused broker login means its credentials are wrong, expired or revoked.
      logger.error(transient ? 'Vault is unavailable for the broker login; retrying' : 'SECURITY: Vault refused the broker identity; retrying', {
        err,
        retry_in_ms: delay,
      });
      this.schedule(delay, () => void this.login().catch(() => undefined));
      throw transient ? unavailable(err, this.options.retryAfterSeconds) : new VaultUnavailableError('the broker is not logged in to Vault', this.options.retryAfterSeconds, { cause: err });
    }
  }

  private async appRoleLogin(c: Extract<BrokerCredentials, { method: 'approle' }>): Promise<{ client: NodeVaultClient; grant: Grant }> {
    const roleId = c.roleId().trim();
    const secretId = c.secretId().trim();
    this.options.secrets.registerSecret(secretId);
    const client = createNodeVaultClient(this.options.client);
    const path = `auth/${c.mount}/login`;
    const body = await vaultCall(this.options.client.address, path, () =>
      client.approleLogin({ role_id: roleId, secret_id: secretId, mount_point: c.mount }),
    );
    const auth = (body?.auth ?? {}) as { client_token?: unknown; lease_duration?: unknown; renewable?: unknown };
    if (typeof auth.client_token !== 'string' || !auth.client_token) throw new Error('Vault answered the broker login without a token');
    this.options.secrets.registerSecret(auth.client_token);
    client.token = auth.client_token;
    return { client, grant: { ttlSeconds: Number(auth.lease_duration ?? 0), renewable: auth.renewable === true } };
  }

  private async tokenLogin(c: Extract<BrokerCredentials, { method: 'token' }>): Promise<{ client: NodeVaultClient; grant: Grant }> {
    const token = c.token().trim();
    this.options.secrets.registerSecret(token);
    const client = createNodeVaultClient(this.options.client, token);
    const body = await vaultCall(this.options.client.address, 'auth/token/lookup-self', () => client.tokenLookupSelf());
    const data = (body?.data ?? {}) as { ttl?: unknown; renewable?: unknown };
    return { client, grant: { ttlSeconds: Number(data.ttl ?? 0), renewable: data.renewable === true } };
  }

  /** Plans the next renewal or re-login from what Vault granted. */
  private onGrant(grant: Grant, via: 'login' | 'renewal'): void {
    const now = this.timers.now();
    if (grant.ttlSeconds <= 0) {
      // A non-expiring token (dev root token): nothing to renew.
      this.expiresAt = 0;
      this.lastGrantTtl = 0;
      return;
    }
    this.expiresAt = now + grant.ttlSeconds * 1000;
    // 2/3 of the TTL minus up to 10% jitter.
    const delay = grant.ttlSeconds * 1000 * (2 / 3) * (1 - 0.1 * this.timers.random());
    const cappedByMax = via === 'renewal' && grant.ttlSeconds < this.lastGrantTtl;
    this.lastGrantTtl = grant.ttlSeconds;
    if (!grant.renewable || cappedByMax) {
      this.schedule(delay, () => void this.relogin().catch(() => undefined));
    } else {
      this.schedule(delay, () => void this.renew());
    }
  }

  private async renew(): Promise<void> {
    const client = this.client;
    if (!client || this.stopped) return;
    try {
      const body = await vaultCall(this.options.client.address, 'auth/token/renew-self', () => client.write('auth/token/renew-self', {}));
      const auth = (body?.auth ?? {}) as { lease_duration?: unknown; renewable?: unknown };
      this.onGrant({ ttlSeconds: Number(auth.lease_duration ?? 0), renewable: auth.renewable === true }, 'renewal');
      this.options.logger.debug('renewed the broker token', { token_ttl_seconds: auth.lease_duration });
    } catch (err) {
      if (isTransientVaultError(err) && this.timers.now() < this.expiresAt) {
        const delay = Math.min(this.nextBackoff(), Math.max(MIN_BACKOFF_MS, (this.expiresAt - this.timers.now()) / 3));
        this.options.logger.warn('could not renew the broker token; retrying', { err, retry_in_ms: delay });
        this.schedule(delay, () => void this.renew());
        return;
      }
      this.options.logger.warn('Vault refused to renew the broker token; logging in again', {
        err,
        status: isVaultResponseError(err) ? err.status : undefined,
      });
      await this.relogin().catch(() => undefined);
    }
  }

  private nextBackoff(): number {
    const delay = this.backoffMs * (0.75 + 0.5 * this.timers.random());
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
    return Math.round(delay);
  }

  private schedule(ms: number, fn: () => void): void {
    this.cancelTimer();
    if (this.stopped) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      fn();
    }, ms);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}
