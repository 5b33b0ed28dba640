/**
 * A minimal Vault HTTP client for the identity-lifecycle calls (admin CLI, enrollment,
 * Bearer mode) and the broker's endpoint logins. Plain node:http rather than node-vault:
 * these calls need per-request tokens (a wrapping token, an endpoint's token),
 * X-Vault-Wrap-TTL, and bodies node-vault's schemas would silently trim
 * (reference/vault-http-api.md §13). Not axios either: every invocation of an action makes
 * two calls here, and axios cost about 0.25 ms more CPU per call (`npm run bench`). It
 * never follows redirects and never reads proxy settings from the environment.
 *
 * Errors never carry a token or a request body: a failed exchange becomes our own small
 * error with only a code, right here.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

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
  readonly address: string;
  private readonly base: URL;
  private readonly timeoutMs: number;
  /** undefined: node's global agents, which keep connections alive (Node.js 20+). */
  private readonly agent: http.Agent | undefined;

  constructor(private readonly options: VaultHttpOptions) {
    this.address = options.address.replace(/\/+$/, '');
    this.base = new URL(`${this.address}/v1/`);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    // Keep-alive: the broker's instance carries every endpoint login, and a TLS
    // handshake per call would cost more than the call.
    this.agent =
      options.ca || options.caFile
        ? // timeout: so the agent honours Vault's Keep-Alive hint, as in http-target-connector.ts.
          new https.Agent({ ca: options.ca ?? readFileSync(options.caFile as string), keepAlive: true, timeout: 5_000 })
        : undefined;
  }

  async call(c: VaultCall): Promise<VaultReply> {
    const headers: Record<string, string> = { 'X-Vault-Request': 'true', Accept: 'application/json' };
    if (c.token) headers['X-Vault-Token'] = c.token;
    if (this.options.namespace) headers['X-Vault-Namespace'] = this.options.namespace;
    if (c.wrapTtl !== undefined) headers['X-Vault-Wrap-TTL'] = String(c.wrapTtl);
    const payload = c.body === undefined ? undefined : Buffer.from(JSON.stringify(c.body), 'utf8');
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const url = new URL(c.path.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/'), this.base);
    if (c.method === 'LIST') url.searchParams.set('list', 'true');
    const { status, text } = await this.send(url, c.method === 'LIST' ? 'GET' : c.method, headers, payload);
    let body: Record<string, unknown> | null = null;
    if (text) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
      } catch {
        // Not JSON (a proxy's error page): the status speaks for itself.
      }
    }
    return { status, body };
  }

  /**
   * One exchange. Failures become VaultUnreachableError with only a code: nothing of the
   * request (the token header, a secret_id in the body) is kept.
   */
  private send(url: URL, method: string, headers: Record<string, string>, payload: Buffer | undefined): Promise<{ status: number; text: string }> {
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (code: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new VaultUnreachableError(this.address, code));
      };
      const req = client.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', () => fail('ECONNRESET'));
        res.on('close', () => {
          if (!res.complete) fail('ECONNRESET');
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      // The whole exchange, not just an idle socket, must finish in time.
      const timer = setTimeout(() => {
        fail('ETIMEDOUT');
        req.destroy();
      }, this.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? 'network error'));
      req.end(payload);
    });
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
