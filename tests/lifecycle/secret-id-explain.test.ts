/**
 * `secret-id` and `explain` as child processes against devvault (or a real Vault), with
 * the tokens the real users would have: the BigFix operator's (bigfix-operator.hcl) and
 * the security team's (root here).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestVault, type TestVault } from '../support/vault';
import { expectNoSecrets, prepare, runCli, tempDir, type LifecycleEnv } from './harness';

let vault: TestVault;
let env: LifecycleEnv;
let operatorTokenFile: string;

beforeAll(async () => {
  vault = await startTestVault();
  env = await prepare(vault);
  const t = await env.root.call('POST', 'auth/token/create', { body: { policies: ['bigfix-operator'], ttl: '1h' } });
  env.secrets.add(t.json.auth.client_token);
  operatorTokenFile = join(tempDir(), 'operator-token');
  writeFileSync(operatorTokenFile, `${t.json.auth.client_token}\n`, { mode: 0o600 });
});

afterAll(async () => {
  await env?.target.close();
  await vault?.close();
});

const operator = () => ({ VAULT_ADDR: vault.addr });
const op = (args: string[]) => runCli([...args, '--vault-token-file', operatorTokenFile], operator());

describe('secret-id', () => {
  it('When the operator issues one, then only a wrapping token is printed, and it unwraps to a secret ID with the metadata', async () => {
    const run = await op(['secret-id', 'issue', '--role', 'demo', '--computer-id', '12345', '--cidr', '10.1.2.0/24', '--wrap-ttl', '15m']);
    expect(run.code).toBe(0);
    const fields = Object.fromEntries(run.stdout.trim().split('\n').map((l) => l.split(' ') as [string, string]));
    expect(Object.keys(fields).sort()).toEqual(['expires_at', 'wrapping_accessor', 'wrapping_token']);
    const look = await env.root.call('POST', 'sys/wrapping/lookup', { body: { token: fields.wrapping_token } });
    expect(look.json.data).toMatchObject({ creation_path: 'auth/approle/role/demo/secret-id', creation_ttl: 900 });
    const unwrapped = await env.root.call('POST', 'sys/wrapping/unwrap', { token: fields.wrapping_token });
    env.secrets.add(unwrapped.json.data.secret_id);
    expect(run.stdout).not.toContain(unwrapped.json.data.secret_id);
    const info = await env.root.call('POST', 'auth/approle/role/demo/secret-id/lookup', { body: { secret_id: unwrapped.json.data.secret_id } });
    expect(info.json.data.metadata).toEqual({ computer_id: '12345', cidr: '10.1.2.0/24' });
  });

  it('When the operator asks for a raw secret ID, or one for the broker role, then Vault refuses (exit 5)', async () => {
    const raw = await op(['secret-id', 'issue', '--role', 'demo', '--no-wrap']);
    expect(raw.code).toBe(5);
    const broker = await op(['secret-id', 'issue', '--role', 'credential-broker']);
    expect(broker.code).toBe(5);
    expect(broker.stdout).toBe('');
  });

  it('When the role does not exist, then exit 6 with a clear message', async () => {
    const run = await op(['secret-id', 'issue', '--role', 'no-such-group']);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain('unknown role no-such-group');
  });

  it('When --no-wrap is used by the security team, then the raw secret ID is printed with a warning on stderr', async () => {
    const run = await runCli(['secret-id', 'issue', '--role', 'ops', '--no-wrap', '--json'], env.cliEnv);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^WARNING: this is a raw secret ID/);
    const out = JSON.parse(run.stdout);
    env.secrets.add(out.secret_id);
    expect(out).toMatchObject({ secret_id: expect.any(String), secret_id_accessor: expect.any(String) });
  });

  it('lists, looks up and revokes by accessor', async () => {
    const issued = JSON.parse((await runCli(['secret-id', 'issue', '--role', 'ops', '--no-wrap', '--json', '--computer-id', '77'], env.cliEnv)).stdout);
    env.secrets.add(issued.secret_id);
    const list = await runCli(['secret-id', 'list', '--role', 'ops', '--json'], env.cliEnv);
    expect(list.code).toBe(0);
    const entries = JSON.parse(list.stdout) as { accessor: string; metadata: Record<string, string>; expirationTime: string | null }[];
    expect(entries.find((e) => e.accessor === issued.secret_id_accessor)).toMatchObject({ metadata: { computer_id: '77' }, expirationTime: expect.any(String) });
    expectNoSecrets(list.stdout, env.secrets);

    const lookup = await runCli(['secret-id', 'lookup', '--role', 'ops', '--accessor', issued.secret_id_accessor], env.cliEnv);
    expect(lookup.code).toBe(0);
    expect(lookup.stdout).toContain('computer_id=77');

    expect((await runCli(['secret-id', 'revoke', '--role', 'ops', '--accessor', issued.secret_id_accessor], env.cliEnv)).code).toBe(0);
    const again = await runCli(['secret-id', 'revoke', '--role', 'ops', '--accessor', issued.secret_id_accessor], env.cliEnv);
    expect(again.code).toBe(6);
    const login = await env.root.call('POST', 'auth/approle/login', { token: '', body: { role_id: env.roleIds.ops, secret_id: issued.secret_id } });
    expect(login.status).toBe(400);
  });

  it('When the token is missing, then exit 2 and no Vault call', async () => {
    const run = await runCli(['secret-id', 'list', '--role', 'ops'], { VAULT_ADDR: vault.addr });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no Vault token');
  });
});

describe('explain', () => {
  it('When the group policy grants the action, then ALLOWED (exit 0) naming policy and rule', async () => {
    const run = await runCli(['explain', '--role', 'demo', '--action', 'echo'], env.cliEnv);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ALLOWED: role demo may run action echo');
    expect(run.stdout).toContain('decided by: path "broker/actions/echo" (exact match) → [update]');
    expect(run.stdout).toContain('from policy endpoint-demo: [update]');
  });

  it('When no policy grants it, then DENIED (exit 3)', async () => {
    const run = await runCli(['explain', '--role', 'demo', '--action', 'restart'], env.cliEnv);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('no rule matches broker/actions/restart (implicit deny)');
  });

  it('When another attached policy denies the same path, then DENIED (exit 3) and the deny is shown overriding the grant', async () => {
    await env.root.call('PUT', 'sys/policies/acl/freeze-restart', { body: { policy: 'path "broker/actions/restart" { capabilities = ["deny"] }\n' } });
    await env.root.call('POST', 'auth/approle/role/frozen', { body: { token_policies: ['endpoint-ops', 'freeze-restart'], token_type: 'batch' } });
    const run = await runCli(['explain', '--role', 'frozen', '--action', 'restart', '--json'], env.cliEnv);
    expect(run.code).toBe(3);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      allowed: false,
      deniedBy: ['freeze-restart'],
      decision: { matchedPattern: 'broker/actions/restart', capabilities: ['deny'] },
    });
    expect(result.decision.sources).toEqual([
      { policy: 'endpoint-ops', capabilities: ['update'] },
      { policy: 'freeze-restart', capabilities: ['deny'] },
    ]);
    const human = await runCli(['explain', '--role', 'frozen', '--action', 'restart'], env.cliEnv);
    expect(human.stdout).toMatch(/from policy freeze-restart: \[deny\]\s+← deny overrides/);
    // The same role may still run echo: the deny is on restart only.
    expect((await runCli(['explain', '--role', 'frozen', '--action', 'echo'], env.cliEnv)).code).toBe(0);
  });

  it("agrees with Vault's own sys/capabilities for a real token of the role", async () => {
    const sid = await env.root.call('POST', 'auth/approle/role/frozen/secret-id', { body: {} });
    env.secrets.add(sid.json.data.secret_id);
    const login = await env.root.call('POST', 'auth/approle/login', { token: '', body: { role_id: (await env.root.call('GET', 'auth/approle/role/frozen/role-id')).json.data.role_id, secret_id: sid.json.data.secret_id } });
    const token = login.json.auth.client_token as string;
    env.secrets.add(token);
    for (const [action, code] of [['echo', 0], ['restart', 3]] as const) {
      const caps = await env.root.call('POST', 'sys/capabilities-self', { token, body: { paths: [`broker/actions/${action}`] } });
      expect(caps.json.data.capabilities.includes('update')).toBe(code === 0);
      expect((await runCli(['explain', '--role', 'frozen', '--action', action], env.cliEnv)).code).toBe(code);
    }
  });

  it('When the role does not exist, then exit 6', async () => {
    expect((await runCli(['explain', '--role', 'nobody', '--action', 'echo'], env.cliEnv)).code).toBe(6);
  });
});
