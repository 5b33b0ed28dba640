/**
 * `credential-broker dev` as a real child process: the whole sandbox on loopback. With
 * `--credentials-out`, the allowed role's echo comes back and the other role gets 403;
 * the curl lines it prints work as printed; an endpoint of the sandbox's group can
 * enroll with a wrapping token from `secret-id issue`; SIGINT and SIGTERM stop devvault,
 * the demo target and the broker (exit 0). No secret ever reaches its output.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { childEnv, ensureBuilt, jsonLines, refusesConnections, runCli, spawnCli, type RunningCli } from '../support/cli';

const exec = promisify(execFile);

interface Credentials {
  broker_url: string;
  vault_addr: string;
  vault_token: string;
  target_url: string;
  endpoints: { role: string; role_id: string; secret_id: string; allowed_actions: string[] }[];
}

const basic = (roleId: string, secretId: string) => `Basic ${Buffer.from(`${roleId}:${secretId}`).toString('base64')}`;

async function post(url: string, body: unknown, authorization?: string): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization) headers.authorization = authorization;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

const BANNER_END = /Ctrl-C stops everything/;

beforeAll(() => ensureBuilt(), 120_000);

describe('credential-broker dev --credentials-out FILE', () => {
  let dir: string;
  let file: string;
  let dev: RunningCli;
  let creds: Credentials;
  /** Every secret the sandbox handed out or the tests obtained. */
  const secrets = new Set<string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cli-dev-'));
    file = join(dir, 'sandbox.json');
    dev = spawnCli(['dev', '--port', '0', '--credentials-out', file]);
    await dev.waitFor(BANNER_END);
    creds = JSON.parse(readFileSync(file, 'utf8')) as Credentials;
    secrets.add(creds.vault_token);
    for (const e of creds.endpoints) secrets.add(e.secret_id);
  }, 30_000);
  afterAll(() => dev?.kill());

  test('When it has started, then the credentials file is private and has every field', () => {
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Object.keys(creds).sort()).toEqual(['broker_url', 'endpoints', 'target_url', 'vault_addr', 'vault_token']);
    expect(creds.broker_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(creds.endpoints.length).toBeGreaterThanOrEqual(2);
    for (const e of creds.endpoints) expect(Object.keys(e).sort()).toEqual(['allowed_actions', 'role', 'role_id', 'secret_id']);
  });

  test('When the allowed role calls echo, then the message comes back; the other role gets 403; the target alone refuses', async () => {
    const allowed = creds.endpoints.find((e) => e.allowed_actions.includes('echo'))!;
    const other = creds.endpoints.find((e) => !e.allowed_actions.includes('echo'))!;
    const ok = await post(`${creds.broker_url}/v1/actions/echo`, { message: 'hello sandbox' }, basic(allowed.role_id, allowed.secret_id));
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ request_id: expect.any(String), action: 'echo', result: { message: 'hello sandbox', length: 13 } });
    const denied = await post(`${creds.broker_url}/v1/actions/echo`, { message: 'hello sandbox' }, basic(other.role_id, other.secret_id));
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe('forbidden');
    const direct = await post(`${creds.target_url}/echo`, { message: 'hi' });
    expect(direct.status).toBe(401);
  });

  test('When the printed curl examples are run as printed, then echo answers 200, the other role 403, and the list shows echo', async () => {
    const lines = dev
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('  node -p'))
      .map((l) => l.trim());
    expect(lines).toHaveLength(3);
    const outputs = [];
    for (const line of lines) outputs.push(JSON.parse((await exec('sh', ['-c', line], { env: childEnv() })).stdout));
    expect(outputs[0]).toMatchObject({ action: 'echo', result: { message: 'hello from an endpoint' } });
    expect(outputs[1]).toMatchObject({ error: { code: 'forbidden' } });
    expect(outputs[2].actions.map((a: { name: string }) => a.name)).toContain('echo');
  });

  test('When the operator issues a wrapping token for the sandbox group, then the endpoint enrolls and can run echo with the new secret ID', async () => {
    const allowed = creds.endpoints.find((e) => e.allowed_actions.includes('echo'))!;
    const tokenFile = join(dir, 'vault-token');
    writeFileSync(tokenFile, creds.vault_token, { mode: 0o600 });
    chmodSync(tokenFile, 0o600);
    const issue = await runCli([
      'secret-id', 'issue', '--role', allowed.role, '--computer-id', '777', '--cidr', '127.0.0.0/8', '--json',
      '--vault-addr', creds.vault_addr, '--vault-token-file', tokenFile,
    ]);
    expect(issue.code).toBe(0);
    const wrappingToken = (JSON.parse(issue.stdout) as { wrapping_token: string }).wrapping_token;
    secrets.add(wrappingToken);

    const enroll = await post(`${creds.broker_url}/v1/enroll`, { role_id: allowed.role_id, wrapping_token: wrappingToken });
    expect(enroll.status).toBe(200);
    const secretId = enroll.json.secret_id as string;
    secrets.add(secretId);
    expect(secretId).not.toBe(allowed.secret_id);

    const res = await post(`${creds.broker_url}/v1/actions/echo`, { message: 'enrolled' }, basic(allowed.role_id, secretId));
    expect(res.status).toBe(200);
    expect(res.json.result.message).toBe('enrolled');
    await dev.waitFor(new RegExp(`"request_id":"${res.json.request_id}"`));
    const audit = jsonLines(dev.stdout()).find((l) => l.log_type === 'audit' && l.request_id === res.json.request_id);
    expect(audit).toMatchObject({ role_name: allowed.role, secret_id_metadata: { computer_id: '777' } });
  });

  test('When it gets SIGINT, then it exits 0, everything it started is gone, and its output never held a secret', async () => {
    dev.child.kill('SIGINT');
    expect(await dev.exited).toBe(0);
    expect(dev.stdout()).toContain('sandbox stopped');
    for (const url of [creds.broker_url, creds.vault_addr, creds.target_url]) expect(await refusesConnections(url)).toBe(true);
    // --credentials-out is the caller's file: it stays.
    expect(existsSync(file)).toBe(true);
    const everything = dev.stdout() + dev.stderr();
    expect([...secrets].filter((s) => everything.includes(s))).toEqual([]);
    expect(everything).not.toMatch(/hv[sb]\.[A-Za-z0-9_-]{8,}/);
  });
});

