/**
 * A scriptable stand-in for the broker's HTTP API, for testing the endpoint scripts' client
 * behaviour (retries, Retry-After, exit codes) in ways the real broker cannot be made to
 * misbehave on demand. It speaks the broker's response shapes:
 * `{ request_id, action, result }` and `{ error: { code, message }, request_id }`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Decoded HTTP Basic credentials, if any. */
  basic?: { user: string; password: string };
}

export interface ScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Hold the response this long, e.g. so a test can look at `ps` while the client waits. */
  delayMs?: number;
}

export type Responder = (req: RecordedRequest, index: number) => ScriptedResponse;

export interface FakeBroker {
  url: string;
  requests: RecordedRequest[];
  /** Responses used in order; when they run out, `fallback` answers. */
  script(responses: ScriptedResponse[], fallback?: Responder): void;
  close(): Promise<void>;
}

export function errorBody(code: string, message: string, requestId = 'req-fake'): unknown {
  return { error: { code, message }, request_id: requestId };
}

export async function startFakeBroker(): Promise<FakeBroker> {
  let queue: ScriptedResponse[] = [];
  let fallback: Responder = () => ({ status: 500, body: errorBody('internal', 'no scripted response') });
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const auth = req.headers.authorization;
      if (auth?.startsWith('Basic ')) {
        const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        rec.basic = { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
      }
      const index = requests.length;
      requests.push(rec);
      const answer = queue.shift() ?? fallback(rec, index);
      const send = (): void => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
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
    requests,
    script(responses, fb) {
      queue = [...responses];
      if (fb) fallback = fb;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
