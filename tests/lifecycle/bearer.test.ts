/**
 * Bearer mode (endpoint_auth.vault_token): the endpoint logs in to Vault itself and sends
 * only its Vault token; the broker identifies it with lookup-self, authorizes with
 * capabilities-self, applies the same binding, and never sees a secret ID.
 */
import { startTestVault, type TestVault } from '../support/vault';
import { basic, expectNoSecrets, postJson, prepare, rawSecretId, startBroker, type LifecycleEnv, type RunningBroker } from './harness';

let vault: TestVault;
let env: LifecycleEnv;
let withBearer: RunningBroker;
let withoutBearer: RunningBroker;

beforeAll(async () => {
  vault = await startTestVault();
  env = await prepare(vault);
  withBearer = await startBroker(env, { bearer: true });
  withoutBearer = await startBroker(env);
});

afterAll(async () => {
  await withBearer?.stop();
  await withoutBearer?.stop();
  await env?.target.close();
  await vault?.close();
  expectNoSecrets(withBearer.log.text + withoutBearer.log.text, env.secrets);
});

/** The endpoint's own AppRole login against Vault, as a Bearer-mode endpoint script does it. */
async function endpointToken(role: string, metadata?: Record<string, string>): Promise<string> {
  const { secretId } = await rawSecretId(env, role, metadata);
  const login = await env.root.call('POST', 'auth/approle/login', { token: '', body: { role_id: env.roleIds[role], secret_id: secretId } });
  expect(login.status).toBe(200);
  env.secrets.add(login.json.auth.client_token);
  return login.json.auth.client_token as string;
}

describe('Bearer mode', () => {
  it('When enabled, then an endpoint Vault token invokes what its policy allows and nothing else', async () => {
    const token = await endpointToken('demo', { computer_id: '501' });
    const ok = await postJson(`${withBearer.url}/v1/actions/echo`, { message: 'bearer' }, { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(ok.json.result).toEqual({ message: 'bearer' });
    const audit = withBearer.log.json().find((l) => l.log_type === 'audit' && l.request_id === ok.json.request_id);
    expect(audit).toMatchObject({ role_name: 'demo', secret_id_metadata: { computer_id: '501' } });

    const denied = await postJson(`${withBearer.url}/v1/actions/restart`, {}, { authorization: `Bearer ${token}` });
    expect(denied.status).toBe(403);
  });

  it('When the token is not valid, then 401', async () => {
    const res = await postJson(`${withBearer.url}/v1/actions/echo`, { message: 'x' }, { authorization: 'Bearer hvs.not-a-real-token-000000' });
    expect(res.status).toBe(401);
  });

  it('When the token is not from an AppRole login, then 401', async () => {
    const t = await env.root.call('POST', 'auth/token/create', { body: { policies: ['endpoint-demo'] } });
    env.secrets.add(t.json.auth.client_token);
    const res = await postJson(`${withBearer.url}/v1/actions/echo`, { message: 'x' }, { authorization: `Bearer ${t.json.auth.client_token}` });
    expect(res.status).toBe(401);
  });

  it('applies the same CIDR binding from the token metadata', async () => {
    const token = await endpointToken('demo', { computer_id: '502', cidr: '10.0.0.0/8' });
    const res = await postJson(`${withBearer.url}/v1/actions/echo`, { message: 'x' }, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);
  });

  it('When not enabled (the default), then Bearer gets 401 while Basic still works', async () => {
    const token = await endpointToken('demo');
    const res = await postJson(`${withoutBearer.url}/v1/actions/echo`, { message: 'x' }, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    const { secretId } = await rawSecretId(env, 'demo');
    expect((await postJson(`${withoutBearer.url}/v1/actions/echo`, { message: 'x' }, { authorization: basic(env.roleIds.demo, secretId) })).status).toBe(200);
  });
});
