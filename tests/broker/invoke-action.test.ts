/**
 * Component tests: the real broker over HTTP, against devvault and a fake target server.
 * The last test reads every log line and response the scenarios produced and looks for
 * the secrets they used.
 */
import axios from 'axios';
import { closedPort } from '../support/fake-target';
import { startHarness, TOOL_KEY_PATH, type Harness } from '../support/broker-harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeVault = require('node-vault') as (opts: { endpoint: string; token?: string }) => {
  approleLogin(args: { role_id: string; secret_id: string }): Promise<unknown>;
  read(path: string): Promise<unknown>;
};

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ keyCacheSeconds: 0, targetTimeoutMs: 400 });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.target.behave({});
  h.target.calls.length = 0;
});

/**
 * Vault requests so far, not counting token revocations: those run in the background
 * after a request with a service token and may land during the next test.
 */
const vaultCalls = () => {
  const s = h.vault.stats();
  return s.requests - (s.byPath['auth/token/revoke-self'] ?? 0);
};

const ticket = { queue: 'ops', summary: 'disk full on {computer}', priority: 3 };

describe('POST /v1/actions/{name}', () => {
  test('When an allowed endpoint invokes an action, then the target gets the key and the endpoint gets only the declared fields', async () => {
    const res = await h.invoke('echo', ticket);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      request_id: res.headers.get('x-request-id'),
      action: 'echo',
      result: { id: 't-1', status: 'open', deep: 42, missing: null },
    });
    expect(res.text).not.toContain('never returned');
    expect(h.target.calls).toHaveLength(1);
    const call = h.target.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.url).toBe('/api/v2/tickets/ops');
    expect(call.headers.authorization).toBe(`Bearer ${h.toolKey}`);
    expect(call.headers['x-request-id']).toBe(res.json.request_id);
    // A parameter value is placed as a value; "{computer}" inside it is not a template.
    expect(JSON.parse(call.body)).toEqual({ title: 'disk full on {computer}', priority: 3, source: 'bigfix' });
  });

  test('When an optional parameter is left out, then its body field is left out', async () => {
    const res = await h.invoke('echo', { queue: 'ops', summary: 'x' });
    expect(res.status).toBe(200);
    expect(JSON.parse(h.target.calls[0]!.body)).toEqual({ title: 'x', source: 'bigfix' });
  });

  test('When numbers arrive as strings (shell scripts), then they are accepted as numbers', async () => {
    const res = await h.invoke('echo', { queue: 'ops', summary: 'x', priority: '5' });
    expect(res.status).toBe(200);
    expect(JSON.parse(h.target.calls[0]!.body).priority).toBe(5);
  });

  test('When a path parameter holds "/", "?" or "#", then it stays inside its encoded segment', async () => {
    const res = await h.invoke('lookup', { item: 'a/../b?x=1#f', q: 'p&q=r' });
    expect(res.status).toBe(200);
    expect(h.target.calls[0]!.url).toBe('/api/v2/items/a%2F..%2Fb%3Fx%3D1%23f?search=p%26q%3Dr&fixed=yes');
    expect(res.json.result).toEqual({ path: '/api/v2/items/a%2F..%2Fb%3Fx%3D1%23f', query: { search: 'p&q=r', fixed: 'yes' } });
  });

  test('When a path parameter is "..", then 400 names it and the target is not called', async () => {
    const res = await h.invoke('lookup', { item: '..' });
    expect(res.status).toBe(400);
    expect(res.json.error.fields).toEqual([{ field: 'item', message: expect.stringContaining('".."') }]);
    expect(h.target.calls).toHaveLength(0);
  });

  test('When the secret_id is wrong, then 401 with WWW-Authenticate', async () => {
    const res = await h.invoke('echo', ticket, { roleId: h.allowed.roleId, secretId: 'not-the-secret-id' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="credential-broker", charset="UTF-8"');
    expect(res.json).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) }, request_id: res.headers.get('x-request-id') });
    expect(h.target.calls).toHaveLength(0);
  });

  test('When the role_id is unknown, then 401', async () => {
    const res = await h.invoke('echo', ticket, { roleId: '00000000-0000-0000-0000-000000000000', secretId: h.allowed.secretId });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('unauthenticated');
  });

  test('When there are no credentials, then 401 without any Vault call', async () => {
    const before = vaultCalls();
    const res = await h.call('/v1/actions/echo', { method: 'POST', body: ticket, creds: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Basic realm="credential-broker"');
    expect(vaultCalls()).toBe(before);
  });

  test('When the role may not run the action, then 403 and the target is not called', async () => {
    const res = await h.invoke('echo', ticket, h.lookupOnly);
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('forbidden');
    expect(h.target.calls).toHaveLength(0);
  });

  test('When the action is unknown, then 404 before any Vault call', async () => {
    const before = vaultCalls();
    const res = await h.invoke('delete_everything', {});
    expect(res.status).toBe(404);
    expect(res.json.error).toEqual({ code: 'unknown_action', message: 'unknown action "delete_everything"' });
    expect(vaultCalls()).toBe(before);
  });

  test('When parameters are invalid, then 400 names each bad field, and neither Vault nor the target is called', async () => {
    const before = vaultCalls();
    const res = await h.invoke('echo', { queue: 'OPS!', summary: '', priority: 9, extra: true });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_parameters');
    const fields = res.json.error.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['extra', 'priority', 'queue', 'summary']);
    expect(h.target.calls).toHaveLength(0);
    expect(vaultCalls()).toBe(before);
  });

  test('When a required parameter is missing, then 400 says it is required', async () => {
    const res = await h.invoke('echo', { queue: 'ops' });
    expect(res.status).toBe(400);
    expect(res.json.error.fields).toEqual([{ field: 'summary', message: 'is required' }]);
  });

  test('When the body is not JSON, then 400 names the body', async () => {
    const res = await h.call('/v1/actions/echo', { method: 'POST', rawBody: '{"queue":', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.json.error.fields).toEqual([{ field: 'body', message: expect.stringContaining('not valid JSON') }]);
  });

  test('When the body is larger than the limit, then 413 and nothing is called', async () => {
    const before = vaultCalls();
    const res = await h.invoke('echo', { queue: 'ops', summary: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('payload_too_large');
    expect(vaultCalls()).toBe(before);
    expect(h.target.calls).toHaveLength(0);
  });

  test('When the target is down, then 502', async () => {
    const res = await h.invoke('echo_down', {});
    expect(res.status).toBe(502);
    expect(res.json.error.code).toBe('target_failed');
    expect(res.json.error.message).toContain('could not be reached');
  });

  test('When the target does not answer in time, then 504', async () => {
    h.target.behave({ delayMs: 1500 });
    const res = await h.invoke('echo', ticket);
    expect(res.status).toBe(504);
    expect(res.json.error.code).toBe('target_timeout');
  });

  test('When the target answers 5xx, then 502 and its body is not passed on', async () => {
    h.target.behave({ status: 500, rawBody: '{"stack":"at Internal.secretThing"}' });
    const res = await h.invoke('echo', ticket);
    expect(res.status).toBe(502);
    expect(res.json.error.message).toBe('target "fake" failed (HTTP 500)');
    expect(res.text).not.toContain('secretThing');
  });

  test('When the target answers with something that is not JSON, then 502', async () => {
    h.target.behave({ rawBody: '<html>hello</html>' });
    const res = await h.invoke('plain_text', {});
    expect(res.status).toBe(502);
    expect(res.json.error.message).toContain('not a JSON object');
  });

  test('When the tool key is missing in Vault, then 500 with a log id, and the log has the detail under that id', async () => {
    const res = await h.invoke('missing_key', {});
    expect(res.status).toBe(500);
    const m = /^internal error \(log id ([0-9a-f-]{36})\)$/.exec(res.json.error.message);
    expect(m).not.toBeNull();
    const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.log_id === m![1]);
    expect(line).toBeDefined();
    expect(JSON.stringify(line.err)).toContain('no secret at secret/data/tools/absent#api_key');
  });

  test('When the tool key is rotated in Vault, then the next call uses the new key without a restart', async () => {
    const oldKey = h.toolKey;
    const newKey = await h.rotateKey();
    expect(newKey).not.toBe(oldKey);
    const res = await h.invoke('echo', ticket);
    expect(res.status).toBe(200);
    expect(h.target.calls.at(-1)!.headers.authorization).toBe(`Bearer ${newKey}`);
  });
});

describe('GET /v1/actions', () => {
  test('When an endpoint lists actions, then it sees exactly those its policy allows', async () => {
    const all = await h.call('/v1/actions');
    expect(all.status).toBe(200);
    expect(all.json.actions.map((a: { name: string }) => a.name)).toEqual(['echo', 'echo_down', 'lookup', 'missing_key', 'plain_text']);
    const limited = await h.call('/v1/actions', { creds: h.lookupOnly });
    expect(limited.json.actions).toEqual([
      { name: 'lookup', parameters: { item: expect.objectContaining({ type: 'string' }), q: expect.objectContaining({ required: false }) } },
    ]);
  });

  test('When the credentials are wrong, then 401', async () => {
    const res = await h.call('/v1/actions', { creds: { roleId: h.allowed.roleId, secretId: 'wrong-secret-id' } });
    expect(res.status).toBe(401);
  });
});

describe('audit', () => {
  test('When a request completes, then exactly one audit event records who (from Vault), what and how it ended', async () => {
    const res = await h.invoke('echo', ticket);
    const id = res.json.request_id;
    const events = h.logs.map((l) => JSON.parse(l)).filter((l) => l.log_type === 'audit' && l.request_id === id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      event: 'action.invoke',
      action: 'echo',
      outcome: 'success',
      status: 200,
      role_name: 'endpoints-allowed',
      secret_id_metadata: { computer_id: '4242' },
      target: 'fake',
      target_status: 200,
      target_request_id: expect.stringMatching(/^target-\d+$/),
      client_ip: '127.0.0.1',
    });
    // login, capabilities-self, key read
    expect(events[0].vault_request_ids).toHaveLength(3);
    expect(events[0].durations_ms).toEqual(
      expect.objectContaining({ vault_login_ms: expect.any(Number), vault_authorize_ms: expect.any(Number), key_fetch_ms: expect.any(Number), target_ms: expect.any(Number) }),
    );
  });

  test('When a request is refused, then its audit event says so', async () => {
    const res = await h.invoke('echo', ticket, h.lookupOnly);
    const event = h.logs.map((l) => JSON.parse(l)).find((l) => l.log_type === 'audit' && l.request_id === res.json.request_id);
    expect(event).toMatchObject({ outcome: 'denied', status: 403, error_code: 'forbidden', role_name: 'endpoints-lookup' });
  });
});

