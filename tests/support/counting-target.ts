/**
 * A fake tool API for shaping tests: answers every request with its JSON body echoed,
 * refuses requests without the expected key (401), counts calls in total, per
 * Idempotency-Key and per second (src/dev/call-stats.ts), and serves the counts at
 * GET /__stats. Optionally slow (`delayMs`) or failing (`failWith`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallStats, type CallStatsSnapshot } from '../../src/dev/call-stats';

export interface CountingTarget {
  url: string;
  stats(): CallStatsSnapshot;
  /** Changes how later calls are answered. */
  behave(b: Behaviour): void;
  /** Calls currently being answered (for concurrency checks). */
  inFlight(): number;
  maxInFlight(): number;
  close(): Promise<void>;
}

export interface Behaviour {
  delayMs?: number;
  /** Answer with this status (and Retry-After, if given) instead of 200. */
  failWith?: { status: number; retryAfter?: string };
}

export async function startCountingTarget(options: { apiKey: string; port?: number }): Promise<CountingTarget> {
  const stats = new CallStats();
  let behaviour: Behaviour = {};
  let inFlight = 0;
  let maxInFlight = 0;
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/__stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(stats.snapshot()));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"error":"bad key"}');
        return;
      }
      const key = req.headers['idempotency-key'];
      stats.record(typeof key === 'string' ? key : undefined);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const b = behaviour;
      const answer = () => {
        inFlight -= 1;
        if (b.failWith) {
          res.writeHead(b.failWith.status, {
            'content-type': 'application/json',
            ...(b.failWith.retryAfter ? { 'retry-after': b.failWith.retryAfter } : {}),
          });
          res.end('{"error":"scripted failure"}');
          return;
        }
        let body: unknown = {};
        try {
          body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
        } catch {
          body = { raw: true };
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, echo: body, path: req.url }));
      };
      if (b.delayMs) setTimeout(answer, b.delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => stats.snapshot(),
    behave: (b) => {
      behaviour = b;
    },
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
