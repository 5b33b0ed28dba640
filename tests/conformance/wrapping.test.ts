/**
 * Response wrapping of any response via X-Vault-Wrap-TTL and sys/wrapping/* (reference
 * §8; checklist item 10).
 */
import { startTestVault, type TestVault } from '../support/vault';
import { PERMISSION_DENIED, VaultClient, unique } from '../support/vault-http';

const INVALID = 'wrapping token is not valid or does not exist';

let vault: TestVault;
let root: VaultClient;
let approle: string;

beforeAll(async () => {
  vault = await startTestVault();
  root = new VaultClient(vault.addr, vault.rootToken);
  approle = unique('wrap-approle');
  await root.post(`sys/auth/${approle}`, { type: 'approle' });
  await root.post(`auth/${approle}/role/web`, { token_policies: 'default', token_ttl: '10m' });
  await root.post('secret/data/wrap/a', { data: { password: 's3cret' } });
});

afterAll(() => vault.close());

function wrapHeader(ttl: string): Record<string, string> {
  return { 'X-Vault-Wrap-TTL': ttl };
}

describe('wrapping any response', () => {
  test('When a secret-id is requested wrapped, then only wrap_info comes back and unwrap yields the secret-id', async () => {
    const r = await root.post(`auth/${approle}/role/web/secret-id`, {}, { headers: wrapHeader('5m') });
    expect(r.status).toBe(200);
    expect(r.json.data).toBeNull();
    expect(r.json.auth).toBeNull();
    expect(r.json.lease_id).toBe('');
    const info = r.json.wrap_info;
    expect(Object.keys(info)).toEqual(['token', 'accessor', 'ttl', 'creation_time', 'creation_path']);
    expect(info.ttl).toBe(300);
    expect(info.creation_path).toBe(`auth/${approle}/role/web/secret-id`);
    expect(Number.isNaN(Date.parse(info.creation_time))).toBe(false);

    const un = await root.post('sys/wrapping/unwrap', { token: info.token });
    expect(un.status).toBe(200);
    expect(typeof un.json.data.secret_id).toBe('string');
    expect(typeof un.json.data.secret_id_accessor).toBe('string');
  });

  test('When a KV read is wrapped with a duration TTL, then unwrapping gives the original envelope', async () => {
    const r = await root.get('secret/data/wrap/a', { headers: wrapHeader('20m') });
    expect(r.json.wrap_info.ttl).toBe(1200);
    const un = await root.post('sys/wrapping/unwrap', { token: r.json.wrap_info.token });
    expect(un.json.data.data).toEqual({ password: 's3cret' });
    expect(un.json.data.metadata.version).toBe(1);
  });

  test('When a token create is wrapped, then wrap_info names the wrapped token\'s accessor', async () => {
    const r = await root.post('auth/token/create', { policies: ['default'] }, { headers: wrapHeader('60') });
    expect(r.json.auth).toBeNull();
    const info = r.json.wrap_info;
    expect(typeof info.wrapped_accessor).toBe('string');
    const un = await root.post('sys/wrapping/unwrap', { token: info.token });
    expect(un.json.auth.accessor).toBe(info.wrapped_accessor);
    expect((await root.get('auth/token/lookup-self', { token: un.json.auth.client_token })).status).toBe(200);
  });

  test('When the wrapping token itself is the X-Vault-Token, then unwrap works without a body', async () => {
    const r = await root.get('secret/data/wrap/a', { headers: wrapHeader('60') });
    const un = await root.post('sys/wrapping/unwrap', undefined, { token: r.json.wrap_info.token });
    expect(un.status).toBe(200);
    expect(un.json.data.data.password).toBe('s3cret');
    const again = await root.post('sys/wrapping/unwrap', undefined, { token: r.json.wrap_info.token });
    expect(again.status).toBe(400);
    expect(again.json).toEqual({ errors: [INVALID] });
  });

  test('When a wrapping token is unwrapped twice, then the second time is 400 "wrapping token is not valid or does not exist"', async () => {
    const r = await root.post(`auth/${approle}/role/web/secret-id`, {}, { headers: wrapHeader('60') });
    expect((await root.post('sys/wrapping/unwrap', { token: r.json.wrap_info.token })).status).toBe(200);
    const second = await root.post('sys/wrapping/unwrap', { token: r.json.wrap_info.token });
    expect(second.status).toBe(400);
    expect(second.json).toEqual({ errors: [INVALID] });
  });

  test('When an unknown or non-wrapping token is unwrapped, then the reply is 400 with the same text', async () => {
    const unknown = await root.post('sys/wrapping/unwrap', { token: 'hvs.unknown000000000000000' });
    expect(unknown.status).toBe(400);
    expect(unknown.json).toEqual({ errors: [INVALID] });
    const plain = await root.createToken({ policies: ['default'] });
    const notWrapping = await root.post('sys/wrapping/unwrap', { token: plain.client_token });
    expect(notWrapping.status).toBe(400);
  });

  test('When a write with no response body is wrapped, then it is not wrapped (204)', async () => {
    const r = await root.put(`sys/policies/acl/${unique('w')}`, { policy: 'path "a" { capabilities = ["read"] }' }, { headers: wrapHeader('60') });
    expect(r.status).toBe(204);
  });
});

