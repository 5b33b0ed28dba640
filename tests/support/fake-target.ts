/**
 * A fake tool API for the broker's component tests: a real HTTP server that records
 * every request it gets, refuses requests without its key (401, compared in constant
 * time), and can be told to answer slowly or with an error.
 *
 *   any method, any path → 200 { "echo": <json body>, "path", "query", "id": "t-N", "status": "open" }
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedCall {
  method: string;
  /** The raw request target as sent (path and query, still encoded). */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface FakeTargetBehaviour {
  /** Answer with this status instead of 200 (after the key check). */
  status?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Send this raw body (e.g. not JSON). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface FakeTarget {
  url: string;
  calls: RecordedCall[];
  behave(b: FakeTargetBehaviour): void;
  /** The key it accepts from now on. */
  acceptKey(key: string): void;
  close(): Promise<void>;
}

function same(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

export async function startFakeTarget(options: { apiKey: string }): Promise<FakeTarget> {
  let key = options.apiKey;
  let behaviour: FakeTargetBehaviour = {};
  const calls: RecordedCall[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const call: RecordedCall = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      calls.push(call);
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ') || !same(auth.slice(7), key)) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"error":"bad key"}');
        return;
      }
      const b = behaviour;
      const answer = () => {
        if (res.destroyed) return;
        const url = new URL(req.url ?? '/', 'http://x');
        const text =
          b.rawBody ??
          JSON.stringify({
            id: `t-${calls.length}`,
            status: 'open',
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            echo: body ? JSON.parse(body) : null,
            nested: { deep: { value: 42 } },
            secret_internal: 'never returned',
          });
        res.writeHead(b.status ?? 200, { 'content-type': 'application/json', 'x-request-id': `target-${calls.length}`, ...b.headers });
        res.end(text);
      };
      if (b.delayMs) setTimeout(answer, b.delayMs);
      else answer();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    behave: (b) => {
      behaviour = b;
    },
    acceptKey: (k) => {
      key = k;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** A loopback port with nothing listening (for "target down"). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
