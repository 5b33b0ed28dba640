/**
 * Expiry by devvault's injected clock: tokens, their children, batch tokens, wrapping
 * tokens, lease TTLs and renewals — no test sleeps.
 */
import { ManualClock, startTestVault, type TestVault } from '../support/vault';
import { INVALID_TOKEN, VaultClient, unique } from '../support/vault-http';
import { startDevVault, type DevVaultHandle } from '../../src/devvault';

let clock: ManualClock;
let dv: DevVaultHandle;
let root: VaultClient;

beforeAll(async () => {
  clock = new ManualClock(Date.parse('2030-01-01T00:00:00Z'));
  dv = await startDevVault({ port: 0, clock, rootToken: 'root' });
  root = new VaultClient(dv.address, dv.rootToken);
});

afterAll(() => dv.close());

describe('token expiry', () => {
  test('When a token\'s TTL passes, then it gets 403 with the invalid-token text', async () => {
    const auth = await root.createToken({ policies: ['default'], ttl: '60s' });
    clock.advance(59);
    expect((await root.get('auth/token/lookup-self', { token: auth.client_token })).status).toBe(200);
    clock.advance(2);
    const r = await root.get('auth/token/lookup-self', { token: auth.client_token });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ errors: [INVALID_TOKEN] });
  });

  test('When lookup-self is asked as time passes, then ttl counts down and expire_time is fixed', async () => {
    const auth = await root.createToken({ policies: ['default'], ttl: '1h' });
    const a = (await root.get('auth/token/lookup-self', { token: auth.client_token })).json.data;
    clock.advance(600);
    const b = (await root.get('auth/token/lookup-self', { token: auth.client_token })).json.data;
    expect(a.ttl).toBe(3600);
    expect(b.ttl).toBe(3000);
    expect(b.expire_time).toBe(a.expire_time);
    expect(a.expire_time).toBe(new Date(Date.parse(a.issue_time) + 3600_000).toISOString().replace('.000Z', 'Z'));
  });

  test('When a parent expires, then its children are revoked with it', async () => {
    const creator = unique('creator');
    await root.writePolicy(creator, 'path "auth/token/create" { capabilities = ["update"] }');
    const parent = await root.createToken({ policies: [creator], ttl: '10m' });
    const child = await root.withToken(parent.client_token).createToken({ ttl: '1h' });
    clock.advance(11 * 60);
    expect((await root.get('auth/token/lookup-self', { token: child.client_token })).status).toBe(403);
  });

  test('When a batch token\'s TTL passes, then it stops working', async () => {
    const batch = await root.createToken({ policies: ['default'], type: 'batch', ttl: '30s' });
    expect((await root.get('auth/token/lookup-self', { token: batch.client_token })).status).toBe(200);
    clock.advance(31);
    expect((await root.get('auth/token/lookup-self', { token: batch.client_token })).status).toBe(403);
  });

  test('When a token is renewed before expiry, then it lives past its first TTL', async () => {
    const auth = await root.createToken({ policies: ['default'], ttl: '60s' });
    clock.advance(50);
    const renew = await root.post('auth/token/renew-self', { increment: 120 }, { token: auth.client_token });
    expect(renew.json.auth.lease_duration).toBe(120);
    clock.advance(100);
    const self = await root.get('auth/token/lookup-self', { token: auth.client_token });
    expect(self.status).toBe(200);
    expect(self.json.data.ttl).toBe(20);
    expect(typeof self.json.data.last_renewal).toBe('string');
    clock.advance(21);
    expect((await root.get('auth/token/lookup-self', { token: auth.client_token })).status).toBe(403);
  });

  test('When renewals reach the explicit max TTL, then the TTL is capped at what is left', async () => {
    const auth = await root.createToken({ policies: ['default'], ttl: '60s', explicit_max_ttl: '100s' });
    clock.advance(50);
    const renew = await root.post('auth/token/renew-self', { increment: 3600 }, { token: auth.client_token });
    expect(renew.json.auth.lease_duration).toBe(50);
    clock.advance(51);
    expect((await root.get('auth/token/lookup-self', { token: auth.client_token })).status).toBe(403);
  });

  test('When a token expires, then its lease is gone from sys/leases', async () => {
    const mount = unique('exp-approle');
    await root.post(`sys/auth/${mount}`, { type: 'approle' });
    await root.post(`auth/${mount}/role/r`, { token_ttl: '5m' });
    const roleId = (await root.get(`auth/${mount}/role/r/role-id`)).json.data.role_id;
    const secretId = (await root.post(`auth/${mount}/role/r/secret-id`, {})).json.data.secret_id;
    await root.post(`auth/${mount}/login`, { role_id: roleId, secret_id: secretId }, { token: '' });
    expect((await root.call('LIST', `sys/leases/lookup/auth/${mount}/login/`)).status).toBe(200);
    clock.advance(301);
    expect((await root.call('LIST', `sys/leases/lookup/auth/${mount}/login/`)).status).toBe(404);
  });
});

describe('wrapping token expiry', () => {
  test('When a wrapping token\'s TTL passes, then unwrap and lookup say it is not valid', async () => {
    const r = await root.post('sys/wrapping/wrap', { a: 1 }, { headers: { 'X-Vault-Wrap-TTL': '60s' } });
    const t = r.json.wrap_info.token;
    clock.advance(61);
    const un = await root.post('sys/wrapping/unwrap', { token: t });
    expect(un.status).toBe(400);
    expect(un.json).toEqual({ errors: ['wrapping token is not valid or does not exist'] });
    expect((await root.post('sys/wrapping/lookup', { token: t }, { token: '' })).status).toBe(400);
  });
});

describe('test support', () => {
  test('When startTestVault is given a clock, then devvault uses it', async () => {
    const own = new ManualClock(Date.parse('2031-06-01T00:00:00Z'));
    const v: TestVault = await startTestVault({ clock: own });
    try {
      expect(v.real).toBe(false);
      const health = (await fetch(`${v.addr}/v1/sys/health`).then((r) => r.json())) as { server_time_utc: number };
      expect(health.server_time_utc).toBe(Date.parse('2031-06-01T00:00:00Z') / 1000);
    } finally {
      await v.close();
    }
  });
});
