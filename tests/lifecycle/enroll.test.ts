/**
 * POST /v1/enroll and the secret-ID binding, through the real broker over HTTP against
 * devvault (or a real Vault), with the CLI as a child process where the operator would
 * use it.
 */
import { startTestVault, type TestVault } from '../support/vault';
import { basic, expectNoSecrets, postJson, prepare, rawSecretId, runCli, startBroker, type LifecycleEnv, type RunningBroker } from './harness';

let vault: TestVault;
let env: LifecycleEnv;
let broker: RunningBroker;

beforeAll(async () => {
  vault = await startTestVault();
  env = await prepare(vault);
  // 127.0.0.1 is a trusted proxy here, so the tests can present other client addresses through X-Forwarded-For.
  broker = await startBroker(env, { trustedProxies: ['127.0.0.1'] });
});

afterAll(async () => {
  await broker?.stop();
  await env?.target.close();
  await vault?.close();
});

afterAll(() => {
  // Nothing the tests handled (secret IDs, wrapping tokens, tokens, the tool key) is in any log line.
  expectNoSecrets(broker.log.text, env.secrets);
});

async function issueWrapped(role: string, extra: string[] = []): Promise<string> {
  const run = await runCli(['secret-id', 'issue', '--role', role, '--json', ...extra], env.cliEnv);
  expect(run.code).toBe(0);
  const out = JSON.parse(run.stdout) as { wrapping_token: string; wrapping_accessor: string; expires_at: string };
  // The operator's output holds the wrapping token, never a secret ID.
  expect(Object.keys(out).sort()).toEqual(['expires_at', 'wrapping_accessor', 'wrapping_token']);
  env.secrets.add(out.wrapping_token);
  return out.wrapping_token;
}

function securityLines(): Record<string, unknown>[] {
  return broker.log.json().filter((l) => typeof l.message === 'string' && l.message.startsWith('SECURITY:'));
}

describe('POST /v1/enroll', () => {
  it('When an endpoint enrolls with a fresh wrapping token, then it gets a working secret ID once, and the replay is refused as possible interception', async () => {
    const token = await issueWrapped('demo', ['--computer-id', '4711', '--cidr', '127.0.0.0/8']);
    const first = await postJson(`${broker.url}/v1/enroll`, { role_id: env.roleIds.demo, wrapping_token: token });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      request_id: expect.any(String),
      secret_id: expect.any(String),
      secret_id_accessor: expect.any(String),
      expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    env.secrets.add(first.json.secret_id as string);

    const invoke = await postJson(`${broker.url}/v1/actions/echo`, { message: 'enrolled' }, { authorization: basic(env.roleIds.demo, first.json.secret_id as string) });
    expect(invoke.status).toBe(200);
    expect(invoke.json.result).toEqual({ message: 'enrolled' });
    const audit = broker.log.json().find((l) => l.log_type === 'audit' && l.request_id === invoke.json.request_id);
    expect(audit).toMatchObject({ role_name: 'demo', secret_id_metadata: { computer_id: '4711', cidr: '127.0.0.0/8' } });

    const replay = await postJson(`${broker.url}/v1/enroll`, { role_id: env.roleIds.demo, wrapping_token: token });
    expect(replay.status).toBe(401);
    expect(replay.json).not.toHaveProperty('secret_id');
    const sec = securityLines().find((l) => l.request_id === replay.json.request_id);
    expect(sec).toMatchObject({ role_name: 'demo', client_ip: '127.0.0.1', reason: 'wrapping_token_invalid' });
    expect(String(sec?.message)).toContain('possible interception');
  });

  it('When the wrapping token comes from sys/wrapping/wrap, then it is refused before unwrapping, with a SECURITY event', async () => {
    const forged = await env.root.call('POST', 'sys/wrapping/wrap', {
      body: { secret_id: 'attacker-chosen-secret', secret_id_accessor: 'x' },
      headers: { 'X-Vault-Wrap-TTL': '5m' },
    });
    expect(forged.status).toBe(200);
    const token = forged.json.wrap_info.token as string;
    env.secrets.add(token);
    const res = await postJson(`${broker.url}/v1/enroll`, { role_id: env.roleIds.demo, wrapping_token: token });
    expect(res.status).toBe(401);
    expect(securityLines().find((l) => l.request_id === res.json.request_id)).toMatchObject({
      role_name: 'demo',
      reason: 'wrong_creation_path',
      creation_path: 'sys/wrapping/wrap',
    });
    // Refused before unwrapping: the token is still valid (not consumed by the broker).
    expect((await env.root.call('POST', 'sys/wrapping/lookup', { body: { token } })).status).toBe(200);
  });

  it("When the wrapping token was issued for another group's role, then it is refused", async () => {
    const token = await issueWrapped('ops');
    const res = await postJson(`${broker.url}/v1/enroll`, { role_id: env.roleIds.demo, wrapping_token: token });
    expect(res.status).toBe(401);
    expect(securityLines().find((l) => l.request_id === res.json.request_id)).toMatchObject({ reason: 'wrong_creation_path', creation_path: 'auth/approle/role/ops/secret-id' });
  });

  it('When the role_id is unknown, then it is 401 without consuming the token', async () => {
    const token = await issueWrapped('demo');
    const res = await postJson(`${broker.url}/v1/enroll`, { role_id: 'not-a-role-id', wrapping_token: token });
    expect(res.status).toBe(401);
    expect((await env.root.call('POST', 'sys/wrapping/lookup', { body: { token } })).status).toBe(200);
  });

  it('When the body is malformed, then 400 names each field', async () => {
    const res = await postJson(`${broker.url}/v1/enroll`, { role_id: 5, extra: true });
    expect(res.status).toBe(400);
    const fields = ((res.json.error as { fields: { field: string }[] }).fields ?? []).map((f) => f.field).sort();
    expect(fields).toEqual(['extra', 'role_id', 'wrapping_token']);
  });
});

