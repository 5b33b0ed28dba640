/**
 * `credential-broker serve --config FILE` as a real child process, against devvault (or
 * the Vault in VAULT_ADDR/VAULT_TOKEN) set up by the sandbox's bootstrap and the demo
 * tool: it starts, answers /v1/health, /v1/ready and actions, stops on SIGTERM/SIGINT
 * with exit 0; it refuses plain HTTP on a non-loopback address unless allowed; it serves
 * HTTPS with a certificate made here by openssl. The broker's secret_id reaches it only
 * through its environment, and nothing it prints holds a secret.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoTarget, type DemoTarget } from '../../src/dev/demo-target';
import { newDemoKey, setupSandboxVault, type SandboxVault } from '../../src/dev/sandbox-vault';
import { childEnv, ensureBuilt, jsonLines, refusesConnections, runCli, spawnCli, type RunningCli } from '../support/cli';
import { startTestVault, type TestVault } from '../support/vault';

let vault: TestVault;
let sandbox: SandboxVault;
let target: DemoTarget;
let dir: string;
let env: Record<string, string>;
const secrets = new Set<string>();

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

beforeAll(async () => {
  ensureBuilt();
  vault = await startTestVault();
  const toolKey = newDemoKey();
  sandbox = await setupSandboxVault(vault.addr, vault.rootToken, { toolKey });
  target = await startDemoTarget({ apiKey: toolKey });
  dir = mkdtempSync(join(tmpdir(), 'cli-serve-'));
  writeFileSync(join(dir, 'role_id'), `${sandbox.brokerRoleId}\n`, { mode: 0o600 });
  env = childEnv({ BROKER_SECRET_ID: sandbox.brokerSecretId });
  for (const s of [vault.rootToken, toolKey, sandbox.brokerSecretId, ...sandbox.endpoints.map((e) => e.secret_id)]) secrets.add(s);
}, 120_000);

afterAll(async () => {
  await target?.close();
  await vault?.close();
});

function config(name: string, listen: string, vaultAddr = vault.addr): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `
listen: ${listen}
vault:
  address: ${vaultAddr}
  retry_after_seconds: 3
  broker_auth:
    method: approle
    role_id: { file: role_id }
    secret_id: { env: BROKER_SECRET_ID }
targets:
  demo:
    base_url: ${target.url}
    credential: { ref: "secret/data/tools/demo#api_key", inject: { type: bearer } }
actions:
  echo:
    target: demo
    method: POST
    path: /echo
    parameters: { message: { type: string, min_length: 1, max_length: 200 } }
    body: { message: "{message}" }
    result: [message]
`,
  );
  return path;
}

async function serve(configFile: string): Promise<{ cli: RunningCli; url: string }> {
  const cli = spawnCli(['serve', '--config', configFile], env);
  const m = await cli.waitFor(/"broker listening"[^\n]*"url":"([^"]+)"/);
  return { cli, url: m[1] as string };
}

function expectNoSecrets(text: string): void {
  expect([...secrets].filter((s) => text.includes(s)).map((s) => `${s.slice(0, 5)}…`)).toEqual([]);
  expect(text).not.toMatch(/hv[sb]\.[A-Za-z0-9_-]{8,}/);
}

const basic = (roleId: string, secretId: string) => `Basic ${Buffer.from(`${roleId}:${secretId}`).toString('base64')}`;

describe('credential-broker serve', () => {
  test('When started on loopback, then health, ready and actions answer; SIGTERM stops it with exit 0', async () => {
    const { cli, url } = await serve(config('loopback.yaml', '{ host: 127.0.0.1, port: 0 }'));
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${url}/v1/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      const ready = await fetch(`${url}/v1/ready`);
      expect(await ready.json()).toMatchObject({ ready: true, checks: { vault: 'ok', broker_token: 'ok' } });

      const allowed = sandbox.endpoints.find((e) => e.allowed_actions.includes('echo'))!;
      const other = sandbox.endpoints.find((e) => !e.allowed_actions.includes('echo'))!;
      const post = (creds: { role_id: string; secret_id: string }) =>
        fetch(`${url}/v1/actions/echo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: basic(creds.role_id, creds.secret_id) },
          body: JSON.stringify({ message: 'served' }),
        });
      const ok = await post(allowed);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ action: 'echo', result: { message: 'served' } });
      expect((await post(other)).status).toBe(403);

      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      expect(jsonLines(cli.stdout()).map((l) => l.message)).toContain('broker stopped');
      expect(jsonLines(cli.stdout()).filter((l) => l.log_type === 'audit')).toHaveLength(2);
      expect(await refusesConnections(url)).toBe(true);
      expectNoSecrets(cli.stdout() + cli.stderr());
    } finally {
      cli.kill();
    }
  });

  test('When the host is not loopback and there is no TLS, then it refuses to start (exit 2) and says how to allow it', async () => {
    const run = await runCli(['serve', '--config', config('open.yaml', '{ host: 0.0.0.0, port: 0 }')], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('listen.tls: is required when listen.host (0.0.0.0) is not a loopback address; or set listen.allow_insecure_http: true');
    expect(run.stdout).toBe('');
  });

  test('When plain HTTP off loopback is allowed explicitly, then it starts; SIGINT stops it with exit 0', async () => {
    const { cli, url } = await serve(config('allowed.yaml', '{ host: 0.0.0.0, port: 0, allow_insecure_http: true }'));
    try {
      expect(url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      const port = new URL(url).port;
      expect((await fetch(`http://127.0.0.1:${port}/v1/health`)).status).toBe(200);
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
    } finally {
      cli.kill();
    }
  });

  (hasOpenssl ? test : test.skip)('When a certificate and key are configured, then it serves HTTPS only', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ], { stdio: 'ignore' });
    const { cli, url } = await serve(config('tls.yaml', `{ host: 127.0.0.1, port: 0, tls: { cert_file: cert.pem, key_file: key.pem } }`));
    try {
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const ca = readFileSync(cert);
      const allowed = sandbox.endpoints.find((e) => e.allowed_actions.includes('echo'))!;
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = https.request(`${url}/v1/actions/echo`, {
          method: 'POST',
          ca,
          headers: { 'content-type': 'application/json', authorization: basic(allowed.role_id, allowed.secret_id) },
        }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ message: 'over tls' }));
      });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).result).toEqual({ message: 'over tls' });
      // Plain HTTP to the same port gets no HTTP answer.
      const port = new URL(url).port;
      await expect(fetch(`http://127.0.0.1:${port}/v1/health`)).rejects.toThrow();
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    } finally {
      cli.kill();
    }
  });

  test('When Vault cannot be reached, then it still starts: health 200, ready 503 with Retry-After', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { cli, url } = await serve(config('novault.yaml', '{ host: 127.0.0.1, port: 0 }', `http://127.0.0.1:${port}`));
    try {
      expect((await fetch(`${url}/v1/health`)).status).toBe(200);
      const ready = await fetch(`${url}/v1/ready`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBe('3');
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    } finally {
      cli.kill();
    }
  });

  test('When the port is taken, then exit 1 with the reason', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (busy.address() as { port: number }).port;
      const run = await runCli(['serve', '--config', config('busy.yaml', `{ host: 127.0.0.1, port: ${port} }`)], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('could not start');
      expect(run.stderr).toContain('EADDRINUSE');
      expectNoSecrets(run.stdout + run.stderr);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });

  test('When the secret_id variable is not set, then exit 2 naming it, before anything starts', async () => {
    const run = await runCli(['serve', '--config', config('noenv.yaml', '{ host: 127.0.0.1, port: 0 }')], childEnv());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('vault.broker_auth.secret_id: environment variable BROKER_SECRET_ID is not set');
  });
});
