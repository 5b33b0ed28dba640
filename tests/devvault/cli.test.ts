/**
 * `credential-broker devvault` as a real child process: it starts fast, prints the
 * address, unseal key and root token, answers curl, refuses bad flags and stops cleanly.
 * Runs the built CLI (dist/), as `npm test` builds first.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const run = promisify(execFile);

beforeAll(() => {
  if (!existsSync(CLI)) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
}, 120_000);

interface Started {
  child: ChildProcess;
  output: () => string;
  address: string;
  elapsedMs: number;
}

function startCli(args: string[]): Promise<Started> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [CLI, 'devvault', ...args], { cwd: ROOT, env: { ...process.env, VAULT_DEV_ROOT_TOKEN_ID: '' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`devvault did not print its address within 10 s:\n${out}`));
    }, 10_000);
    const check = (): void => {
      const m = /Api Address: (\S+)/.exec(out);
      if (m && /Root Token: \S+/.test(out)) {
        clearTimeout(timer);
        resolve({ child, output: () => out, address: m[1], elapsedMs: Date.now() - t0 });
      }
    };
    child.stdout.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`devvault exited with ${code}:\n${out}`));
    });
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('credential-broker devvault', () => {
  test('When started on port 0 with a root token, then it prints the banner and answers curl and fetch', async () => {
    const s = await startCli(['--port', '0', '--root-token', 'cli-root']);
    try {
      expect(s.elapsedMs).toBeLessThan(2000);
      const out = s.output();
      expect(out).toContain('development and tests only');
      expect(out).toMatch(/Unseal Key: [A-Za-z0-9+/=]{40,}/);
      expect(out).toContain('Root Token: cli-root');
      expect(s.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const { stdout } = await run('curl', ['-s', '-H', 'X-Vault-Token: cli-root', `${s.address}/v1/auth/token/lookup-self`]);
      expect(JSON.parse(stdout).data.policies).toEqual(['root']);
      await run('curl', ['-s', '-X', 'POST', '-H', 'X-Vault-Token: cli-root', '-d', '{"data":{"k":"v"}}', `${s.address}/v1/secret/data/cli/a`]);
      const listed = await run('curl', ['-s', '-X', 'LIST', '-H', 'X-Vault-Token: cli-root', `${s.address}/v1/secret/metadata/cli`]);
      expect(JSON.parse(listed.stdout).data.keys).toEqual(['a']);
      const health = await fetch(`${s.address}/v1/sys/health`);
      expect(health.status).toBe(200);
    } finally {
      const exited = exitOf(s.child);
      s.child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  test('When no root token is given, then a random hvs. token is printed and works', async () => {
    const s = await startCli(['--port', '0']);
    try {
      const token = /Root Token: (\S+)/.exec(s.output())![1];
      expect(token).toMatch(/^hvs\.[A-Za-z0-9]{24}$/);
      const r = await fetch(`${s.address}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': token } });
      expect(r.status).toBe(200);
    } finally {
      const exited = exitOf(s.child);
      s.child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  });

  test('When --host is not loopback and --allow-remote is missing, then it refuses with exit code 2', async () => {
    const err = (await run(process.execPath, [CLI, 'devvault', '--host', '0.0.0.0', '--port', '0']).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain('--allow-remote');
  });

  test('When --port or --trusted-proxy is malformed, then it exits 2 naming the flag', async () => {
    const port = (await run(process.execPath, [CLI, 'devvault', '--port', 'eighty']).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port');
    const proxy = (await run(process.execPath, [CLI, 'devvault', '--port', '0', '--trusted-proxy', '10.0.0.0/99']).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(proxy.code).toBe(2);
    expect(proxy.stderr).toContain('--trusted-proxy');
  });

  test('When --trusted-proxy is given, then X-Forwarded-For from that proxy is believed', async () => {
    const s = await startCli(['--port', '0', '--root-token', 'r', '--trusted-proxy', '127.0.0.1/32', '--trusted-proxy', '::1']);
    try {
      // A login from a forbidden forwarded address names that address in its error.
      const h = { 'X-Vault-Token': 'r', 'Content-Type': 'application/json' };
      await fetch(`${s.address}/v1/sys/auth/approle`, { method: 'POST', headers: h, body: '{"type":"approle"}' });
      await fetch(`${s.address}/v1/auth/approle/role/x`, { method: 'POST', headers: h, body: '{"secret_id_bound_cidrs":"10.0.0.0/8"}' });
      const roleId = ((await (await fetch(`${s.address}/v1/auth/approle/role/x/role-id`, { headers: h })).json()) as { data: { role_id: string } }).data.role_id;
      const secretId = ((await (await fetch(`${s.address}/v1/auth/approle/role/x/secret-id`, { method: 'POST', headers: h })).json()) as { data: { secret_id: string } })
        .data.secret_id;
      const r = await fetch(`${s.address}/v1/auth/approle/login`, {
        method: 'POST',
        headers: { 'X-Forwarded-For': '192.0.2.7' },
        body: JSON.stringify({ role_id: roleId, secret_id: secretId }),
      });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { errors: string[] }).errors[0]).toContain('"192.0.2.7"');
    } finally {
      const exited = exitOf(s.child);
      s.child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
