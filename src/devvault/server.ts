/**
 * The HTTP server around the core: node:http, one handler, every response with
 * `Cache-Control: no-store` and JSON errors. Started with startDevVault(), like
 * `vault server -dev`: initialized, unsealed, in memory, KV v2 at secret/.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { systemClock, type Clock } from './backend';
import { Core, type HttpReply } from './core';
import { DEFAULT_MAX_REQUEST_BYTES, readBody } from './http/body';
import { parseTrustedProxy, resolveClientAddress, type XffConfig } from './http/client-address';
import { VaultHttpError } from './http/errors';
import { LIST_MARKER, ListRewritingSocket } from './http/list-method';
import { base62 } from './util/random';

export interface DevVaultOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8200; 0 picks a free port. */
  port?: number;
  /** Default: "hvs." + 24 random base62 characters. */
  rootToken?: string;
  /** CIDRs (or IPs) of proxies whose X-Forwarded-For is trusted (reference §12). */
  trustedProxies?: string[];
  /** Refuse a trusted proxy's request without X-Forwarded-For (Vault's reject_not_present). Default false. */
  xffRejectNotPresent?: boolean;
  /** Refuse X-Forwarded-For from an untrusted peer (Vault's reject_not_authorized). Default false. */
  xffRejectNotAuthorized?: boolean;
  /** Injected time, so expiry tests do not sleep. */
  clock?: Clock;
  /** Default 32 MiB, Vault's max_request_size. */
  maxRequestBytes?: number;
  /** Receives unexpected errors (the client only sees a log id). Default: stderr. */
  onInternalError?: (logId: string, err: unknown) => void;
}

export interface DevVaultStats {
  /** Every HTTP request received, whatever its outcome. */
  requests: number;
  /** Requests per path (without /v1/). */
  byPath: Record<string, number>;
}

export interface DevVaultHandle {
  /** "http://127.0.0.1:PORT". */
  address: string;
  rootToken: string;
  /** Base64, like the key `vault server -dev` prints. */
  unsealKey: string;
  clock: Clock;
  stats(): DevVaultStats;
  close(): Promise<void>;
}

function defaultInternalError(logId: string, err: unknown): void {
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`devvault: internal error log id ${logId}: ${detail}\n`);
}

function send(res: ServerResponse, reply: HttpReply, head: boolean): void {
  res.statusCode = reply.status;
  res.setHeader('Cache-Control', 'no-store');
  if (reply.body !== null) {
    res.setHeader('Content-Type', 'application/json');
    const buf = Buffer.from(reply.body, 'utf8');
    res.setHeader('Content-Length', buf.length);
    res.end(head ? undefined : buf);
    return;
  }
  res.end();
}

/** Split the raw request target into a decoded path and the query; null when undecodable. */
function splitUrl(raw: string): { path: string; query: URLSearchParams } | null {
  const q = raw.indexOf('?');
  const rawPath = q === -1 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
  try {
    return { path: decodeURIComponent(rawPath), query };
  } catch {
    return null;
  }
}

export async function startDevVault(options: DevVaultOptions = {}): Promise<DevVaultHandle> {
  const clock = options.clock ?? systemClock;
  const rootToken = options.rootToken || `hvs.${base62(24)}`;
  const xff: XffConfig = {
    trustedProxies: (options.trustedProxies ?? []).map(parseTrustedProxy),
    rejectNotPresent: options.xffRejectNotPresent ?? false,
    rejectNotAuthorized: options.xffRejectNotAuthorized ?? false,
  };
  const limit = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const core = new Core({ clock, rootToken, onInternalError: options.onInternalError ?? defaultInternalError });
  const stats: DevVaultStats = { requests: 0, byPath: {} };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.requests++;
    let method = (req.method ?? 'GET').toUpperCase();
    let target = req.url ?? '/';
    if (method === 'GET' && target.startsWith(`${LIST_MARKER}/`)) {
      method = 'LIST';
      target = target.slice(LIST_MARKER.length);
    }
    const head = method === 'HEAD';
    const url = splitUrl(target);
    const logical = url && url.path.startsWith('/v1/') ? url.path.slice(4) : null;
    const key = logical ?? url?.path ?? '?';
    stats.byPath[key] = (stats.byPath[key] ?? 0) + 1;

    const read = await readBody(req, limit);
    if (!url) return send(res, { status: 400, body: JSON.stringify({ errors: ['invalid URL escape'] }) }, head);
    if (logical === null) return send(res, { status: 404, body: JSON.stringify({ errors: [] }) }, head);
    if (!read.ok) return send(res, core.errorReply(read.error), head);
    let clientIp: string;
    try {
      clientIp = resolveClientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'] as string | undefined, xff);
    } catch (err) {
      return send(res, core.errorReply(err instanceof VaultHttpError ? err : new VaultHttpError(400, [String(err)])), head);
    }
    const reply = await core.handle({ method, path: logical, query: url.query, headers: req.headers, body: read.body, clientIp });
    send(res, reply, head);
  };

  const server: Server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, core.errorReply(err), false);
      else res.destroy();
    });
  });
  // Clients must not be able to hang the server with half-sent requests.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  // The TCP listener hands each connection to node:http through the LIST rewriter.
  const sockets = new Set<Socket>();
  const listener = createNetServer((s: Socket) => {
    sockets.add(s);
    // node:http sets this on sockets it accepts itself; ours come from net, and without
    // it Nagle + delayed ACK add ~40 ms to every keep-alive request.
    s.setNoDelay(true);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    server.emit('connection', new ListRewritingSocket(s));
  });

  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port ?? 8200, options.host ?? '127.0.0.1', () => {
      listener.off('error', reject);
      resolve();
    });
  });
  const addr = listener.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;

  let closing: Promise<void> | null = null;
  return {
    address: `http://${host}:${addr.port}`,
    rootToken,
    unsealKey: core.unsealKey.toString('base64'),
    clock,
    stats: () => ({ requests: stats.requests, byPath: { ...stats.byPath } }),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close();
        listener.close(() => resolve());
        // Keep-alive connections would hold close() open.
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}
