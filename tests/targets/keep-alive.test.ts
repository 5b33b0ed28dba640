/**
 * The target connector's connection reuse (src/targets/http-target-connector.ts): idle
 * connections are closed by the broker before the target's announced keep-alive timeout,
 * so a call is never sent on a connection the target is dropping (ECONNRESET → 502), and
 * the agent's idle timeout never cuts a slow answer short.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redactor } from '../../src/audit/redactor';
import { validateConfig } from '../../src/config';
import { HttpTargetConnector } from '../../src/targets';

async function startTarget(options: { keepAliveTimeoutMs: number; answerAfterMs: number }) {
  let connections = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"ok":true}');
      }, options.answerAfterMs),
    );
  });
  // Node announces this as `Keep-Alive: timeout=N` and closes idle connections after it.
  server.keepAliveTimeout = options.keepAliveTimeoutMs;
  server.on('connection', () => (connections += 1));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = validateConfig({
    vault: { address: 'http://127.0.0.1:8200', broker_auth: { method: 'token', token: { env: 'T' } } },
    targets: { demo: { base_url: url, credential: { ref: 'secret/data/tools/demo#api_key', inject: { type: 'bearer' } }, timeout_ms: 10_000 } },
    actions: {},
  });
  const connector = new HttpTargetConnector({ targets: config.targets, secrets: new Redactor() });
  return {
    connections: () => connections,
    call: () => connector.call('demo', { method: 'POST', path: '/echo', query: [], body: { message: 'hi' } }, 'the-api-key-value'),
    close: async () => {
      await connector.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('target connector, keep-alive', () => {
  it('When a connection has been idle past the target’s Keep-Alive timeout less a second, then the next call opens a new one', async () => {
    const target = await startTarget({ keepAliveTimeoutMs: 2000, answerAfterMs: 0 });
    try {
      expect((await target.call()).status).toBe(200);
      await sleep(1500);
      expect((await target.call()).status).toBe(200);
      expect(target.connections()).toBe(2);
    } finally {
      await target.close();
    }
  });

  it('When calls follow each other closely, then they share one connection', async () => {
    const target = await startTarget({ keepAliveTimeoutMs: 5000, answerAfterMs: 0 });
    try {
      for (let i = 0; i < 5; i++) expect((await target.call()).status).toBe(200);
      expect(target.connections()).toBe(1);
    } finally {
      await target.close();
    }
  });

  it('When the target takes longer than the idle timeout to answer, then the call still succeeds', async () => {
    const target = await startTarget({ keepAliveTimeoutMs: 5000, answerAfterMs: 6000 });
    try {
      expect((await target.call()).status).toBe(200);
    } finally {
      await target.close();
    }
  }, 15_000);
});
