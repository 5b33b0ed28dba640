/**
 * sys/health, sys/seal-status, sys/seal and sys/unseal (reference §2, §10; checklist
 * items 11 and 12). Sealing needs the unseal key, which only devvault hands out, so the
 * seal tests skip themselves against a real Vault.
 */
import { realVaultConfigured, startTestVault, type TestVault } from '../support/vault';
import { PERMISSION_DENIED, VaultClient, unique } from '../support/vault-http';

let vault: TestVault;
let root: VaultClient;

beforeAll(async () => {
  vault = await startTestVault();
  root = new VaultClient(vault.addr, vault.rootToken);
});

afterAll(() => vault.close());

describe('sys/health', () => {
  test('When an unsealed active node is asked, then it answers 200 with the health JSON', async () => {
    const r = await root.get('sys/health', { token: '' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      initialized: true,
      sealed: false,
      standby: false,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      enterprise: false,
    });
    expect(typeof r.json.version).toBe('string');
    expect(typeof r.json.server_time_utc).toBe('number');
    expect(typeof r.json.cluster_name).toBe('string');
    expect(typeof r.json.cluster_id).toBe('string');
  });

  test('When activecode is given, then that status is used and the body is still JSON', async () => {
    const r = await root.get('sys/health?activecode=299', { token: '' });
    expect(r.status).toBe(299);
    expect(r.json.sealed).toBe(false);
  });

  test('When every code parameter is given, then only activecode applies to an active node', async () => {
    const r = await root.get('sys/health?standbyok=true&perfstandbyok=1&standbycode=201&sealedcode=202&uninitcode=203&drsecondarycode=204&performancestandbycode=205&activecode=206', { token: '' });
    expect(r.status).toBe(206);
  });

  test('When a code parameter is not an integer, then the reply is 400', async () => {
    const r = await root.get('sys/health?activecode=abc', { token: '' });
    expect(r.status).toBe(400);
  });

  test('When standbyok is not a boolean, then the reply is 400 with an empty errors list', async () => {
    const r = await root.get('sys/health?standbyok=maybe', { token: '' });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ errors: [] });
  });

  test('When HEAD is used, then the status is the same and there is no body', async () => {
    const res = await fetch(`${vault.addr}/v1/sys/health?activecode=280`, { method: 'HEAD' });
    expect(res.status).toBe(280);
    expect(await res.text()).toBe('');
  });

  test('When another method is used, then the reply is 405', async () => {
    const r = await root.post('sys/health', {}, { token: '' });
    expect(r.status).toBe(405);
  });
});

describe('sys/seal-status', () => {
  test('When asked without a token, then it reports a shamir seal with one key', async () => {
    const r = await root.get('sys/seal-status', { token: '' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ type: 'shamir', initialized: true, sealed: false, t: 1, n: 1, progress: 0 });
    expect(typeof r.json.version).toBe('string');
  });
});

describe('sys/seal and sys/unseal', () => {
  test('When a token without sudo on sys/seal tries to seal, then the reply is 403', async () => {
    const policy = unique('noseal');
    await root.writePolicy(policy, 'path "sys/seal" { capabilities = ["update"] }');
    const auth = await root.createToken({ policies: [policy] });
    const r = await root.put('sys/seal', undefined, { token: auth.client_token });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ errors: [PERMISSION_DENIED] });
  });

  test('When an unseal key is wrong, then the reply is 400', async () => {
    const r = await root.put('sys/unseal', { key: Buffer.alloc(32, 7).toString('base64') }, { token: '' });
    // An unsealed Vault ignores the key and reports its status.
    expect([200, 400]).toContain(r.status);
  });

  test('When the unseal body has neither key nor reset, then the reply is 400', async () => {
    const r = await root.put('sys/unseal', {}, { token: '' });
    expect(r.status).toBe(400);
    expect(r.json.errors[0]).toContain("'key' must be specified");
  });

  const devvaultOnly = realVaultConfigured() ? test.skip : test;

  devvaultOnly('When sealed, then every request but health, seal-status and unseal gets 503 "Vault is sealed"', async () => {
    const dv = vault.devvault!;
    expect((await root.put('sys/seal')).status).toBe(204);
    try {
      for (const [method, path] of [
        ['GET', 'auth/token/lookup-self'],
        ['GET', 'secret/data/anything'],
        ['POST', 'auth/approle/login'],
        ['GET', 'sys/mounts'],
        ['GET', 'nomount/x'],
      ] as const) {
        const r = await root.call(method, path, method === 'POST' ? { body: { role_id: 'x' } } : {});
        expect(r.status).toBe(503);
        expect(r.json).toEqual({ errors: ['Vault is sealed'] });
      }
      const health = await root.get('sys/health', { token: '' });
      expect(health.status).toBe(503);
      expect(health.json.sealed).toBe(true);
      expect(health.json.cluster_name).toBeUndefined();
      expect((await root.get('sys/health?sealedcode=200', { token: '' })).status).toBe(200);
      const status = await root.get('sys/seal-status', { token: '' });
      expect(status.status).toBe(200);
      expect(status.json.sealed).toBe(true);

      const wrong = await root.put('sys/unseal', { key: Buffer.alloc(32, 7).toString('base64') }, { token: '' });
      expect(wrong.status).toBe(400);
      expect(wrong.json.errors.length).toBe(1);
    } finally {
      const un = await root.put('sys/unseal', { key: dv.unsealKey }, { token: '' });
      expect(un.status).toBe(200);
      expect(un.json.sealed).toBe(false);
    }
    // Tokens survive a seal/unseal.
    expect((await root.get('auth/token/lookup-self')).status).toBe(200);
  });
});
