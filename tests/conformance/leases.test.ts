/**
 * sys/leases/* and the legacy sys/renew, sys/revoke, sys/revoke-prefix (reference §9).
 * Tokens from a login have leases under their login path, which is what these tests
 * use; each test logs in through its own AppRole mount so nothing else is touched.
 */
import { startTestVault, type TestVault } from '../support/vault';
import { VaultClient, unique } from '../support/vault-http';

let vault: TestVault;
let root: VaultClient;

beforeAll(async () => {
  vault = await startTestVault();
  root = new VaultClient(vault.addr, vault.rootToken);
});

afterAll(() => vault.close());

/** A fresh AppRole mount with one role; returns a login function. */
async function approleLogins(): Promise<{ mount: string; login: () => Promise<string> }> {
  const mount = unique('lease-approle');
  await root.post(`sys/auth/${mount}`, { type: 'approle' });
  await root.post(`auth/${mount}/role/r`, { token_policies: 'default', token_ttl: '30m' });
  const roleId = (await root.get(`auth/${mount}/role/r/role-id`)).json.data.role_id;
  return {
    mount,
    login: async () => {
      const secretId = (await root.post(`auth/${mount}/role/r/secret-id`, {})).json.data.secret_id;
      const r = await root.post(`auth/${mount}/login`, { role_id: roleId, secret_id: secretId }, { token: '' });
      return r.json.auth.client_token as string;
    },
  };
}

async function leaseIds(prefix: string): Promise<string[]> {
  const r = await root.call('LIST', `sys/leases/lookup/${prefix}`);
  if (r.status === 404) return [];
  return (r.json.data.keys as string[]).map((k) => `${prefix}${k}`);
}

describe('sys/leases', () => {
  test('When a login token exists, then its lease is listed under the login path and looks up with times', async () => {
    const { mount, login } = await approleLogins();
    await login();
    const ids = await leaseIds(`auth/${mount}/login/`);
    expect(ids).toHaveLength(1);
    const r = await root.post('sys/leases/lookup', { lease_id: ids[0] });
    expect(r.status).toBe(200);
    expect(r.json.data.id).toBe(ids[0]);
    expect(r.json.data.renewable).toBe(true);
    expect(r.json.data.ttl).toBeGreaterThan(1700);
    expect(r.json.data.ttl).toBeLessThanOrEqual(1800);
    expect(typeof r.json.data.issue_time).toBe('string');
    expect(typeof r.json.data.expire_time).toBe('string');
    expect(r.json.data.last_renewal).toBeNull();
  });

  test('When lookup has no lease_id, then the reply is 400 "lease_id must be specified"', async () => {
    const r = await root.post('sys/leases/lookup', {});
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ errors: ['lease_id must be specified'] });
  });

  test('When lookup gets an unknown lease, then the reply is 400 "invalid lease"', async () => {
    const r = await root.post('sys/leases/lookup', { lease_id: 'auth/nowhere/login/h0000' });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ errors: ['invalid lease'] });
  });

  test('When a token lease is revoked, then the token stops working', async () => {
    const { mount, login } = await approleLogins();
    const token = await login();
    const [id] = await leaseIds(`auth/${mount}/login/`);
    expect((await root.post('sys/leases/revoke', { lease_id: id })).status).toBe(204);
    expect((await root.get('auth/token/lookup-self', { token })).status).toBe(403);
    expect((await root.post('sys/leases/lookup', { lease_id: id })).status).toBe(400);
  });

  test('When a prefix is revoked, then every token logged in under it stops working', async () => {
    const { mount, login } = await approleLogins();
    const tokens = [await login(), await login(), await login()];
    expect((await root.post(`sys/leases/revoke-prefix/auth/${mount}/login`)).status).toBe(204);
    for (const token of tokens) expect((await root.get('auth/token/lookup-self', { token })).status).toBe(403);
    expect(await leaseIds(`auth/${mount}/login/`)).toEqual([]);
  });

  test('When a token lease is renewed through sys/leases/renew, then the reply is 400', async () => {
    const { mount, login } = await approleLogins();
    await login();
    const [id] = await leaseIds(`auth/${mount}/login/`);
    const r = await root.post('sys/leases/renew', { lease_id: id, increment: 60 });
    expect(r.status).toBe(400);
    expect(r.json.errors[0]).toContain('tokens cannot be renewed through this endpoint');
  });

  test('When renew names an unknown lease, then the reply is 400', async () => {
    const r = await root.post('sys/leases/renew', { lease_id: 'auth/nowhere/login/h0000' });
    expect(r.status).toBe(400);
  });

  test('When a non-sudo token lists leases, then the reply is 403', async () => {
    const token = (await root.createToken({ policies: ['default'] })).client_token;
    const r = await root.call('LIST', 'sys/leases/lookup/auth/', { token });
    expect(r.status).toBe(403);
  });

  test('When the token that revoke-prefix needs has no sudo, then the reply is 403', async () => {
    const policy = unique('nosudo-leases');
    await root.writePolicy(policy, 'path "sys/leases/revoke-prefix/*" { capabilities = ["update"] }');
    const token = (await root.createToken({ policies: [policy] })).client_token;
    const r = await root.post('sys/leases/revoke-prefix/auth/nowhere/login', undefined, { token });
    expect(r.status).toBe(403);
  });
});

describe('legacy lease endpoints', () => {
  test('When sys/revoke/<id> is used, then the lease is revoked', async () => {
    const { mount, login } = await approleLogins();
    const token = await login();
    const [id] = await leaseIds(`auth/${mount}/login/`);
    expect((await root.put(`sys/revoke/${id}`)).status).toBe(204);
    expect((await root.get('auth/token/lookup-self', { token })).status).toBe(403);
  });

  test('When sys/revoke-prefix is used, then the tokens under it are revoked', async () => {
    const { mount, login } = await approleLogins();
    const token = await login();
    expect((await root.put(`sys/revoke-prefix/auth/${mount}/login`)).status).toBe(204);
    expect((await root.get('auth/token/lookup-self', { token })).status).toBe(403);
  });

  test('When sys/renew gets no lease id, then the reply is 400 "lease_id must be specified"', async () => {
    const r = await root.put('sys/renew', {});
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ errors: ['lease_id must be specified'] });
  });
});
