/**
 * `credential-broker vault bootstrap` as a child process against devvault (or a real Vault
 * from VAULT_ADDR/VAULT_TOKEN): idempotent, --dry-run writes nothing, drift is corrected,
 * and every file in vault-policies/ loads into Vault through the HTTP API.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startTestVault, type TestVault } from '../support/vault';
import { VaultClient } from '../support/vault-http';
import { lifecycleConfigYaml } from './fixtures/lifecycle-config';
import { expectNoSecrets, runCli, tempDir } from './harness';

const POLICIES = resolve(__dirname, '../../vault-policies');

let vault: TestVault;
let root: VaultClient;
let configFile: string;
let env: Record<string, string>;

beforeEach(async () => {
  vault = await startTestVault();
  root = new VaultClient(vault.addr, vault.rootToken);
  configFile = join(tempDir(), 'broker.yaml');
  writeFileSync(configFile, lifecycleConfigYaml({ vaultAddr: vault.addr }));
  env = { VAULT_ADDR: vault.addr, VAULT_TOKEN: vault.rootToken };
});

afterEach(async () => {
  await vault.close();
});

/** What bootstrap may touch: auth methods, mounts, policies (with text) and roles (with settings). */
async function snapshot(): Promise<unknown> {
  const auth = (await root.call('GET', 'sys/auth')).json.data;
  const mounts = (await root.call('GET', 'sys/mounts')).json.data;
  const policyNames: string[] = (await root.call('LIST', 'sys/policies/acl')).json?.data?.keys ?? [];
  const policies: Record<string, string> = {};
  for (const n of policyNames.sort()) policies[n] = (await root.call('GET', `sys/policies/acl/${n}`)).json.data.policy;
  const roleList = await root.call('LIST', 'auth/approle/role');
  const roles: Record<string, unknown> = {};
  for (const r of ((roleList.json?.data?.keys ?? []) as string[]).sort()) roles[r] = (await root.call('GET', `auth/approle/role/${r}`)).json.data;
  return { auth: Object.keys(auth).sort(), mounts: Object.keys(mounts).sort(), policies, roles };
}

describe('vault bootstrap', () => {
  it('When run twice, then the second run changes nothing and says so', async () => {
    const first = await runCli(['vault', 'bootstrap', '--config', configFile], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('+ auth approle/ (approle)');
    expect(first.stdout).toContain('+ policy endpoint-ops (endpoint_groups.ops)');
    expect(first.stdout).toContain('+ role demo (endpoint_groups.demo)');
    const after1 = await snapshot();

    const second = await runCli(['vault', 'bootstrap', '--config', configFile], env);
    expect(second.code).toBe(0);
    const lines = second.stdout.trim().split('\n').slice(1, -1);
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.every((l) => l.startsWith('= '))).toBe(true);
    expect(second.stdout).toContain('nothing to change');
    expect(await snapshot()).toEqual(after1);
    expectNoSecrets(first.stdout + first.stderr + second.stdout + second.stderr, [vault.rootToken]);
  });

  it('When run with --dry-run, then it prints the plan and Vault is unchanged', async () => {
    const before = await snapshot();
    const dry = await runCli(['vault', 'bootstrap', '--config', configFile, '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^plan \(dry run, nothing is written\)/);
    expect(dry.stdout).toContain('+ policy broker (vault-policies/broker.hcl)');
    expect(dry.stdout).toMatch(/\d+ change\(s\) would be made/);
    expect(await snapshot()).toEqual(before);
  });

  it('When a role drifted, then it shows the difference and puts it back', async () => {
    expect((await runCli(['vault', 'bootstrap', '--config', configFile], env)).code).toBe(0);
    expect((await root.call('POST', 'auth/approle/role/demo', { body: { token_ttl: 30 } })).status).toBe(204);
    const dry = await runCli(['vault', 'bootstrap', '--config', configFile, '--dry-run'], env);
    expect(dry.stdout).toContain('~ role demo: token_ttl 30 → 60');
    expect((await root.call('GET', 'auth/approle/role/demo')).json.data.token_ttl).toBe(30);
    const fix = await runCli(['vault', 'bootstrap', '--config', configFile], env);
    expect(fix.stdout).toContain('~ role demo: token_ttl 30 → 60');
    expect(fix.stdout).toContain('1 change(s) made');
    expect((await root.call('GET', 'auth/approle/role/demo')).json.data.token_ttl).toBe(60);
  });

  it('When the token may not read the current state, then it exits 5 and writes nothing', async () => {
    const t = await root.call('POST', 'auth/token/create', { body: { policies: ['default'] } });
    const dir = tempDir();
    writeFileSync(join(dir, 'token'), t.json.auth.client_token);
    const run = await runCli(['vault', 'bootstrap', '--config', configFile, '--vault-token-file', join(dir, 'token')], { VAULT_ADDR: vault.addr });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('permission denied');
    expectNoSecrets(run.stdout + run.stderr, [t.json.auth.client_token]);
  });

  it('When Vault is unreachable, then it exits 4', async () => {
    const run = await runCli(['vault', 'bootstrap', '--config', configFile], { VAULT_ADDR: 'http://127.0.0.1:9', VAULT_TOKEN: 'whatever-token' });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/cannot reach Vault at http:\/\/127\.0\.0\.1:9/);
  });
});

describe('vault-policies/', () => {
  it('Every file loads into Vault through sys/policies/acl and reads back unchanged', async () => {
    const files = readdirSync(POLICIES).filter((f) => f.endsWith('.hcl'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      const name = `check-${file.replace(/\.hcl$/, '')}`;
      const text = readFileSync(join(POLICIES, file), 'utf8');
      const put = await root.call('PUT', `sys/policies/acl/${name}`, { body: { policy: text } });
      expect({ file, status: put.status, body: put.text }).toEqual({ file, status: 204, body: '' });
      expect((await root.call('GET', `sys/policies/acl/${name}`)).json.data.policy).toBe(text);
    }
  });
});

describe('vault bootstrap with the security team policy', () => {
  it('When run with a token that has only security-admin.hcl, then it completes (the policy grants enough)', async () => {
    const text = readFileSync(join(POLICIES, 'security-admin.hcl'), 'utf8');
    expect((await root.call('PUT', 'sys/policies/acl/security-admin', { body: { policy: text } })).status).toBe(204);
    const t = await root.call('POST', 'auth/token/create', { body: { policies: ['security-admin'], ttl: '1h' } });
    const dir = tempDir();
    writeFileSync(join(dir, 'token'), t.json.auth.client_token);
    const run = await runCli(['vault', 'bootstrap', '--config', configFile, '--vault-token-file', join(dir, 'token'), '--print-role-ids'], { VAULT_ADDR: vault.addr });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^role_id demo [0-9a-f-]{36}$/m);
    const again = await runCli(['vault', 'bootstrap', '--config', configFile, '--vault-token-file', join(dir, 'token')], { VAULT_ADDR: vault.addr });
    expect(again.stdout).toContain('nothing to change');
  });
});
