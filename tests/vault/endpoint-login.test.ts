/**
 * Endpoint logins through pooled node-vault clients, against devvault: many sessions of
 * two identities running at once never see each other's permissions (node-vault keeps
 * one token per client, so a shared client would mix them), a client goes back to the
 * pool with no token, and service tokens are revoked when their session ends.
 */
import { Redactor, silentLogger } from '../../src/audit';
import { startDevVault, type DevVaultHandle } from '../../src/devvault';
import { VaultAdmin } from '../../src/vault/admin';
import { EndpointClientPool } from '../../src/vault/endpoint-client-pool';
import { loginEndpoint, type EndpointLoginOptions } from '../../src/vault/endpoint-login';

let vault: DevVaultHandle;
let pool: EndpointClientPool;
let options: EndpointLoginOptions;
const creds: Record<'alpha' | 'beta', { roleId: string; secretId: string }> = {} as never;

beforeAll(async () => {
  vault = await startDevVault({ port: 0 });
  const admin = new VaultAdmin({ address: vault.address }, vault.rootToken);
  await admin.apply({ kind: 'enable-auth', path: 'approle', type: 'approle' });
  await admin.writePolicy('alpha', 'path "broker/actions/alpha" { capabilities = ["update"] }');
  await admin.writePolicy('beta', 'path "broker/actions/beta" { capabilities = ["update"] }');
  const role = (policy: string, tokenType: 'batch' | 'service') => ({
    bind_secret_id: true,
    token_type: tokenType,
    token_ttl: 60,
    token_max_ttl: 60,
    token_policies: [policy],
    token_no_default_policy: false,
    secret_id_ttl: 0,
    secret_id_num_uses: 0,
    secret_id_bound_cidrs: [],
  });
  await admin.writeRole('alpha', role('alpha', 'batch'));
  await admin.writeRole('beta', role('beta', 'service'));
  for (const name of ['alpha', 'beta'] as const) {
    const roleId = (await admin.readRoleId(name)) as string;
    const { secretId } = await admin.issueRawSecretId(name, {});
    creds[name] = { roleId, secretId };
  }
  pool = new EndpointClientPool({ address: vault.address, timeoutMs: 5000 }, 8);
  options = { clients: pool, address: vault.address, approleMount: 'approle', retryAfterSeconds: 5, secrets: new Redactor(), logger: silentLogger };
});
afterAll(async () => {
  await vault?.close();
});

test('When two identities log in and check permissions concurrently, then each session sees only its own', async () => {
  const one = async (name: 'alpha' | 'beta') => {
    const session = await loginEndpoint(options, creds[name]);
    const { capabilities } = await session.capabilities(['broker/actions/alpha', 'broker/actions/beta']);
    await session.end();
    return { name, capabilities, role: session.identity.roleName };
  };
  const runs = await Promise.all(Array.from({ length: 40 }, (_, i) => one(i % 2 === 0 ? 'alpha' : 'beta')));
  for (const run of runs) {
    expect(run.role).toBe(run.name);
    const other = run.name === 'alpha' ? 'beta' : 'alpha';
    expect(run.capabilities[`broker/actions/${run.name}`]).toEqual(['update']);
    expect(run.capabilities[`broker/actions/${other}`]).toEqual(['deny']);
  }
  // Clients came back (at most maxIdle kept), and none still holds a token.
  expect(pool.idleCount).toBeGreaterThan(0);
  expect(pool.idleCount).toBeLessThanOrEqual(8);
  const reused = pool.acquire();
  expect(reused.token).toBe('');
  pool.release(reused);
});

test('When a session with a service token ends, then its token is revoked in Vault', async () => {
  const session = await loginEndpoint(options, creds.beta);
  const accessor = session.identity.tokenAccessor;
  expect(session.identity.tokenType).toBe('service');
  await session.end();
  const res = await fetch(`${vault.address}/v1/auth/token/lookup-accessor`, {
    method: 'POST',
    headers: { 'X-Vault-Token': vault.rootToken },
    body: JSON.stringify({ accessor }),
  });
  expect(res.status).toBe(400);
  await expect(session.capabilities(['broker/actions/beta'])).rejects.toThrow(/already ended/);
});

test('When the login is refused, then the client goes back to the pool and the error names no secret', async () => {
  const before = pool.idleCount;
  const err = (await loginEndpoint(options, { roleId: creds.alpha.roleId, secretId: 'not-the-secret' }).then(
    () => null,
    (e: unknown) => e,
  )) as Error;
  expect(err).toBeInstanceOf(Error);
  expect(String(err.message)).not.toContain('not-the-secret');
  expect(String(err.message)).not.toContain(creds.alpha.roleId);
  expect(pool.idleCount).toBe(Math.min(before, 8));
});
