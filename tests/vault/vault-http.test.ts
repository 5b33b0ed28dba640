/**
 * VaultHttp (src/vault/vault-http.ts) on node:http, against a real local server that
 * answers what each test needs: what goes on the wire, and what a caller gets when Vault
 * answers oddly, slowly or not at all — never the token or the body it sent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isVaultUnreachableError, VaultHttp, VaultResponseError } from '../../src/vault/vault-http';
import { closedPort } from '../support/fake-target';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let address: string;
let seen: Seen[] = [];
let reply: (req: http.IncomingMessage, res: http.ServerResponse) => void;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      reply(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

beforeEach(() => {
  seen = [];
  reply = (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"data":{"ok":true}}');
  };
});

const TOKEN = 'hvs.not-a-real-token-0123456789';

describe('VaultHttp', () => {
  it('When a call has a token, a body and a namespace, then they go as Vault headers and JSON under /v1/', async () => {
    const vault = new VaultHttp({ address: `${address}/`, namespace: 'team-a' });
    const r = await vault.call({ method: 'POST', path: 'auth/approle/login', body: { role_id: 'r', secret_id: 's' }, token: TOKEN, wrapTtl: 60 });
    expect(r).toEqual({ status: 200, body: { data: { ok: true } } });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/auth/approle/login', body: '{"role_id":"r","secret_id":"s"}' });
    expect(seen[0]!.headers).toMatchObject({
      'x-vault-token': TOKEN,
      'x-vault-namespace': 'team-a',
      'x-vault-wrap-ttl': '60',
      'x-vault-request': 'true',
      'content-type': 'application/json',
    });
  });

  it('When the method is LIST, then it is a GET with list=true and path segments are encoded', async () => {
    await new VaultHttp({ address }).call({ method: 'LIST', path: 'auth/approle/role/a b/secret-id' });
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/v1/auth/approle/role/a%20b/secret-id?list=true', body: '' });
    expect(seen[0]!.headers['x-vault-token']).toBeUndefined();
  });

  it('When Vault answers an error status, then ok() throws VaultResponseError with Vault’s texts', async () => {
    reply = (_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end('{"errors":["permission denied"]}');
    };
    const err = await new VaultHttp({ address }).ok({ method: 'GET', path: 'secret/data/x', token: TOKEN }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VaultResponseError);
    expect(err).toMatchObject({ status: 403, path: 'secret/data/x', errors: ['permission denied'] });
  });

  it('When the answer is not JSON, then the status comes back with no body', async () => {
    reply = (_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html>bad gateway</html>');
    };
    expect(await new VaultHttp({ address }).call({ method: 'GET', path: 'sys/health' })).toEqual({ status: 502, body: null });
  });

  it('When nothing listens, then VaultUnreachableError names the address and code only', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const err = await new VaultHttp({ address: down })
      .call({ method: 'POST', path: 'auth/approle/login', body: { secret_id: 'the-secret-id-value' }, token: TOKEN })
      .catch((e: unknown) => e);
    expect(isVaultUnreachableError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'ECONNREFUSED', address: down });
    expect(JSON.stringify(err) + String(err)).not.toMatch(/the-secret-id-value|hvs\./);
  });

  it('When Vault does not answer in time, then the call fails with ETIMEDOUT', async () => {
    reply = () => undefined; // never answers
    const err = await new VaultHttp({ address, timeoutMs: 200 }).call({ method: 'GET', path: 'sys/health' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'VaultUnreachableError', code: 'ETIMEDOUT' });
  });

  it('When the connection breaks in the middle of the answer, then the call fails as unreachable', async () => {
    reply = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      res.write('{"data":');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const err = await new VaultHttp({ address }).call({ method: 'GET', path: 'sys/health' }).catch((e: unknown) => e);
    expect(isVaultUnreachableError(err)).toBe(true);
  });
});