describe('Vault', () => {
  test("When an endpoint uses its own credentials against Vault directly, then it cannot read the tool key (403)", async () => {
    const login = await fetch(`${h.vault.address}/v1/auth/approle/login`, {
      method: 'POST',
      body: JSON.stringify({ role_id: h.allowed.roleId, secret_id: h.allowed.secretId }),
    });
    expect(login.status).toBe(200);
    const token = ((await login.json()) as { auth: { client_token: string } }).auth.client_token;
    h.secrets.add(token);
    const read = await fetch(`${h.vault.address}/v1/${TOOL_KEY_PATH}`, { headers: { 'X-Vault-Token': token } });
    expect(read.status).toBe(403);
    const text = await read.text();
    expect(text).not.toContain(h.toolKey);
  });

  test('When Vault is sealed, then 503 with Retry-After, no target call; /v1/ready says not ready; after unseal it works again', async () => {
    const seal = await h.root('PUT', 'sys/seal');
    expect(seal.status).toBe(204);
    try {
      const res = await h.invoke('echo', ticket);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.json.error).toEqual({ code: 'vault_unavailable', message: 'Vault is sealed' });
      expect(h.target.calls).toHaveLength(0);
      const ready = await h.call('/v1/ready', { creds: null });
      expect(ready.status).toBe(503);
      expect(ready.json.checks.vault).toBe('sealed');
      const health = await h.call('/v1/health', { creds: null });
      expect(health.status).toBe(200);
    } finally {
      const unseal = await fetch(`${h.vault.address}/v1/sys/unseal`, { method: 'POST', body: JSON.stringify({ key: h.vault.unsealKey }) });
      expect(unseal.status).toBe(200);
    }
    const again = await h.invoke('echo', ticket);
    expect(again.status).toBe(200);
    const ready = await h.call('/v1/ready', { creds: null });
    expect(ready.json).toMatchObject({ ready: true, checks: { vault: 'ok', broker_token: 'ok' } });
  });
});

