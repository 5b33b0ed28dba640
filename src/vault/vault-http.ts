/**
 * A minimal Vault HTTP client for the identity-lifecycle calls (admin CLI, enrollment,
 * Bearer mode). Plain axios rather than node-vault: these calls need per-request tokens
 * (a wrapping token, an endpoint's token), X-Vault-Wrap-TTL, and bodies node-vault's
 * schemas would silently trim (reference/vault-http-api.md §13).
 *
 * Errors never carry a token or a request body: axios errors hold the request config
 * (with X-Vault-Token), so they are turned into our own small errors right here.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';

export interface VaultHttpOptions {
  address: string;
  /** PEM file with the CA that signed Vault's certificate. */
  caFile?: string;
  /** …or its PEM bytes (what the broker's config loader already read). */
  ca?: Buffer;
  namespace?: string;
  timeoutMs?: number;
}

export interface VaultCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'LIST';
  /** Without /v1/: "sys/auth", "auth/approle/role/demo". */
  path: string;
  token?: string;
  body?: unknown;
  /** Seconds; asks Vault to response-wrap the answer. */
  wrapTtl?: number;
}

export interface VaultReply {
  status: number;
  body: Record<string, unknown> | null;
}

/** Vault answered with an error status. `errors` is Vault's display text (never contains our secrets). */
export class VaultResponseError extends Error {
  override readonly name = 'VaultResponseError';
  constructor(
    readonly status: number,
    readonly path: string,
    readonly errors: string[],
  ) {
    super(`Vault answered ${status} on ${path}${errors.length ? `: ${errors.join('; ').replace(/\s+/g, ' ').trim()}` : ''}`);
  }
  get permissionDenied(): boolean {
    return this.status === 403;
  }
  get sealed(): boolean {
    return this.status === 503;
  }
}

/** Vault could not be reached (connection refused, DNS, TLS, timeout). */
export class VaultUnreachableError extends Error {
  override readonly name = 'VaultUnreachableError';
  constructor(
    readonly address: string,
    readonly code: string,
  ) {
    super(`cannot reach Vault at ${address} (${code})`);
  }
}

export function isVaultResponseError(e: unknown): e is VaultResponseError {
  return e instanceof Error && e.name === 'VaultResponseError';
}
export function isVaultUnreachableError(e: unknown): e is VaultUnreachableError {
  return e instanceof Error && e.name === 'VaultUnreachableError';
}

export class VaultHttp {
  private readonly http: AxiosInstance;
  readonly address: string;

  constructor(private readonly options: VaultHttpOptions) {
    this.address = options.address.replace(/\/+$/, '');
    this.http = axios.create({
      baseURL: `${this.address}/v1/`,
      timeout: options.timeoutMs ?? 10_000,
      // Every status is an answer we interpret ourselves; never follow redirects with a token.
      validateStatus: () => true,
      maxRedirects: 0,
      proxy: false,
      // Keep-alive: the broker's instance carries every endpoint login, and a TLS
      // handshake per call would cost more than the call.
      httpsAgent:
        options.ca || options.caFile ? new https.Agent({ ca: options.ca ?? readFileSync(options.caFile as string), keepAlive: true }) : undefined,
      // Vault bodies are JSON; keep axios from guessing.
      responseType: 'json',
    });
  }

  async call(c: VaultCall): Promise<VaultReply> {
    const headers: Record<string, string> = { 'X-Vault-Request': 'true' };
    if (c.token) headers['X-Vault-Token'] = c.token;
    if (this.options.namespace) headers['X-Vault-Namespace'] = this.options.namespace;
    if (c.wrapTtl !== undefined) headers['X-Vault-Wrap-TTL'] = String(c.wrapTtl);
    let res;
    try {
      res = await this.http.request({
        method: c.method === 'LIST' ? 'GET' : c.method,
        url: c.path.split('/').map(encodeURIComponent).join('/'),
        params: c.method === 'LIST' ? { list: 'true' } : undefined,
        data: c.body,
        headers,
      });
    } catch (err) {
      const e = err as { code?: string };
      // Only the code: the axios error object holds the request headers (the token).
      throw new VaultUnreachableError(this.address, e.code ?? 'network error');
    }
    const body = res.data && typeof res.data === 'object' ? (res.data as Record<string, unknown>) : null;
    return { status: res.status, body };
  }

  /** Like call(), but 2xx only: throws VaultResponseError otherwise; 404 → null when `allow404`. */
  async ok(c: VaultCall, allow404 = false): Promise<Record<string, unknown> | null> {
    const r = await this.call(c);
    if (r.status >= 200 && r.status < 300) return r.body;
    if (r.status === 404 && allow404) return null;
    const errors = Array.isArray(r.body?.errors) ? (r.body.errors as unknown[]).map(String) : [];
    throw new VaultResponseError(r.status, c.path, errors);
  }
}

export function dataOf(body: Record<string, unknown> | null): Record<string, unknown> {
  const d = body?.data;
  return d && typeof d === 'object' ? (d as Record<string, unknown>) : {};
}
