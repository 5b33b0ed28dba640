/**
 * The one place that constructs node-vault clients. node-vault has hazards this file
 * neutralizes (reference/vault-http-api.md §13):
 *  - it reads VAULT_ADDR, VAULT_TOKEN, VAULT_PREFIX, VAULT_NAMESPACE and
 *    VAULT_SKIP_VERIFY by itself whenever an option is falsy: every value is set
 *    explicitly after construction, so only our config decides;
 *  - a login replaces the client's own token: every identity (the broker, each endpoint
 *    login) gets its own client, never a shared one;
 *  - its `debug` output prints request bodies (secret_ids): a no-op is passed instead;
 *  - its errors are not exported and carry the request: toVaultError() turns them into
 *    the small errors of vault-http.ts, with nothing but status, path and Vault's texts;
 *  - its own HTTP layer (an axios instance per client) follows redirects, carrying the
 *    X-Vault-Token header to wherever a 3xx points, and takes a proxy from HTTP(S)_PROXY:
 *    it is replaced through node-vault's `request-promise` option by one axios instance
 *    per options object (vaultTransport below) that does neither, as vault-http.ts.
 */
import http from 'node:http';
import https from 'node:https';
import axios from 'axios';
import NodeVault from 'node-vault';
import { VaultResponseError, VaultUnreachableError } from './vault-http';

export type NodeVaultClient = NodeVault.client;

export interface VaultClientOptions {
  address: string;
  namespace?: string;
  /** PEM bytes of the CA that signed Vault's certificate. */
  ca?: Buffer;
  timeoutMs: number;
}

const noDebug = () => undefined;

/** What node-vault hands its `request-promise` transport for each call (src/index.js). */
interface TransportRequest {
  method: string;
  uri: string;
  headers?: Record<string, string>;
  json?: unknown;
}

interface TransportReply {
  statusCode: number;
  body: unknown;
  request: { path: string };
}

interface Transport {
  /** node-vault calls this once per client with its request defaults, which we ignore. */
  defaults(): (request: TransportRequest) => Promise<TransportReply>;
}

/**
 * One transport (axios instance and keep-alive agents) per options object, shared by every
 * client built from it (the endpoint client pool, the broker identity): a connection
 * carries no identity, each request sends its client's own token. Sharing it also saves
 * building an axios instance and an https.Agent per client. No redirects (a 3xx is an
 * error, as in vault-http.ts), no proxy from the environment; node-vault judges the
 * status itself. Per call this costs about 0.07 ms of CPU less than node-vault's own
 * layer (follow-redirects and the proxy lookup, measured for `npm run bench`).
 */
const transports = new WeakMap<VaultClientOptions, Transport>();

function vaultTransport(options: VaultClientOptions): Transport {
  const known = transports.get(options);
  if (known) return known;
  // As Node's global agent: idle connections closed after 5 s (before a server would).
  const keepAlive = { keepAlive: true, scheduling: 'lifo' as const, timeout: 5_000 };
  const instance = axios.create({
    timeout: options.timeoutMs,
    validateStatus: () => true,
    maxRedirects: 0,
    proxy: false,
    httpAgent: new http.Agent(keepAlive),
    httpsAgent: new https.Agent({ ...keepAlive, rejectUnauthorized: true, ...(options.ca ? { ca: options.ca } : {}) }),
  });
  const send = async (request: TransportRequest): Promise<TransportReply> => {
    const response = await instance.request({
      method: request.method,
      url: request.uri,
      headers: { ...request.headers },
      data: request.json && typeof request.json === 'object' ? request.json : undefined,
    });
    return { statusCode: response.status, body: response.data, request: { path: pathOf(request.uri) } };
  };
  const transport: Transport = { defaults: () => send };
  transports.set(options, transport);
  return transport;
}

/** The URL's path, which node-vault checks for sys/health. */
function pathOf(uri: string): string {
  try {
    return new URL(uri).pathname;
  } catch {
    return uri;
  }
}

export function createNodeVaultClient(options: VaultClientOptions, token?: string): NodeVaultClient {
  const client = NodeVault({
    apiVersion: 'v1',
    endpoint: options.address,
    token: token || undefined,
    namespace: options.namespace,
    debug: noDebug,
    'request-promise': vaultTransport(options),
  });
  const mutable = client as NodeVaultClient & { pathPrefix: string; namespace: string | undefined; endpoint: string };
  // Overwrite what node-vault may have taken from the environment.
  mutable.endpoint = options.address.replace(/\/+$/, '');
  mutable.pathPrefix = '';
  mutable.namespace = options.namespace;
  mutable.token = token ?? '';
  return client;
}

/**
 * A node-vault rejection → VaultResponseError (Vault answered with a status) or
 * VaultUnreachableError (no answer). Nothing of the request (headers with the token,
 * body with a secret_id) is kept.
 */
export function toVaultError(err: unknown, address: string, path: string): Error {
  const e = err as { response?: { statusCode?: unknown; body?: { errors?: unknown } }; code?: unknown; message?: unknown };
  const status = e?.response?.statusCode;
  if (typeof status === 'number') {
    const errors = Array.isArray(e.response?.body?.errors) ? (e.response?.body?.errors as unknown[]).map(String) : [];
    return new VaultResponseError(status, path, errors);
  }
  if (typeof e?.code === 'string') return new VaultUnreachableError(address, e.code);
  // tv4 schema errors and anything else: keep only the message text.
  return new Error(`Vault request to ${path} failed: ${typeof e?.message === 'string' ? e.message : 'unknown error'}`);
}

/** Runs one node-vault call and converts its failure. */
export async function vaultCall<T>(address: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toVaultError(err, address, path);
  }
}