describe('errors from node-vault and axios', () => {
  // The broker wraps the errors its own calls throw, but a raw library error can still
  // reach a log line (a bug, a new code path). These are real errors from the real
  // libraries, carrying the secrets in their request config, logged through the broker's
  // own logger; the leak check below reads those lines too.
  test('When a raw node-vault or axios error carrying secrets is logged, then the line keeps what failed but no secret', async () => {
    const before = h.logs.length;
    const wrongRole = await nodeVault({ endpoint: h.vault.address })
      .approleLogin({ role_id: h.lookupOnly.roleId, secret_id: h.allowed.secretId })
      .catch((e: unknown) => e);
    const denied = await nodeVault({ endpoint: h.vault.address, token: h.vault.rootToken })
      .read('secret/data/tools/not-there')
      .catch((e: unknown) => e);
    const port = await closedPort();
    const refused = await axios
      .post(`http://127.0.0.1:${port}/x?api_key=${h.toolKey}`, { secret_id: h.lookupOnly.secretId }, { headers: { Authorization: `Bearer ${h.toolKey}`, 'X-Vault-Token': h.vault.rootToken } })
      .catch((e: unknown) => e);
    h.target.behave({ status: 500 });
    const answered = await axios.get(`${h.target.url}/x`, { headers: { Authorization: `Bearer ${h.toolKey}` }, params: { token: h.toolKey } }).catch((e: unknown) => e);
    for (const err of [wrongRole, denied, refused, answered]) {
      expect(err).toBeInstanceOf(Error);
      h.broker.logger.error('library error', { err });
    }
    // The raw errors do hold the secrets (so the check below is not vacuous).
    expect(JSON.stringify((refused as { config: unknown }).config)).toContain(h.toolKey);
    const lines = h.logs.slice(before).map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines.map((l) => l.err.message)).toEqual([
      expect.stringContaining('invalid role or secret ID'),
      expect.stringMatching(/404/),
      expect.stringContaining('ECONNREFUSED'),
      'Request failed with status code 500',
    ]);
  });
});

describe('secrets', () => {
  test('When all the scenarios above have run, then no log line and no response contains a secret_id, token or tool key', async () => {
    expect(h.logs.length).toBeGreaterThan(20);
    expect(h.responses.length).toBeGreaterThan(20);
    const everything = [...h.logs, ...h.responses].join('\n');
    const found: string[] = [];
    for (const secret of h.secrets) {
      if (everything.includes(secret)) found.push(`${secret.slice(0, 6)}…`);
      const basic = Buffer.from(`${h.allowed.roleId}:${secret}`).toString('base64');
      if (everything.includes(basic)) found.push('a Basic credential');
    }
    expect(found).toEqual([]);
    // Tokens the broker got from Vault and never showed us (endpoint logins, its own):
    // no Vault token of any kind (hvs. service, hvb. batch) appears anywhere.
    expect(everything).not.toMatch(/hv[sb]\.[A-Za-z0-9_-]{8,}/);
  });
});