describe('sys/wrapping/lookup, wrap, rewrap', () => {
  test('When a wrapping token is looked up, then its creation data comes back and it is not consumed', async () => {
    const r = await root.post(`auth/${approle}/role/web/secret-id`, {}, { headers: wrapHeader('90') });
    const t = r.json.wrap_info.token;
    const look = await root.post('sys/wrapping/lookup', { token: t }, { token: '' });
    expect(look.status).toBe(200);
    expect(look.json.data.creation_path).toBe(`auth/${approle}/role/web/secret-id`);
    expect(look.json.data.creation_ttl).toBe(90);
    expect(typeof look.json.data.creation_time).toBe('string');
    expect((await root.post('sys/wrapping/lookup', { token: t }, { token: '' })).status).toBe(200);
    expect((await root.post('sys/wrapping/unwrap', { token: t })).status).toBe(200);
    const after = await root.post('sys/wrapping/lookup', { token: t }, { token: '' });
    expect(after.status).toBe(400);
    expect(after.json).toEqual({ errors: [INVALID] });
  });

  test('When sys/wrapping/wrap gets data and a wrap TTL, then unwrapping returns that data', async () => {
    const r = await root.post('sys/wrapping/wrap', { hello: 'world', n: 1 }, { headers: wrapHeader('60') });
    expect(r.status).toBe(200);
    expect(r.json.wrap_info.creation_path).toBe('sys/wrapping/wrap');
    const un = await root.post('sys/wrapping/unwrap', { token: r.json.wrap_info.token });
    expect(un.json.data).toEqual({ hello: 'world', n: 1 });
  });

  test('When sys/wrapping/wrap has no wrap TTL, then the reply is 400 "endpoint requires response wrapping to be used"', async () => {
    const r = await root.post('sys/wrapping/wrap', { a: 1 });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ errors: ['endpoint requires response wrapping to be used'] });
  });

  test('When a wrapping token is rewrapped, then the old one is invalid and the new one holds the same content', async () => {
    const r = await root.post(`auth/${approle}/role/web/secret-id`, {}, { headers: wrapHeader('120') });
    const old = r.json.wrap_info.token;
    const rw = await root.post('sys/wrapping/rewrap', { token: old });
    expect(rw.status).toBe(200);
    expect(rw.json.data).toBeNull();
    const fresh = rw.json.wrap_info;
    expect(fresh.token).not.toBe(old);
    expect(fresh.ttl).toBe(120);
    expect(fresh.creation_path).toBe(`auth/${approle}/role/web/secret-id`);
    expect((await root.post('sys/wrapping/unwrap', { token: old })).status).toBe(400);
    const un = await root.post('sys/wrapping/unwrap', { token: fresh.token });
    expect(typeof un.json.data.secret_id).toBe('string');
  });
});

describe('wrapping TTL bounds in policies', () => {
  test('When a policy sets max_wrapping_ttl, then a longer or missing wrap TTL is denied and a shorter one works', async () => {
    const policy = unique('wrapmax');
    await root.writePolicy(
      policy,
      `path "auth/${approle}/role/web/secret-id" {
         capabilities = ["update"]
         max_wrapping_ttl = "5m"
       }`,
    );
    const token = (await root.createToken({ policies: [policy] })).client_token;
    const tooLong = await root.post(`auth/${approle}/role/web/secret-id`, {}, { token, headers: wrapHeader('10m') });
    expect(tooLong.status).toBe(403);
    expect(tooLong.json).toEqual({ errors: [PERMISSION_DENIED] });
    const unwrapped = await root.post(`auth/${approle}/role/web/secret-id`, {}, { token });
    expect(unwrapped.status).toBe(403);
    const ok = await root.post(`auth/${approle}/role/web/secret-id`, {}, { token, headers: wrapHeader('2m') });
    expect(ok.status).toBe(200);
    expect(ok.json.wrap_info.ttl).toBe(120);
  });

  test('When a policy sets min_wrapping_ttl, then an unwrapped or shorter request is denied', async () => {
    const policy = unique('wrapmin');
    await root.writePolicy(
      policy,
      `path "auth/${approle}/role/web/secret-id" {
         capabilities = ["update"]
         min_wrapping_ttl = "1m"
       }`,
    );
    const token = (await root.createToken({ policies: [policy] })).client_token;
    expect((await root.post(`auth/${approle}/role/web/secret-id`, {}, { token })).status).toBe(403);
    expect((await root.post(`auth/${approle}/role/web/secret-id`, {}, { token, headers: wrapHeader('30s') })).status).toBe(403);
    expect((await root.post(`auth/${approle}/role/web/secret-id`, {}, { token, headers: wrapHeader('90s') })).status).toBe(200);
  });
});
