/**
 * The only place that makes outbound HTTP to tools (axios). What it guarantees:
 *  - the scheme, host and port come from the target's configured base URL and the final
 *    URL is checked to stay below its path, whatever the parameters were;
 *  - redirects are never followed (a 3xx is a failure), so a target cannot bounce the key
 *    to another host; proxy environment variables are ignored;
 *  - a timeout covers the whole exchange: 504; connection failures and 5xx: 502;
 *  - errors leaving this module carry no request config, headers, body or URL query:
 *    only a code and message (the key may be in a header or the query string).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { TargetConfig } from '../config';
import { TargetFailedError, TargetTimeoutError } from '../errors';
import type { SecretRegistry } from '../audit';
import { injectCredential } from './credential-injection';
import type { TargetConnector, TargetRequest, TargetResponse } from './target-request';

/** Errors that mean the request provably never reached the target. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/**
 * Idle connections are reused, and closed by us before the target closes them: Node's
 * agent honours a server's `Keep-Alive: timeout=N` (closing after N - 1 s) only when the
 * agent has a timeout of its own. Without one, a call sent just as the target drops the
 * idle connection fails with ECONNRESET (a 502 that `npm run bench`'s fan-out showed).
 * 5 s, as Node's global agent: also the limit for targets that announce nothing.
 */
const KEEP_ALIVE = { keepAlive: true, timeout: 5_000 };

interface PreparedTarget {
  name: string;
  config: TargetConfig;
  base: URL;
  basePath: string;
}

export interface HttpTargetConnectorOptions {
  targets: Readonly<Record<string, TargetConfig>>;
  secrets: SecretRegistry;
  /** Reads a CA file; injectable for tests, defaults to fs. */
  readFile?: (path: string) => Buffer;
  userAgent?: string;
}

export class HttpTargetConnector implements TargetConnector {
  private readonly targets = new Map<string, PreparedTarget>();
  private readonly http: AxiosInstance;
  private readonly httpAgent = new http.Agent(KEEP_ALIVE);
  private readonly httpsAgents = new Map<string, https.Agent>();
  private readonly userAgent: string;

  constructor(private readonly options: HttpTargetConnectorOptions) {
    const readFile = options.readFile ?? readFileSync;
    this.userAgent = options.userAgent ?? 'credential-broker';
    for (const [name, config] of Object.entries(options.targets)) {
      const base = new URL(config.base_url);
      this.targets.set(name, { name, config, base, basePath: base.pathname.replace(/\/+$/, '') });
      const ca = config.tls?.ca_file ? readFile(config.tls.ca_file) : undefined;
      this.httpsAgents.set(name, new https.Agent({ ...KEEP_ALIVE, ...(ca ? { ca } : {}) }));
    }
    this.http = axios.create({
      maxRedirects: 0,
      // Never read HTTP(S)_PROXY from the environment: the destination is fixed by config.
      proxy: false,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      decompress: true,
    });
  }

