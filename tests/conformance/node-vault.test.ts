/**
 * node-vault, the client the broker uses, works unchanged: token lookup, policy writes,
 * AppRole login, KV reads and writes, LIST and its error shape (reference §13).
 */
import { startTestVault, type TestVault } from '../support/vault';
import { unique } from '../support/vault-http';

// node-vault is CommonJS with `export =`; it reads VAULT_* itself, so give it everything.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeVault = require('node-vault') as (opts: { endpoint: string; token?: string; apiVersion?: string }) => NodeVaultClient;

/* eslint-disable @typescript-eslint/no-explicit-any */
interface NodeVaultClient {
  token: string;
  tokenLookupSelf(): Promise<any>;
  tokenCreate(opts: Record<string, unknown>): Promise<any>;
  addPolicy(opts: { name: string; rules: string }): Promise<any>;
  getPolicy(opts: { name: string }): Promise<any>;
  policies(): Promise<any>;
  enableAuth(opts: Record<string, unknown>): Promise<any>;
  addApproleRole(opts: Record<string, unknown>): Promise<any>;
  getApproleRoleId(opts: Record<string, unknown>): Promise<any>;
  getApproleRoleSecret(opts: Record<string, unknown>): Promise<any>;
  approleLogin(opts: Record<string, unknown>): Promise<any>;
  write(path: string, data: unknown): Promise<any>;
  read(path: string): Promise<any>;
  list(path: string): Promise<any>;
  health(opts?: Record<string, unknown>): Promise<any>;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

let vault: TestVault;

beforeAll(async () => {
  vault = await startTestVault();
});

afterAll(() => vault.close());

function client(token?: string): NodeVaultClient {
  return nodeVault({ endpoint: vault.addr, token, apiVersion: 'v1' });
}

describe('node-vault against the server', () => {
  test('When node-vault looks up its token, then it gets the token data', async () => {
    const res = await client(vault.rootToken).tokenLookupSelf();
    expect(res.data.policies).toEqual(['root']);
    expect(res.data.id).toBe(vault.rootToken);
  });

  test('When node-vault writes a policy, then it reads back and is listed', async () => {
    const v = client(vault.rootToken);
    const name = unique('nv-policy');
    const rules = 'path "secret/data/nv/*" { capabilities = ["read"] }';
    await v.addPolicy({ name, rules });
    const got = await v.getPolicy({ name });
    expect(got.rules).toBe(rules);
    expect(got.data.rules).toBe(rules);
    const all = await v.policies();
    expect(all.policies).toContain(name);
  });

  test('When node-vault creates a token, then the client switches to it', async () => {
    const v = client(vault.rootToken);
    const res = await v.tokenCreate({ policies: ['default'], ttl: '10m' });
    expect(v.token).toBe(res.auth.client_token);
    const self = await v.tokenLookupSelf();
    expect(self.data.policies).toEqual(['default']);
  });

  test('When node-vault does an AppRole login, then it gets a token whose metadata names the role', async () => {
    const admin = client(vault.rootToken);
    const mount = unique('nv-approle');
    await admin.enableAuth({ mount_point: mount, type: 'approle' });
    await admin.addApproleRole({ mount_point: mount, role_name: 'app', policies: 'default', token_ttl: 600 });
    const roleId = (await admin.getApproleRoleId({ mount_point: mount, role_name: 'app' })).data.role_id;
    const secretId = (await admin.getApproleRoleSecret({ mount_point: mount, role_name: 'app', metadata: '{"computer_id":"42"}' })).data.secret_id;
    const endpoint = client();
    const res = await endpoint.approleLogin({ mount_point: mount, role_id: roleId, secret_id: secretId });
    expect(res.auth.client_token).toMatch(/^hvs\./);
    expect(res.auth.metadata).toEqual({ computer_id: '42', role_name: 'app' });
    expect(res.auth.lease_duration).toBe(600);
    expect(endpoint.token).toBe(res.auth.client_token);
    expect((await endpoint.tokenLookupSelf()).data.meta.computer_id).toBe('42');
  });

  test('When node-vault writes, reads and lists KV v2, then it sees Vault\'s shapes', async () => {
    const v = client(vault.rootToken);
    const key = unique('nv');
    const w = await v.write(`secret/data/nv/${key}`, { data: { api_key: 'k1' } });
    expect(w.data.version).toBe(1);
    const r = await v.read(`secret/data/nv/${key}`);
    expect(r.data.data).toEqual({ api_key: 'k1' });
    const l = await v.list('secret/metadata/nv/');
    expect(l.data.keys).toContain(key);
  });

  test('When node-vault reads something missing, then it rejects with response.statusCode 404', async () => {
    const err = await client(vault.rootToken).read(`secret/data/${unique('missing')}`).catch((e: unknown) => e);
    expect((err as { response?: { statusCode?: number } }).response?.statusCode).toBe(404);
  });

  test('When node-vault uses a bad token, then it rejects with 403 and Vault\'s message', async () => {
    const err = (await client('hvs.bogus0000000000000000000').tokenLookupSelf().catch((e: unknown) => e)) as {
      message: string;
      response?: { statusCode?: number };
    };
    expect(err.response?.statusCode).toBe(403);
    expect(err.message).toContain('permission denied');
  });

  test('When node-vault asks for health, then it gets the health body', async () => {
    const h = await client().health();
    expect(h.initialized).toBe(true);
    expect(h.sealed).toBe(false);
  });
});
