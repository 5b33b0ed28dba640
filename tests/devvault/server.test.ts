/**
 * devvault's HTTP server: the LIST method over real sockets (node:http cannot parse it
 * alone), the request size limit, request counting and shutdown.
 */
import { connect } from 'node:net';
import { startDevVault, type DevVaultHandle } from '../../src/devvault';
import { rewriteListRequests } from '../../src/devvault/http/list-method';
import { VaultClient } from '../support/vault-http';

/** Write raw bytes, read until `count` HTTP responses have arrived (or the socket ends). */
function exchange(address: string, payload: string, count: number): Promise<string> {
  const url = new URL(address);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(url.port), url.hostname, () => sock.write(payload));
    let out = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`timed out; got: ${out}`));
    }, 5000);
    sock.on('data', (d) => {
      out += d.toString('utf8');
      if ((out.match(/HTTP\/1\.1 \d{3}/g) ?? []).length >= count && /\}\s*$|\r\n\r\n$/.test(out)) {
        clearTimeout(timer);
        sock.end();
        resolve(out);
      }
    });
    sock.on('end', () => {
      clearTimeout(timer);
      resolve(out);
    });
    sock.on('error', reject);
  });
}

let dv: DevVaultHandle;

beforeAll(async () => {
  dv = await startDevVault({ port: 0, rootToken: 'root', maxRequestBytes: 1024 });
  const root = new VaultClient(dv.address, 'root');
  await root.post('secret/data/srv/a', { data: { v: '1' } });
});

afterAll(() => dv.close());

describe('the LIST method', () => {
  test('When a LIST request arrives on a raw socket, then it is answered like GET ?list=true', async () => {
    const out = await exchange(dv.address, 'LIST /v1/secret/metadata/srv HTTP/1.1\r\nHost: x\r\nX-Vault-Token: root\r\nConnection: close\r\n\r\n', 1);
    expect(out).toMatch(/^HTTP\/1\.1 200/);
    expect(out).toContain('"keys":["a"]');
  });

  test('When GET and LIST follow each other on one keep-alive connection, then both are answered', async () => {
    const req = (method: string, path: string): string => `${method} ${path} HTTP/1.1\r\nHost: x\r\nX-Vault-Token: root\r\n\r\n`;
    const out = await exchange(dv.address, req('GET', '/v1/sys/health') + req('LIST', '/v1/secret/metadata/srv'), 2);
    const statuses = out.match(/HTTP\/1\.1 \d{3}/g);
    expect(statuses).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);
    expect(out).toContain('"keys":["a"]');
  });

  test('When a body merely contains the text LIST, then it is not rewritten', () => {
    const body = Buffer.from('POST /v1/x HTTP/1.1\r\nContent-Length: 14\r\n\r\n{"a":"LIST /"}');
    expect(rewriteListRequests(body).equals(body)).toBe(true);
  });
});

describe('limits and counting', () => {
  test('When a body is over the configured limit, then the reply is 413 and the server keeps working', async () => {
    const root = new VaultClient(dv.address, 'root');
    const r = await root.call('POST', 'secret/data/srv/big', { rawBody: JSON.stringify({ data: { v: 'x'.repeat(2000) } }) });
    expect(r.status).toBe(413);
    expect(r.json).toEqual({ errors: ['http: request body too large'] });
    expect((await root.get('sys/health')).status).toBe(200);
  });

  test('When requests are made, then stats() counts each one and groups them by path', async () => {
    const before = dv.stats();
    const root = new VaultClient(dv.address, 'root');
    await root.get('sys/health');
    await root.get('sys/health');
    await root.get('auth/token/lookup-self');
    const after = dv.stats();
    expect(after.requests - before.requests).toBe(3);
    expect((after.byPath['sys/health'] ?? 0) - (before.byPath['sys/health'] ?? 0)).toBe(2);
    expect((after.byPath['auth/token/lookup-self'] ?? 0) - (before.byPath['auth/token/lookup-self'] ?? 0)).toBe(1);
  });
});

describe('shutdown', () => {
  test('When close() is called with a keep-alive connection open, then it resolves promptly and twice is fine', async () => {
    const own = await startDevVault({ port: 0 });
    await fetch(`${own.address}/v1/sys/health`, { headers: { Connection: 'keep-alive' } }).then((r) => r.text());
    const started = Date.now();
    await own.close();
    await own.close();
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(fetch(`${own.address}/v1/sys/health`)).rejects.toThrow();
  });

  test('When the port is taken, then startDevVault rejects instead of hanging', async () => {
    const port = Number(new URL(dv.address).port);
    await expect(startDevVault({ port })).rejects.toThrow(/EADDRINUSE/);
  });
});
