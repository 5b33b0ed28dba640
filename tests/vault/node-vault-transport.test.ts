/**
 * node-vault clients send through our own transport (src/vault/node-vault-client.ts):
 * when Vault answers with a redirect, the token is not carried to wherever it points, and
 * proxy settings from the environment are not used — only the config decides where a
 * Vault token goes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeVaultClient, vaultCall } from '../../src/vault/node-vault-client';
import { isVaultResponseError } from '../../src/vault/vault-http';

interface Recorder {
  server: http.Server;
  url: string;
  seen: { url: string; token: string | undefined }[];
}

async function recorder(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Recorder> {
  const seen: Recorder['seen'] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', token: req.headers['x-vault-token'] as string | undefined });
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

let elsewhere: Recorder;
let proxy: Recorder;
let vault: Recorder;
const savedEnv = { HTTP_PROXY: process.env.HTTP_PROXY, http_proxy: process.env.http_proxy };

beforeAll(async () => {
  elsewhere = await recorder((_req, res) => json(res, 200, { data: { stolen: true } }));
  proxy = await recorder((_req, res) => json(res, 200, { data: { proxied: true } }));
  vault = await recorder((req, res) => {
    if (req.url?.includes('/moved')) {
      res.writeHead(307, { Location: `${elsewhere.url}/v1/secret/moved` });
      res.end();
      return;
    }
    json(res, 200, { data: { ok: true } });
  });
  process.env.HTTP_PROXY = proxy.url;
  process.env.http_proxy = proxy.url;
});

afterAll(async () => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  for (const r of [elsewhere, proxy, vault]) await new Promise((resolve) => r.server.close(resolve));
});

test('When Vault answers with a redirect, then the call fails and the token goes nowhere else', async () => {
  const client = createNodeVaultClient({ address: vault.url, timeoutMs: 2_000 }, 'hvs.endpoint-token-0123456789');
  const failure = await vaultCall(vault.url, 'secret/moved', () => client.read('secret/moved')).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isVaultResponseError(failure) && failure.status).toBe(307);
  expect(vault.seen.map((s) => s.url)).toContain('/v1/secret/moved');
  expect(elsewhere.seen).toEqual([]);
});

test('When HTTP_PROXY is set, then calls still go straight to the configured Vault', async () => {
  const client = createNodeVaultClient({ address: vault.url, timeoutMs: 2_000 }, 'hvs.endpoint-token-0123456789');
  const body = await client.read('secret/plain');
  expect(body).toEqual({ data: { ok: true } });
  expect(vault.seen).toContainEqual({ url: '/v1/secret/plain', token: 'hvs.endpoint-token-0123456789' });
  expect(proxy.seen).toEqual([]);
});