describe('secret-ID binding', () => {
  it('When the caller is outside the secret-ID CIDR, then 403 and a SECURITY event naming the computer', async () => {
    const { secretId } = await rawSecretId(env, 'demo', { computer_id: '99', cidr: '10.9.0.0/16' });
    const auth = { authorization: basic(env.roleIds.demo, secretId) };
    // Through the trusted proxy (127.0.0.1) with an address inside the binding: allowed.
    const inside = await postJson(`${broker.url}/v1/actions/echo`, { message: 'hi' }, { ...auth, 'x-forwarded-for': '203.0.113.9, 10.9.4.2' });
    expect(inside.status).toBe(200);
    // The leftmost entry is the client's claim; only the last one counts.
    const spoofed = await postJson(`${broker.url}/v1/actions/echo`, { message: 'hi' }, { ...auth, 'x-forwarded-for': '10.9.4.2, 192.168.7.7' });
    expect(spoofed.status).toBe(403);
    const direct = await postJson(`${broker.url}/v1/actions/echo`, { message: 'hi' }, auth);
    expect(direct.status).toBe(403);
    expect(securityLines().find((l) => l.request_id === spoofed.json.request_id)).toMatchObject({
      event: 'binding_refused',
      role_name: 'demo',
      computer_id: '99',
      client_ip: '192.168.7.7',
      reason: 'outside-cidr',
    });
    const audit = broker.log.json().find((l) => l.log_type === 'audit' && l.request_id === direct.json.request_id);
    expect(audit).toMatchObject({ status: 403, role_name: 'demo', secret_id_metadata: { computer_id: '99' } });
  });

  it('When a secret ID is revoked with the CLI, then the next invoke is refused', async () => {
    const { secretId, accessor } = await rawSecretId(env, 'demo', { computer_id: '7' });
    const auth = { authorization: basic(env.roleIds.demo, secretId) };
    expect((await postJson(`${broker.url}/v1/actions/echo`, { message: 'before' }, auth)).status).toBe(200);
    const revoke = await runCli(['secret-id', 'revoke', '--role', 'demo', '--accessor', accessor], env.cliEnv);
    expect(revoke).toMatchObject({ code: 0 });
    expect((await postJson(`${broker.url}/v1/actions/echo`, { message: 'after' }, auth)).status).toBe(401);
  });
});

describe('POST /v1/enroll while Vault is sealed', () => {
  it('When Vault is sealed, then 503 with Retry-After and the wrapping token stays usable', async () => {
    if (vault.real || !vault.devvault) return; // sealing a shared real Vault is not a test's business
    const token = await issueWrapped('demo');
    expect((await env.root.call('PUT', 'sys/seal')).status).toBe(204);
    try {
      const res = await fetch(`${broker.url}/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role_id: env.roleIds.demo, wrapping_token: token }),
      });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      expect((await env.root.call('PUT', 'sys/unseal', { token: '', body: { key: vault.devvault.unsealKey } })).status).toBe(200);
    }
    const after = await postJson(`${broker.url}/v1/enroll`, { role_id: env.roleIds.demo, wrapping_token: token });
    expect(after.status).toBe(200);
    env.secrets.add(after.json.secret_id as string);
  });
});