describe('credential-broker dev without --credentials-out', () => {
  test('When it gets SIGTERM, then it exits 0, stops everything and removes the credentials file it made', async () => {
    const dev = spawnCli(['dev', '--port', '0']);
    try {
      const m = await dev.waitFor(/credentials {2}(\S+)/);
      await dev.waitFor(BANNER_END);
      const file = m[1] as string;
      const creds = JSON.parse(readFileSync(file, 'utf8')) as Credentials;
      expect(statSync(file).mode & 0o777).toBe(0o600);
      dev.child.kill('SIGTERM');
      expect(await dev.exited).toBe(0);
      expect(existsSync(file)).toBe(false);
      for (const url of [creds.broker_url, creds.vault_addr, creds.target_url]) expect(await refusesConnections(url)).toBe(true);
    } finally {
      dev.kill();
    }
  }, 30_000);

  test('When --port is not a port, then exit 2 before starting anything', async () => {
    const run = await runCli(['dev', '--port', 'eighty']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--port: eighty is not a port number');
  });
});

describe('npx credential-broker dev', () => {
  // What the issue's acceptance runs, with Ctrl-C played as a terminal does it: SIGINT to
  // the whole foreground process group (npx, its shell and the broker).
  test('When run through npx and interrupted like Ctrl-C, then echo works, the other role gets 403, and everything stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-npx-'));
    const file = join(dir, 'sandbox.json');
    const dev = spawnCli(['--no-install', 'credential-broker', 'dev', '--port', '0', '--credentials-out', file], childEnv(), {
      command: ['npx'],
      detached: true,
    });
    try {
      await dev.waitFor(BANNER_END, 60_000);
      const creds = JSON.parse(readFileSync(file, 'utf8')) as Credentials;
      const allowed = creds.endpoints.find((e) => e.allowed_actions.includes('echo'))!;
      const other = creds.endpoints.find((e) => !e.allowed_actions.includes('echo'))!;
      const ok = await post(`${creds.broker_url}/v1/actions/echo`, { message: 'via npx' }, basic(allowed.role_id, allowed.secret_id));
      expect(ok.json.result).toEqual({ message: 'via npx', length: 7 });
      const denied = await post(`${creds.broker_url}/v1/actions/echo`, { message: 'via npx' }, basic(other.role_id, other.secret_id));
      expect(denied.status).toBe(403);
      process.kill(-(dev.child.pid as number), 'SIGINT');
      await dev.exited;
      await dev.waitFor(/sandbox stopped/, 10_000).catch(() => undefined);
      for (const url of [creds.broker_url, creds.vault_addr, creds.target_url]) expect(await refusesConnections(url)).toBe(true);
    } finally {
      try {
        process.kill(-(dev.child.pid as number), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }, 90_000);
});
