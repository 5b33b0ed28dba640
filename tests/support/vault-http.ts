/**
 * Plain-HTTP access to a Vault for conformance tests: what a client sees on the wire
 * (status, headers, raw text, parsed JSON), with no client library in between.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';

export interface VaultReply {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as is instead of JSON.stringify(body). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export class VaultClient {
  constructor(
    readonly addr: string,
    readonly token: string,
  ) {}

  withToken(token: string): VaultClient {
    return new VaultClient(this.addr, token);
  }

  async call(method: string, path: string, opts: CallOptions = {}): Promise<VaultReply> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token ?? this.token;
    if (token) headers['X-Vault-Token'] = token;
    let body: string | Buffer | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] ??= 'application/json';
    }
    if (method === 'LIST') return this.list(path, headers);
    const res = await fetch(`${this.addr}/v1/${path}`, { method, headers, body });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  /** fetch() refuses the LIST method, so LIST goes through node:http. */
  private list(path: string, headers: Record<string, string>): Promise<VaultReply> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${this.addr}/v1/${path}`, { method: 'LIST', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
          let json: unknown = null;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            json = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: h, text, json });
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  get(path: string, opts?: CallOptions): Promise<VaultReply> {
    return this.call('GET', path, opts);
  }

  post(path: string, body?: unknown, opts: CallOptions = {}): Promise<VaultReply> {
    return this.call('POST', path, { ...opts, body });
  }

  put(path: string, body?: unknown, opts: CallOptions = {}): Promise<VaultReply> {
    return this.call('PUT', path, { ...opts, body });
  }

  delete(path: string, opts?: CallOptions): Promise<VaultReply> {
    return this.call('DELETE', path, opts);
  }

  /** Write a policy and return nothing; fails the test on anything but 204. */
  async writePolicy(name: string, hcl: string): Promise<void> {
    const r = await this.put(`sys/policies/acl/${name}`, { policy: hcl });
    if (r.status !== 204) throw new Error(`writing policy ${name}: ${r.status} ${r.text}`);
  }

  /** Create a token as this client; returns the auth block. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async createToken(body: Record<string, unknown> = {}, path = 'auth/token/create'): Promise<any> {
    const r = await this.post(path, body);
    if (r.status !== 200) throw new Error(`creating token: ${r.status} ${r.text}`);
    return r.json.auth;
  }
}

/** A name no other test (or earlier run against a real Vault) uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export const INVALID_TOKEN = '2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n';
export const PERMISSION_DENIED = '1 error occurred:\n\t* permission denied\n\n';
