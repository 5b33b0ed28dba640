/**
 * sys/mounts and sys/auth: enable, list, disable; KV v1 and v2; conflicts
 * (reference §3.1, §5.1; checklist item 7 for the top-level copy of data).
 */
import { startTestVault, type TestVault } from '../support/vault';
import { PERMISSION_DENIED, VaultClient, unique } from '../support/vault-http';

let vault: TestVault;
let root: VaultClient;

beforeAll(async () => {
  vault = await startTestVault();
  root = new VaultClient(vault.addr, vault.rootToken);
});

afterAll(() => vault.close());

describe('sys/mounts', () => {
  test('When the mounts are listed, then secret/ is KV v2 and each entry is also at the top level', async () => {
    const r = await root.get('sys/mounts');
    expect(r.status).toBe(200);
    expect(r.json.data['secret/']).toMatchObject({ type: 'kv', options: { version: '2' } });
    expect(r.json.data['sys/'].type).toBe('system');
    expect(r.json.data['cubbyhole/'].type).toBe('cubbyhole');
    expect(r.json['secret/']).toEqual(r.json.data['secret/']);
    expect(typeof r.json.data['secret/'].accessor).toBe('string');
  });

  test('When a KV v1 engine is enabled, then writes are whole maps and reads return them', async () => {
    const path = unique('kv1');
    expect((await root.post(`sys/mounts/${path}`, { type: 'kv', options: { version: '1' } })).status).toBe(204);
    const list = await root.get('sys/mounts');
    expect(list.json.data[`${path}/`]).toMatchObject({ type: 'kv', options: { version: '1' } });
    expect((await root.post(`${path}/app/config`, { user: 'u', pass: 'p' })).status).toBe(204);
    const read = await root.get(`${path}/app/config`);
    expect(read.status).toBe(200);
    expect(read.json.data).toEqual({ pass: 'p', user: 'u' });
    expect(read.json.lease_id).toBe('');
    expect(read.json.lease_duration).toBe(2764800);
  });

  test('When a KV v2 engine is enabled with type kv-v2, then it is listed as kv version 2', async () => {
    const path = unique('kv2');
    expect((await root.post(`sys/mounts/${path}`, { type: 'kv-v2' })).status).toBe(204);
    const list = await root.get('sys/mounts');
    expect(list.json.data[`${path}/`]).toMatchObject({ type: 'kv', options: { version: '2' } });
    const w = await root.post(`${path}/data/a`, { data: { k: 'v' } });
    expect(w.status).toBe(200);
    expect(w.json.data.version).toBe(1);
  });

  test('When a path is already mounted, then the reply is 400 "path is already in use at <path>/"', async () => {
    const path = unique('dup');
    await root.post(`sys/mounts/${path}`, { type: 'kv' });
    const r = await root.post(`sys/mounts/${path}`, { type: 'kv' });
    expect(r.status).toBe(400);
    expect(r.json.errors[0]).toContain(`path is already in use at ${path}/`);
  });

  test('When no type is given, then the reply is 400', async () => {
    const r = await root.post(`sys/mounts/${unique('notype')}`, {});
    expect(r.status).toBe(400);
  });

  test('When an engine is disabled, then its paths stop routing', async () => {
    const path = unique('gone');
    await root.post(`sys/mounts/${path}`, { type: 'kv' });
    await root.post(`${path}/x`, { a: '1' });
    expect((await root.delete(`sys/mounts/${path}`)).status).toBe(204);
    const r = await root.get(`${path}/x`);
    expect(r.status).toBe(404);
    expect(r.json.errors[0]).toContain('no handler for route');
  });
});

describe('sys/auth', () => {
  test('When the auth methods are listed, then token/ is there and entries are also at the top level', async () => {
    const r = await root.get('sys/auth');
    expect(r.status).toBe(200);
    expect(r.json.data['token/'].type).toBe('token');
    expect(r.json['token/']).toEqual(r.json.data['token/']);
  });

  test('When AppRole is enabled at a path, then it is listed and its role paths work', async () => {
    const path = unique('approle');
    expect((await root.post(`sys/auth/${path}`, { type: 'approle' })).status).toBe(204);
    const list = await root.get('sys/auth');
    expect(list.json.data[`${path}/`].type).toBe('approle');
    expect((await root.post(`auth/${path}/role/r1`, { token_policies: 'default' })).status).toBe(204);
  });

  test('When an auth path is already in use, then the reply is 400 "path is already in use at <path>/"', async () => {
    const path = unique('approle');
    await root.post(`sys/auth/${path}`, { type: 'approle' });
    const r = await root.post(`sys/auth/${path}`, { type: 'approle' });
    expect(r.status).toBe(400);
    expect(r.json.errors[0]).toContain(`path is already in use at ${path}/`);
  });

  test('When an auth method is disabled, then its login path stops routing', async () => {
    const path = unique('approle');
    await root.post(`sys/auth/${path}`, { type: 'approle' });
    expect((await root.delete(`sys/auth/${path}`)).status).toBe(204);
    const r = await root.post(`auth/${path}/login`, { role_id: 'x' }, { token: '' });
    expect([400, 403, 404]).toContain(r.status);
  });

  test('When a token without sudo enables an auth method, then the reply is 403', async () => {
    const policy = unique('nosudo');
    await root.writePolicy(policy, 'path "sys/auth/*" { capabilities = ["create", "update"] }');
    const auth = await root.createToken({ policies: [policy] });
    const r = await root.post(`sys/auth/${unique('approle')}`, { type: 'approle' }, { token: auth.client_token });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ errors: [PERMISSION_DENIED] });
  });
});
