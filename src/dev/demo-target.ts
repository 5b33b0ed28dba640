/**
 * The sandbox's stand-in for a tool's API. It refuses every request that does not carry
 * its API key as a bearer token (401), which is what makes the sandbox show the point of
 * the broker: the endpoint never has that key, yet its echo works through the broker.
 *
 *   POST /echo  {"message": "..."}  →  {"message", "length", "received_at"}
 *   GET  /__stats                   →  call counts (src/dev/call-stats.ts), no key needed
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CallStats, type CallStatsSnapshot } from './call-stats';

export interface DemoTarget {
  url: string;
  /** Rotates the key the target accepts (the old one stops working at once). */
  setApiKey(key: string): void;
  stats(): CallStatsSnapshot;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

/** Compares in constant time; hashing first makes the lengths equal. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function startDemoTarget(options: { apiKey: string; host?: string; port?: number }): Promise<DemoTarget> {
  let apiKey = options.apiKey;
  const stats = new CallStats();
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    if (req.method === 'GET' && url.pathname === '/__stats') return send(res, 200, stats.snapshot());
    const auth = req.headers.authorization ?? '';
    const presented = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    if (!presented || !sameSecret(presented, apiKey)) {
      return send(res, 401, { error: 'missing or wrong API key' }, { 'WWW-Authenticate': 'Bearer realm="demo-target"' });
    }
    const idem = req.headers['idempotency-key'];
    stats.record(typeof idem === 'string' ? idem : undefined);
    if (req.method !== 'POST' || url.pathname !== '/echo') return send(res, 404, { error: 'no such endpoint' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      let body: { message?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { message?: unknown };
      } catch {
        return send(res, 400, { error: 'body is not JSON' });
      }
      if (typeof body.message !== 'string') return send(res, 400, { error: 'message must be a string' });
      send(res, 200, { message: body.message, length: [...body.message].length, received_at: new Date().toISOString() }, {
        'X-Request-Id': `demo-${stats.totalCalls}`,
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    setApiKey: (key) => {
      apiKey = key;
    },
    stats: () => stats.snapshot(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