  async call(targetName: string, request: TargetRequest, credential: string): Promise<TargetResponse> {
    const target = this.targets.get(targetName);
    if (!target) throw new Error(`no target "${targetName}" is configured`);
    this.options.secrets.registerSecret(credential);
    const { config } = target;
    const url = this.buildUrl(target, request);
    const injected = injectCredential(config.credential.inject, credential);
    for (const [k, v] of injected.query) url.searchParams.append(k, v);

    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.userAgent,
      ...config.headers,
      ...(request.requestId ? { 'X-Request-Id': request.requestId } : {}),
      ...(request.idempotencyKey ? { 'Idempotency-Key': request.idempotencyKey } : {}),
      ...injected.headers,
    };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, config.timeout_ms);
    const started = performance.now();
    let response: AxiosResponse<string>;
    try {
      response = await this.http.request<string>({
        method: request.method,
        url: url.toString(),
        headers,
        data: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: controller.signal,
        maxContentLength: config.max_response_bytes,
        maxBodyLength: 1024 * 1024,
        httpAgent: this.httpAgent,
        httpsAgent: this.httpsAgents.get(targetName),
      });
    } catch (err) {
      if (timedOut) throw new TargetTimeoutError(targetName, config.timeout_ms);
      throw transportFailure(targetName, err);
    } finally {
      clearTimeout(timer);
    }
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    const targetRequestId = headerValue(response.headers[config.request_id_header.toLowerCase()]);
    const text = typeof response.data === 'string' ? response.data : '';
    let data: unknown = undefined;
    let isJson = false;
    if (text.length > 0) {
      try {
        data = JSON.parse(text);
        isJson = true;
      } catch {
        data = text;
      }
    }
    const result: TargetResponse = { status: response.status, data, isJson, targetRequestId, durationMs };
    assertSuccess(targetName, result, headerValue(response.headers['retry-after']));
    return result;
  }

  async close(): Promise<void> {
    this.httpAgent.destroy();
    for (const agent of this.httpsAgents.values()) agent.destroy();
  }

  private buildUrl(target: PreparedTarget, request: TargetRequest): URL {
    if (!request.path.startsWith('/')) throw new Error('target request path must start with "/"');
    const url = new URL(`${target.base.origin}${target.basePath}${request.path}`);
    // Defense in depth: request-template.ts already refuses "." and ".." segments; a URL
    // that normalizes outside the base (or to another origin) is never sent.
    if (url.origin !== target.base.origin || !(url.pathname === target.basePath || url.pathname.startsWith(`${target.basePath}/`))) {
      throw new Error(`refusing to send a request outside target "${target.name}"'s base URL`);
    }
    for (const [k, v] of request.query) url.searchParams.append(k, v);
    return url;
  }
}

function headerValue(value: unknown): string | undefined {
  if (Array.isArray(value)) return value[0] === undefined ? undefined : String(value[0]);
  return value === undefined || value === null ? undefined : String(value);
}

/** Turns a non-2xx answer into the taxonomy's errors (502). */
function assertSuccess(target: string, res: TargetResponse, retryAfter: string | undefined): void {
  const s = res.status;
  if (s >= 200 && s < 300) return;
  const info = { target, targetCalled: true, targetStatus: s };
  if (s >= 300 && s < 400) {
    throw new TargetFailedError(`target "${target}" answered with a redirect (HTTP ${s}), which the broker does not follow`, info);
  }
  if (s === 429 || s === 503) {
    const seconds = parseRetryAfter(retryAfter);
    throw new TargetFailedError(`target "${target}" is overloaded (HTTP ${s})`, { ...info, retryAfterSeconds: seconds });
  }
  if (s >= 500) throw new TargetFailedError(`target "${target}" failed (HTTP ${s})`, info);
  if (s === 401 || s === 403) throw new TargetFailedError(`target "${target}" refused the broker's credential (HTTP ${s})`, info);
  throw new TargetFailedError(`target "${target}" rejected the request (HTTP ${s})`, info);
}

/** Retry-After as seconds (delta-seconds or HTTP date); undefined if absent or unparsable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

function transportFailure(target: string, err: unknown): TargetFailedError {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : 'UNKNOWN';
  // Keep only the code and the message: axios's message does not include the URL, but
  // its config (headers, url with the query) must not travel with the error.
  const cause = { code, message: typeof e.message === 'string' ? e.message : String(err) };
  if (code === 'ERR_BAD_RESPONSE' || /maxContentLength/i.test(String(e.message))) {
    return new TargetFailedError(`target "${target}" sent a response larger than allowed`, { target, targetCalled: true }, { cause });
  }
  const notSent = NOT_SENT_CODES.has(code) || /^ERR_TLS|CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code);
  return new TargetFailedError(
    notSent ? `target "${target}" could not be reached (${code})` : `connection to target "${target}" failed (${code})`,
    { target, targetCalled: !notSent },
    { cause },
  );
}
